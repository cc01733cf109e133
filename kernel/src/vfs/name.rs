//! Clean relative paths as backends receive them: their components, the checks on a
//! name about to be created or a directory about to be opened, and the errors that name
//! the path. Used by the backends that keep a tree of their own (memfs, hostfs).

use vproc_ipc::Errno;

use crate::{Error, OpenFlags, PATH_MAX, SysResult};

/// The longest name of a directory entry, as Linux's NAME_MAX.
const NAME_MAX: usize = 255;

/// How a path is shown in messages: the root as `.`.
fn shown(path: &str) -> &str {
    if path.is_empty() { "." } else { path }
}

/// An error of operation `op` on `path`: `"{op} {path}: {what}"`.
pub(super) fn fail(errno: Errno, op: &str, path: &str, what: impl std::fmt::Display) -> Error {
    Error::new(errno, format!("{op} {}: {what}", shown(path)))
}

/// The components of a clean relative path (`""` is the root, no components). Anything
/// else (an absolute path, an empty, `.` or `..` component, a NUL byte) is EINVAL: the VFS
/// never sends one, so it is a caller's bug, refused rather than guessed at. hostfs's
/// confinement relies on it as a second line behind the VFS.
pub(super) fn components<'a>(op: &str, path: &'a str) -> SysResult<Vec<&'a str>> {
    if path.is_empty() {
        return Ok(Vec::new());
    }
    if path.len() >= PATH_MAX {
        return Err(fail(
            Errno::ENAMETOOLONG,
            op,
            path,
            format_args!("the path is longer than {PATH_MAX} bytes"),
        ));
    }
    let parts: Vec<&str> = path.split('/').collect();
    if parts
        .iter()
        .any(|p| p.is_empty() || *p == "." || *p == ".." || p.contains('\0'))
    {
        return Err(fail(
            Errno::EINVAL,
            op,
            path,
            "not a clean relative path (empty, '.' or '..' component, or a NUL byte)",
        ));
    }
    Ok(parts)
}

/// Checks a name about to be created.
pub(super) fn check_name(op: &str, path: &str, name: &str) -> SysResult<()> {
    if name.len() > NAME_MAX {
        return Err(fail(
            Errno::ENAMETOOLONG,
            op,
            path,
            format_args!("the name is longer than {NAME_MAX} bytes"),
        ));
    }
    Ok(())
}

/// EISDIR unless opening a directory with `flags` is allowed: reading only, no `CREAT`,
/// no `TRUNC` (as Linux; `CREAT | EXCL` has given EEXIST before this).
pub(super) fn check_dir_open(flags: OpenFlags, path: &str) -> SysResult<()> {
    if flags.writable() || flags.intersects(OpenFlags::CREAT | OpenFlags::TRUNC) {
        return Err(fail(
            Errno::EISDIR,
            "open",
            path,
            "is a directory; it can be opened for reading only",
        ));
    }
    Ok(())
}

/// EEXIST or EISDIR unless the root directory may be opened with `flags`: not with
/// `CREAT | EXCL`, and as [`check_dir_open`] allows.
pub(super) fn check_root_open(flags: OpenFlags, path: &str) -> SysResult<()> {
    if flags.contains(OpenFlags::CREAT | OpenFlags::EXCL) {
        return Err(fail(
            Errno::EEXIST,
            "open",
            path,
            "the root directory exists",
        ));
    }
    check_dir_open(flags, path)
}

/// EINVAL when `flags` would create a missing file as a directory (`CREAT` with
/// `DIRECTORY`): open creates regular files only.
pub(super) fn check_create_open(flags: OpenFlags, path: &str) -> SysResult<()> {
    if flags.contains(OpenFlags::DIRECTORY) {
        return Err(fail(
            Errno::EINVAL,
            "open",
            path,
            "O_CREAT with O_DIRECTORY cannot create a directory (use mkdir)",
        ));
    }
    Ok(())
}

/// ENOTDIR for opening what is not a directory with `DIRECTORY` in the flags.
pub(super) fn not_a_directory(path: &str) -> Error {
    fail(
        Errno::ENOTDIR,
        "open",
        path,
        "O_DIRECTORY given but it is not a directory",
    )
}

/// The error of `op` on the root directory, which it cannot act on: `root_errno`, with
/// what that means there.
pub(super) fn root_refused(root_errno: Errno, op: &str, path: &str) -> Error {
    let what = match root_errno {
        Errno::EEXIST => "the root directory exists",
        Errno::EISDIR => "the root is a directory",
        _ => "not allowed on the root directory",
    };
    fail(root_errno, op, path, what)
}
