//! A host directory, passed through and confined to it.
//!
//! # Confinement
//!
//! The backend keeps a descriptor of its root directory and never uses a host path
//! string past it. Every operation walks the parent components one at a time with
//! `openat(dir, name, O_DIRECTORY | O_NOFOLLOW)` (`O_PATH` too on Linux, so a directory
//! needs only search permission), then acts on the last component with an `*at` call
//! that does not follow a symbolic link (`AT_SYMLINK_NOFOLLOW`, `O_NOFOLLOW`). A symbolic
//! link met on the way, or one that a host program swapped in for a directory meanwhile,
//! is refused with ELOOP. `..` never reaches a backend (the VFS removes it, and this
//! backend refuses it with EINVAL all the same), and the backend never follows a link
//! (the VFS reads links with `readlink` and resolves them inside the virtual tree), so
//! nothing a virtual process does reaches outside the root. This works on every Unix; no
//! `openat2(RESOLVE_BENEATH)` is needed.
//!
//! # What differs from the host
//!
//! - `dev` in every [`Stat`] is the backend's own device number (one per mount in the
//!   virtual tree); the rest (kind, permission bits, size, links, inode) is the host's.
//! - FIFOs: `mkfifo` makes a real host FIFO, but opening one never opens the host file
//!   (that would block the kernel thread). Each host FIFO (by host device and inode) is
//!   paired with one in-kernel [`Fifo`], where virtual processes meet. Data between virtual
//!   processes does not pass through the host FIFO: a host program writing into it is not
//!   seen, and one reading from it gets nothing.
//! - Sockets, character and block devices are not opened (ENOTSUP). [`FileType`] has no
//!   socket or block-device kind, so `lstat` and `readdir` report all three as
//!   [`FileType::CharDevice`].
//! - The host process's umask applies to what is created, after the virtual process's
//!   (which the VFS applied to `mode`); `chmod` sets the bits exactly.
//! - A name that is not UTF-8 is listed by `readdir` with U+FFFD in place of the bad
//!   bytes (a virtual path is a Rust string), so it cannot be opened by that name; a link
//!   target that is not UTF-8 makes `readlink` fail with EIO.
//! - Host errors are mapped to [`Errno`] by name; one that `Errno` lacks (EXDEV, EMLINK,
//!   EDQUOT, ETXTBSY…) is EIO, with the host's description in the message.

use std::cell::RefCell;
use std::collections::HashMap;
use std::ffi::CStr;
use std::os::fd::{AsFd, BorrowedFd, OwnedFd};
use std::os::unix::fs::FileExt;
use std::path::Path;
use std::rc::Rc;

use rustix::fs::{self as host, AtFlags, Mode, OFlags, RawMode};
use rustix::io::Errno as HostErrno;
use vproc_ipc::{Errno, Fifo};

use super::memfs::{check_dir_open, components, fail};
use super::{DirEntry, FileSystem, FileType, Node, RegularFile, Stat};
use crate::{Error, OpenFlags, SysResult};

/// How a parent directory is opened on the walk: a directory, not through a link, and on
/// Linux as a bare path (`O_PATH`: search permission is enough, and nothing is read).
#[cfg(any(target_os = "linux", target_os = "android"))]
const WALK: OFlags = OFlags::PATH
    .union(OFlags::DIRECTORY)
    .union(OFlags::NOFOLLOW)
    .union(OFlags::CLOEXEC);
/// How a parent directory is opened on the walk: a directory, not through a link, and
/// without blocking whatever it turns out to be.
#[cfg(not(any(target_os = "linux", target_os = "android")))]
const WALK: OFlags = OFlags::RDONLY
    .union(OFlags::DIRECTORY)
    .union(OFlags::NOFOLLOW)
    .union(OFlags::CLOEXEC)
    .union(OFlags::NONBLOCK);

/// How a directory is opened to read its entries.
const READ_DIR: OFlags = OFlags::RDONLY
    .union(OFlags::DIRECTORY)
    .union(OFlags::NOFOLLOW)
    .union(OFlags::CLOEXEC)
    .union(OFlags::NONBLOCK);

/// What every open of a file adds: no link followed, no blocking (should a host program
/// swap a FIFO in), no controlling terminal, closed on exec.
const OPEN_FILE: OFlags = OFlags::NOFOLLOW
    .union(OFlags::NONBLOCK)
    .union(OFlags::NOCTTY)
    .union(OFlags::CLOEXEC);

/// A host directory, passed through and confined to it.
pub(crate) struct HostFs {
    /// The root directory, opened once.
    root: OwnedFd,
    dev: u64,
    /// The in-kernel FIFO of each host FIFO opened so far, by host (device, inode).
    fifos: RefCell<HashMap<(u64, u64), Fifo>>,
}

/// A directory to act in: the root, or one opened on the walk.
enum At<'a> {
    Root(BorrowedFd<'a>),
    Dir(OwnedFd),
}

impl AsFd for At<'_> {
    fn as_fd(&self) -> BorrowedFd<'_> {
        match self {
            At::Root(fd) => *fd,
            At::Dir(fd) => fd.as_fd(),
        }
    }
}

/// Our number for a host error, if `Errno` has it.
fn errno_of(e: HostErrno) -> Option<Errno> {
    Some(match e {
        HostErrno::PERM => Errno::EPERM,
        HostErrno::NOENT => Errno::ENOENT,
        HostErrno::INTR => Errno::EINTR,
        HostErrno::IO => Errno::EIO,
        HostErrno::NXIO => Errno::ENXIO,
        HostErrno::BADF => Errno::EBADF,
        HostErrno::AGAIN => Errno::EAGAIN,
        HostErrno::NOMEM => Errno::ENOMEM,
        HostErrno::ACCESS => Errno::EACCES,
        HostErrno::FAULT => Errno::EFAULT,
        HostErrno::BUSY => Errno::EBUSY,
        HostErrno::EXIST => Errno::EEXIST,
        HostErrno::NOTDIR => Errno::ENOTDIR,
        HostErrno::ISDIR => Errno::EISDIR,
        HostErrno::INVAL => Errno::EINVAL,
        HostErrno::NFILE => Errno::ENFILE,
        HostErrno::MFILE => Errno::EMFILE,
        HostErrno::FBIG => Errno::EFBIG,
        HostErrno::NOSPC => Errno::ENOSPC,
        HostErrno::SPIPE => Errno::ESPIPE,
        HostErrno::ROFS => Errno::EROFS,
        HostErrno::NAMETOOLONG => Errno::ENAMETOOLONG,
        HostErrno::NOSYS => Errno::ENOSYS,
        HostErrno::NOTEMPTY => Errno::ENOTEMPTY,
        HostErrno::LOOP => Errno::ELOOP,
        e if e == HostErrno::OPNOTSUPP || e == HostErrno::NOTSUP => Errno::ENOTSUP,
        _ => return None,
    })
}

/// Our number for a host error and what to say about it: one `Errno` lacks is EIO, and
/// the message keeps the host's description.
fn describe(e: HostErrno) -> (Errno, String) {
    match errno_of(e) {
        Some(errno) => (errno, errno.description().to_owned()),
        None => (
            Errno::EIO,
            format!("host error: {}", std::io::Error::from(e)),
        ),
    }
}

/// A host error of operation `op` on `path`.
fn host_error(e: HostErrno, op: &str, path: &str) -> Error {
    let (errno, what) = describe(e);
    fail(errno, op, path, what)
}

/// A `std::io::Error` of a host call (from [`HostFile`]).
fn io_error(e: &std::io::Error, op: &str, path: &str) -> Error {
    match e.raw_os_error() {
        Some(raw) => host_error(HostErrno::from_raw_os_error(raw), op, path),
        None => fail(Errno::EIO, op, path, format_args!("host error: {e}")),
    }
}

/// Our kind for a host file type (sockets and block devices are reported as character
/// devices: special files that vproc does not open).
fn kind_of(t: host::FileType) -> FileType {
    match t {
        host::FileType::RegularFile => FileType::Regular,
        host::FileType::Directory => FileType::Directory,
        host::FileType::Symlink => FileType::Symlink,
        host::FileType::Fifo => FileType::Fifo,
        _ => FileType::CharDevice,
    }
}

/// The kind of a host `stat`.
fn host_kind(st: &host::Stat) -> FileType {
    kind_of(host::FileType::from_raw_mode(st.st_mode))
}

/// A host `stat` as we report it, with our device number.
// The field types of `struct stat` differ between Unixes (and architectures): the casts
// are widening everywhere, and no-ops on some.
#[allow(clippy::unnecessary_cast)]
fn to_stat(st: &host::Stat, dev: u64) -> Stat {
    Stat {
        kind: host_kind(st),
        mode: st.st_mode as u32 & 0o7777,
        size: u64::try_from(st.st_size).unwrap_or(0),
        nlink: st.st_nlink as u64,
        ino: st.st_ino as u64,
        dev,
    }
}

/// The host (device, inode) of a file, which names a host FIFO in the map.
#[allow(clippy::unnecessary_cast)]
fn host_id(st: &host::Stat) -> (u64, u64) {
    (st.st_dev as u64, st.st_ino as u64)
}

/// Permission bits as the host's `mode_t`.
#[allow(clippy::unnecessary_cast)]
fn host_mode(mode: u32) -> Mode {
    Mode::from_raw_mode((mode & 0o7777) as RawMode)
}

impl HostFs {
    /// The directory named by `comps` below the root, opened without following links.
    fn walk(&self, comps: &[&str], op: &str, path: &str) -> SysResult<At<'_>> {
        let mut at = At::Root(self.root.as_fd());
        for (i, name) in comps.iter().enumerate() {
            match host::openat(&at, *name, WALK, Mode::empty()) {
                Ok(fd) => at = At::Dir(fd),
                Err(e) => {
                    let prefix = comps[..=i].join("/");
                    return Err(walk_error(&at, name, e, op, path, &prefix));
                }
            }
        }
        Ok(at)
    }

    /// The parent directory of `path` and its last name; `None` for the root.
    fn parent<'p>(&self, op: &str, path: &'p str) -> SysResult<Option<(At<'_>, &'p str)>> {
        let comps = components(op, path)?;
        let Some((last, parents)) = comps.split_last() else {
            return Ok(None);
        };
        Ok(Some((self.walk(parents, op, path)?, *last)))
    }

    /// Like [`parent`](Self::parent), with `root_errno` for the root.
    fn parent_not_root<'p>(
        &self,
        op: &str,
        path: &'p str,
        root_errno: Errno,
    ) -> SysResult<(At<'_>, &'p str)> {
        self.parent(op, path)?.ok_or_else(|| {
            let what = match root_errno {
                Errno::EEXIST => "the root directory exists",
                Errno::EISDIR => "the root is a directory",
                _ => "not allowed on the root directory",
            };
            fail(root_errno, op, path, what)
        })
    }

    /// The in-kernel FIFO of the host FIFO `st`, made at the first open.
    // `Fifo::new` is the constructor the ipc crate documents; `Default` may change.
    #[allow(clippy::unwrap_or_default)]
    fn fifo(&self, st: &host::Stat) -> Fifo {
        self.fifos
            .borrow_mut()
            .entry(host_id(st))
            .or_insert_with(Fifo::new)
            .clone()
    }

    /// Forgets the in-kernel FIFO of a host FIFO whose last name is going.
    fn forget_fifo(&self, st: &host::Stat) {
        if host_kind(st) == FileType::Fifo && st.st_nlink <= 1 {
            self.fifos.borrow_mut().remove(&host_id(st));
        }
    }

    #[cfg(test)]
    /// How many host FIFOs have an in-kernel FIFO now.
    pub(crate) fn fifo_count(&self) -> usize {
        self.fifos.borrow().len()
    }

    /// Opens a regular file (or creates one, with `CREAT` in `flags`) in `dir`, then
    /// looks at what was opened: a host program may have swapped something else in.
    fn open_file(
        &self,
        dir: &At<'_>,
        name: &str,
        flags: OpenFlags,
        mode: u32,
        path: &str,
    ) -> SysResult<Node> {
        let mut oflags = OPEN_FILE;
        oflags |= if flags.contains(OpenFlags::RDWR) {
            OFlags::RDWR
        } else if flags.contains(OpenFlags::WRONLY) {
            OFlags::WRONLY
        } else {
            OFlags::RDONLY
        };
        for (ours, theirs) in [
            (OpenFlags::CREAT, OFlags::CREATE),
            (OpenFlags::EXCL, OFlags::EXCL),
            (OpenFlags::TRUNC, OFlags::TRUNC),
        ] {
            if flags.contains(ours) {
                oflags |= theirs;
            }
        }
        // APPEND is the VFS's business (it keeps the offset): O_APPEND would make the
        // host ignore the offsets of `write_at`.
        let fd = host::openat(dir, name, oflags, host_mode(mode))
            .map_err(|e| host_error(e, "open", path))?;
        let st = host::fstat(&fd).map_err(|e| host_error(e, "open", path))?;
        match host_kind(&st) {
            FileType::Regular => {
                let fl = host::fcntl_getfl(&fd).map_err(|e| host_error(e, "open", path))?;
                host::fcntl_setfl(&fd, fl - OFlags::NONBLOCK)
                    .map_err(|e| host_error(e, "open", path))?;
                Ok(Node::File(Rc::new(HostFile {
                    file: std::fs::File::from(fd),
                    dev: self.dev,
                    path: path.to_owned(),
                })))
            }
            FileType::Directory => {
                check_dir_open(flags, path)?;
                Ok(Node::Directory(to_stat(&st, self.dev)))
            }
            FileType::Fifo => Ok(Node::Fifo(self.fifo(&st), to_stat(&st, self.dev))),
            _ => Err(special_file(path)),
        }
    }
}

/// ENOTSUP for a socket or device.
fn special_file(path: &str) -> Error {
    fail(
        Errno::ENOTSUP,
        "open",
        path,
        "vproc does not open host special files (sockets, devices)",
    )
}

/// ELOOP for a symbolic link where the backend would have to follow it.
fn is_symlink(op: &str, path: &str, which: &str) -> Error {
    fail(
        Errno::ELOOP,
        op,
        path,
        format_args!("{which} is a symbolic link, which hostfs does not follow"),
    )
}

/// The error of opening `name` in `at` as a directory (on the walk, or to read it). A
/// symbolic link is ELOOP, whatever the host said (Linux says ENOTDIR with `O_DIRECTORY`,
/// FreeBSD EMLINK).
fn walk_error(at: &At<'_>, name: &str, e: HostErrno, op: &str, path: &str, which: &str) -> Error {
    if e != HostErrno::NOENT
        && let Ok(st) = host::statat(at, name, AtFlags::SYMLINK_NOFOLLOW)
        && host_kind(&st) == FileType::Symlink
    {
        return is_symlink(op, path, which);
    }
    match e {
        HostErrno::NOENT => fail(
            Errno::ENOENT,
            op,
            path,
            format_args!("{which} does not exist"),
        ),
        HostErrno::NOTDIR => fail(
            Errno::ENOTDIR,
            op,
            path,
            format_args!("{which} is not a directory"),
        ),
        e => host_error(e, op, path),
    }
}

/// EEXIST from rmdir or rename onto a directory is the other POSIX spelling of ENOTEMPTY.
fn not_empty(e: HostErrno) -> HostErrno {
    if e == HostErrno::EXIST {
        HostErrno::NOTEMPTY
    } else {
        e
    }
}

impl FileSystem for HostFs {
    fn kind(&self) -> &'static str {
        "hostfs"
    }

    fn lstat(&self, path: &str) -> SysResult<Stat> {
        match self.parent("lstat", path)? {
            None => host::fstat(&self.root),
            Some((dir, name)) => host::statat(&dir, name, AtFlags::SYMLINK_NOFOLLOW),
        }
        .map(|st| to_stat(&st, self.dev))
        .map_err(|e| host_error(e, "lstat", path))
    }

    fn readlink(&self, path: &str) -> SysResult<String> {
        let (dir, name) = self.parent_not_root("readlink", path, Errno::EINVAL)?;
        let target = host::readlinkat(&dir, name, Vec::new())
            .map_err(|e| host_error(e, "readlink", path))?;
        target.into_string().map_err(|_| {
            fail(
                Errno::EIO,
                "readlink",
                path,
                "the host link's target is not UTF-8",
            )
        })
    }

    fn open(&self, path: &str, flags: OpenFlags, mode: u32) -> SysResult<Node> {
        let Some((dir, name)) = self.parent("open", path)? else {
            if flags.contains(OpenFlags::CREAT | OpenFlags::EXCL) {
                return Err(fail(
                    Errno::EEXIST,
                    "open",
                    path,
                    "the root directory exists",
                ));
            }
            check_dir_open(flags, path)?;
            return self.lstat(path).map(Node::Directory);
        };
        match host::statat(&dir, name, AtFlags::SYMLINK_NOFOLLOW) {
            Ok(st) => {
                if flags.contains(OpenFlags::CREAT | OpenFlags::EXCL) {
                    return Err(fail(Errno::EEXIST, "open", path, "file exists"));
                }
                match host_kind(&st) {
                    FileType::Symlink => Err(is_symlink("open", path, "it")),
                    FileType::Directory => {
                        check_dir_open(flags, path)?;
                        Ok(Node::Directory(to_stat(&st, self.dev)))
                    }
                    _ if flags.contains(OpenFlags::DIRECTORY) => Err(fail(
                        Errno::ENOTDIR,
                        "open",
                        path,
                        "O_DIRECTORY given but it is not a directory",
                    )),
                    FileType::Fifo => Ok(Node::Fifo(self.fifo(&st), to_stat(&st, self.dev))),
                    FileType::Regular => self.open_file(&dir, name, flags, mode, path),
                    _ => Err(special_file(path)),
                }
            }
            Err(HostErrno::NOENT) if flags.contains(OpenFlags::CREAT) => {
                if flags.contains(OpenFlags::DIRECTORY) {
                    return Err(fail(
                        Errno::EINVAL,
                        "open",
                        path,
                        "O_CREAT with O_DIRECTORY cannot create a directory (use mkdir)",
                    ));
                }
                self.open_file(&dir, name, flags, mode, path)
            }
            Err(e) => Err(host_error(e, "open", path)),
        }
    }

    fn mkdir(&self, path: &str, mode: u32) -> SysResult<()> {
        let (dir, name) = self.parent_not_root("mkdir", path, Errno::EEXIST)?;
        host::mkdirat(&dir, name, host_mode(mode)).map_err(|e| host_error(e, "mkdir", path))
    }

    #[cfg(not(target_vendor = "apple"))]
    fn mkfifo(&self, path: &str, mode: u32) -> SysResult<()> {
        let (dir, name) = self.parent_not_root("mkfifo", path, Errno::EEXIST)?;
        host::mkfifoat(&dir, name, host_mode(mode)).map_err(|e| host_error(e, "mkfifo", path))
    }

    #[cfg(target_vendor = "apple")]
    fn mkfifo(&self, path: &str, mode: u32) -> SysResult<()> {
        let _ = mode;
        self.parent_not_root("mkfifo", path, Errno::EEXIST)?;
        Err(fail(
            Errno::ENOTSUP,
            "mkfifo",
            path,
            "hostfs cannot make host FIFOs on this system",
        ))
    }

    fn symlink(&self, target: &str, path: &str) -> SysResult<()> {
        let (dir, name) = self.parent_not_root("symlink", path, Errno::EEXIST)?;
        host::symlinkat(target, &dir, name).map_err(|e| host_error(e, "symlink", path))
    }

    fn unlink(&self, path: &str) -> SysResult<()> {
        let (dir, name) = self.parent_not_root("unlink", path, Errno::EISDIR)?;
        let st = host::statat(&dir, name, AtFlags::SYMLINK_NOFOLLOW)
            .map_err(|e| host_error(e, "unlink", path))?;
        // Linux says EISDIR, POSIX and the BSDs EPERM: say EISDIR everywhere.
        if host_kind(&st) == FileType::Directory {
            return Err(fail(
                Errno::EISDIR,
                "unlink",
                path,
                "is a directory (use rmdir)",
            ));
        }
        host::unlinkat(&dir, name, AtFlags::empty()).map_err(|e| host_error(e, "unlink", path))?;
        self.forget_fifo(&st);
        Ok(())
    }

    fn rmdir(&self, path: &str) -> SysResult<()> {
        let (dir, name) = self.parent_not_root("rmdir", path, Errno::EBUSY)?;
        host::unlinkat(&dir, name, AtFlags::REMOVEDIR)
            .map_err(|e| host_error(not_empty(e), "rmdir", path))
    }

    fn rename(&self, from: &str, to: &str) -> SysResult<()> {
        let (from_dir, from_name) = self.parent_not_root("rename", from, Errno::EBUSY)?;
        let (to_dir, to_name) = self.parent_not_root("rename", to, Errno::EBUSY)?;
        let replaced = host::statat(&to_dir, to_name, AtFlags::SYMLINK_NOFOLLOW).ok();
        host::renameat(&from_dir, from_name, &to_dir, to_name).map_err(|e| {
            let (errno, what) = describe(not_empty(e));
            fail(errno, "rename", from, format_args!("to {to}: {what}"))
        })?;
        if let Some(st) = replaced {
            let moved = host::statat(&to_dir, to_name, AtFlags::SYMLINK_NOFOLLOW).ok();
            if moved.is_none_or(|m| host_id(&m) != host_id(&st)) {
                self.forget_fifo(&st);
            }
        }
        Ok(())
    }

    fn readdir(&self, path: &str) -> SysResult<Vec<DirEntry>> {
        let fd = match self.parent("readdir", path)? {
            None => host::openat(&self.root, ".", READ_DIR, Mode::empty())
                .map_err(|e| host_error(e, "readdir", path))?,
            Some((dir, name)) => host::openat(&dir, name, READ_DIR, Mode::empty())
                .map_err(|e| walk_error(&dir, name, e, "readdir", path, "it"))?,
        };
        let mut dir = host::Dir::new(fd).map_err(|e| host_error(e, "readdir", path))?;
        let mut out = Vec::new();
        while let Some(entry) = dir.read() {
            let entry = entry.map_err(|e| host_error(e, "readdir", path))?;
            let name: &CStr = entry.file_name();
            if name == c"." || name == c".." {
                continue;
            }
            let kind = match entry.file_type() {
                host::FileType::Unknown => {
                    let at = dir.fd().map_err(|e| host_error(e, "readdir", path))?;
                    match host::statat(at, name, AtFlags::SYMLINK_NOFOLLOW) {
                        Ok(st) => host_kind(&st),
                        // Removed since it was listed.
                        Err(HostErrno::NOENT) => continue,
                        Err(e) => return Err(host_error(e, "readdir", path)),
                    }
                }
                t => kind_of(t),
            };
            out.push(DirEntry {
                name: name.to_string_lossy().into_owned(),
                kind,
                ino: entry.ino(),
            });
        }
        out.sort_by(|a, b| a.name.cmp(&b.name));
        Ok(out)
    }

    fn chmod(&self, path: &str, mode: u32) -> SysResult<()> {
        let mode = host_mode(mode);
        let err = |e| host_error(e, "chmod", path);
        let Some((dir, name)) = self.parent("chmod", path)? else {
            return host::fchmod(&self.root, mode).map_err(err);
        };
        let st = host::statat(&dir, name, AtFlags::SYMLINK_NOFOLLOW).map_err(err)?;
        match host_kind(&st) {
            FileType::Symlink => return Err(is_symlink("chmod", path, "it")),
            // Change what an O_NOFOLLOW open holds: no race can redirect it.
            FileType::Regular | FileType::Directory => {
                match host::openat(&dir, name, OFlags::RDONLY | OPEN_FILE, Mode::empty()) {
                    Ok(fd) => return host::fchmod(&fd, mode).map_err(err),
                    Err(HostErrno::ACCESS | HostErrno::PERM) => {}
                    Err(e) => return Err(err(e)),
                }
            }
            _ => {}
        }
        // FIFOs and special files are not opened, nor is a file we may not read: lstat
        // said it is no link, and only a host program could swap one in before this.
        host::chmodat(&dir, name, mode, AtFlags::empty()).map_err(err)
    }
}

impl HostFs {
    /// The host directory `root`, with device number `dev`. ENOENT or ENOTDIR when
    /// `root` is not a directory. `root` itself may be reached through links (the
    /// operator chose it); nothing below it is.
    pub(crate) fn new(root: &Path, dev: u64) -> SysResult<Self> {
        let flags = OFlags::RDONLY | OFlags::DIRECTORY | OFlags::CLOEXEC | OFlags::NONBLOCK;
        let root = host::openat(host::CWD, root, flags, Mode::empty()).map_err(|e| {
            let errno = errno_of(e).unwrap_or(Errno::EIO);
            Error::new(
                errno,
                format!(
                    "hostfs: cannot use host directory {}: {}",
                    root.display(),
                    std::io::Error::from(e)
                ),
            )
        })?;
        Ok(HostFs {
            root,
            dev,
            fifos: RefCell::new(HashMap::new()),
        })
    }
}

/// An open regular file of a [`HostFs`].
struct HostFile {
    file: std::fs::File,
    dev: u64,
    /// The path it was opened by, for messages.
    path: String,
}

/// Retries a host call that a signal interrupted.
fn retry<T>(mut call: impl FnMut() -> std::io::Result<T>) -> std::io::Result<T> {
    loop {
        match call() {
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            r => return r,
        }
    }
}

impl RegularFile for HostFile {
    fn read_at(&self, offset: u64, buf: &mut [u8]) -> SysResult<usize> {
        retry(|| self.file.read_at(buf, offset)).map_err(|e| io_error(&e, "read", &self.path))
    }

    fn write_at(&self, offset: u64, data: &[u8]) -> SysResult<usize> {
        retry(|| self.file.write_at(data, offset)).map_err(|e| io_error(&e, "write", &self.path))
    }

    fn set_len(&self, len: u64) -> SysResult<()> {
        if len > i64::MAX as u64 {
            return Err(fail(
                Errno::EFBIG,
                "truncate",
                &self.path,
                format_args!("{len} bytes passes the largest file size"),
            ));
        }
        retry(|| self.file.set_len(len)).map_err(|e| io_error(&e, "truncate", &self.path))
    }

    fn stat(&self) -> SysResult<Stat> {
        host::fstat(&self.file)
            .map(|st| to_stat(&st, self.dev))
            .map_err(|e| host_error(e, "fstat", &self.path))
    }
}

#[cfg(test)]
mod tests {
    use std::os::unix::fs::{FileTypeExt, MetadataExt, PermissionsExt};
    use std::path::PathBuf;
    use std::sync::atomic::{AtomicUsize, Ordering};

    use super::*;

    /// A fresh host directory, removed at the end of the test.
    struct TempDir(PathBuf);

    impl TempDir {
        fn new() -> Self {
            static NEXT: AtomicUsize = AtomicUsize::new(0);
            let n = NEXT.fetch_add(1, Ordering::Relaxed);
            let path =
                std::env::temp_dir().join(format!("vproc-hostfs-{}-{n}", std::process::id()));
            let _ = std::fs::remove_dir_all(&path);
            std::fs::create_dir(&path).unwrap();
            TempDir(path)
        }

        fn join(&self, rel: &str) -> PathBuf {
            self.0.join(rel)
        }
    }

    impl Drop for TempDir {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }

    fn errno<T>(r: SysResult<T>) -> Errno {
        match r {
            Ok(_) => panic!("expected an error"),
            Err(e) => e.errno(),
        }
    }

    fn file(fs: &HostFs, path: &str, flags: OpenFlags) -> Rc<dyn RegularFile> {
        match fs.open(path, flags, 0o644).unwrap() {
            Node::File(f) => f,
            _ => panic!("{path} is not a regular file"),
        }
    }

    fn read_all(f: &dyn RegularFile) -> Vec<u8> {
        let mut buf = vec![0; f.stat().unwrap().size as usize + 8];
        let n = f.read_at(0, &mut buf).unwrap();
        buf.truncate(n);
        buf
    }

    fn creat() -> OpenFlags {
        OpenFlags::RDWR | OpenFlags::CREAT
    }

    #[test]
    fn files_round_trip_through_the_host() {
        let tmp = TempDir::new();
        let fs = HostFs::new(&tmp.0, 42).unwrap();
        let f = file(&fs, "a", creat());
        assert_eq!(f.write_at(0, b"hello").unwrap(), 5);
        assert_eq!(f.write_at(8, b"xy").unwrap(), 2);
        assert_eq!(std::fs::read(tmp.join("a")).unwrap(), b"hello\0\0\0xy");
        std::fs::write(tmp.join("b"), b"from the host").unwrap();
        let g = file(&fs, "b", OpenFlags::RDONLY);
        assert_eq!(read_all(&*g), b"from the host");
        let mut buf = [0u8; 4];
        assert_eq!(g.read_at(100, &mut buf).unwrap(), 0);
        assert_eq!(errno(g.write_at(0, b"no")), Errno::EBADF);
        f.set_len(3).unwrap();
        assert_eq!(std::fs::read(tmp.join("a")).unwrap(), b"hel");
        assert_eq!(errno(f.set_len(u64::MAX)), Errno::EFBIG);
        // Stat: the host's, with our device number.
        let meta = std::fs::metadata(tmp.join("a")).unwrap();
        let st = f.stat().unwrap();
        assert_eq!(
            (st.kind, st.size, st.nlink, st.ino, st.dev),
            (FileType::Regular, 3, 1, meta.ino(), 42)
        );
        assert_eq!(fs.lstat("a").unwrap(), st);
        fs.chmod("a", 0o640).unwrap();
        assert_eq!(fs.lstat("a").unwrap().mode, 0o640);
        assert_eq!(
            std::fs::metadata(tmp.join("a")).unwrap().mode() & 0o7777,
            0o640
        );
        // TRUNC empties; an unlinked file stays usable while open (the host's semantics).
        let h = file(&fs, "b", OpenFlags::WRONLY | OpenFlags::TRUNC);
        assert_eq!(read_all(&*g), b"");
        h.write_at(0, b"still here").unwrap();
        fs.unlink("b").unwrap();
        assert!(!tmp.join("b").exists());
        assert_eq!(read_all(&*g), b"still here");
        // Directories.
        fs.mkdir("d", 0o755).unwrap();
        fs.mkdir("d/e", 0o700).unwrap();
        assert!(tmp.join("d/e").is_dir());
        let root = fs.lstat("").unwrap();
        assert_eq!((root.kind, root.dev), (FileType::Directory, 42));
        assert_eq!(root.ino, std::fs::metadata(&tmp.0).unwrap().ino());
        assert!(matches!(
            fs.open("d", OpenFlags::RDONLY | OpenFlags::DIRECTORY, 0).unwrap(),
            Node::Directory(s) if s.kind == FileType::Directory && s.dev == 42
        ));
        assert!(
            matches!(fs.open("", OpenFlags::RDONLY, 0).unwrap(), Node::Directory(s) if s == root)
        );
        fs.rename("a", "d/e/moved").unwrap();
        assert_eq!(std::fs::read(tmp.join("d/e/moved")).unwrap(), b"hel");
        fs.symlink("../target", "d/link").unwrap();
        assert_eq!(
            std::fs::read_link(tmp.join("d/link")).unwrap(),
            Path::new("../target")
        );
        fs.unlink("d/link").unwrap();
        fs.unlink("d/e/moved").unwrap();
        fs.rmdir("d/e").unwrap();
        fs.rmdir("d").unwrap();
        assert_eq!(fs.readdir("").unwrap(), Vec::new());
    }

    #[test]
    fn readdir_lists_host_entries_sorted() {
        let tmp = TempDir::new();
        for name in ["zeta", "alpha", "Mid"] {
            std::fs::write(tmp.join(name), name).unwrap();
        }
        std::fs::create_dir(tmp.join("dir")).unwrap();
        std::fs::write(tmp.join("dir/inner"), b"").unwrap();
        std::os::unix::fs::symlink("alpha", tmp.join("link")).unwrap();
        let fs = HostFs::new(&tmp.0, 1).unwrap();
        fs.mkfifo("pipe", 0o600).unwrap();
        let list = fs.readdir("").unwrap();
        let names: Vec<&str> = list.iter().map(|e| e.name.as_str()).collect();
        assert_eq!(names, ["Mid", "alpha", "dir", "link", "pipe", "zeta"]);
        for e in &list {
            let st = fs.lstat(&e.name).unwrap();
            assert_eq!((e.kind, e.ino), (st.kind, st.ino), "{}", e.name);
        }
        let kinds: Vec<FileType> = list.iter().map(|e| e.kind).collect();
        use FileType::*;
        assert_eq!(kinds, [Regular, Regular, Directory, Symlink, Fifo, Regular]);
        assert_eq!(fs.readdir("dir").unwrap().len(), 1);
        assert_eq!(errno(fs.readdir("alpha")), Errno::ENOTDIR);
        assert_eq!(errno(fs.readdir("link")), Errno::ELOOP);
        assert_eq!(errno(fs.readdir("missing")), Errno::ENOENT);
    }

    /// Everything under `dir` (relative paths, sorted), with file contents and modes.
    fn snapshot(dir: &Path) -> Vec<(PathBuf, u32, Vec<u8>)> {
        let mut out = Vec::new();
        let mut stack = vec![dir.to_path_buf()];
        while let Some(d) = stack.pop() {
            for e in std::fs::read_dir(&d).unwrap() {
                let p = e.unwrap().path();
                let meta = std::fs::symlink_metadata(&p).unwrap();
                let data = if meta.is_file() {
                    std::fs::read(&p).unwrap()
                } else {
                    Vec::new()
                };
                if meta.is_dir() {
                    stack.push(p.clone());
                }
                out.push((
                    p.strip_prefix(dir).unwrap().to_path_buf(),
                    meta.mode(),
                    data,
                ));
            }
        }
        out.sort();
        out
    }

    #[test]
    fn links_never_lead_outside_the_root() {
        let tmp = TempDir::new();
        let root = tmp.join("root");
        let outside = tmp.join("outside");
        std::fs::create_dir_all(root.join("d")).unwrap();
        std::fs::create_dir(&outside).unwrap();
        std::fs::write(outside.join("secret"), b"top secret").unwrap();
        std::fs::set_permissions(
            outside.join("secret"),
            std::fs::Permissions::from_mode(0o600),
        )
        .unwrap();
        std::os::unix::fs::symlink("../outside", root.join("up")).unwrap();
        std::os::unix::fs::symlink(&outside, root.join("abs")).unwrap();
        std::os::unix::fs::symlink("../../outside", root.join("d/deep")).unwrap();
        std::os::unix::fs::symlink("../outside/secret", root.join("fl")).unwrap();
        std::fs::write(root.join("f"), b"inside").unwrap();
        let before = snapshot(&outside);
        let fs = HostFs::new(&root, 1).unwrap();

        // The links are seen as links, with their targets as the VFS needs them.
        for (link, target) in [
            ("up", "../outside".to_owned()),
            ("abs", outside.to_str().unwrap().to_owned()),
            ("d/deep", "../../outside".to_owned()),
            ("fl", "../outside/secret".to_owned()),
        ] {
            let st = fs.lstat(link).unwrap();
            assert_eq!((st.kind, st.size), (FileType::Symlink, target.len() as u64));
            assert_eq!(fs.readlink(link).unwrap(), target);
            // Opening the link itself: O_NOFOLLOW.
            for flags in [OpenFlags::RDONLY, OpenFlags::RDWR, creat()] {
                assert_eq!(errno(fs.open(link, flags, 0o644)), Errno::ELOOP, "{link}");
            }
            assert_eq!(errno(fs.chmod(link, 0o777)), Errno::ELOOP, "{link}");
        }
        // Through a link in parent position: refused, whatever the call.
        for dir in ["up", "abs", "d/deep"] {
            let through = format!("{dir}/secret");
            let p = through.as_str();
            let new = format!("{dir}/new");
            let n = new.as_str();
            let refused = |r: SysResult<()>, what: &str| {
                let e = errno(r);
                assert!(e == Errno::ELOOP || e == Errno::ENOTDIR, "{what} {p}: {e}");
            };
            refused(fs.open(p, OpenFlags::RDONLY, 0).map(drop), "open");
            refused(
                fs.open(p, OpenFlags::RDWR | OpenFlags::TRUNC, 0).map(drop),
                "open trunc",
            );
            refused(fs.open(n, creat(), 0o644).map(drop), "create");
            refused(fs.lstat(p).map(drop), "lstat");
            refused(fs.readlink(p).map(drop), "readlink");
            refused(fs.mkdir(n, 0o755), "mkdir");
            refused(fs.mkfifo(n, 0o644), "mkfifo");
            refused(fs.symlink("x", n), "symlink");
            refused(fs.unlink(p), "unlink");
            refused(fs.rmdir(n), "rmdir");
            refused(fs.rename(p, "stolen"), "rename from");
            refused(fs.rename("f", n), "rename to");
            refused(fs.chmod(p, 0o666), "chmod");
            refused(fs.readdir(dir).map(drop), "readdir");
            assert_eq!(errno(fs.open(p, OpenFlags::RDONLY, 0)), Errno::ELOOP);
        }
        // `..` and absolute paths never get through either.
        for bad in [
            "../outside/secret",
            "d/../../outside/secret",
            "/etc/passwd",
            "d//f",
            "./f",
        ] {
            assert_eq!(errno(fs.lstat(bad)), Errno::EINVAL, "{bad}");
            assert_eq!(
                errno(fs.open(bad, OpenFlags::RDONLY, 0)),
                Errno::EINVAL,
                "{bad}"
            );
            assert_eq!(errno(fs.mkdir(bad, 0o755)), Errno::EINVAL, "{bad}");
        }
        // Nothing outside was read into a file, created, changed or removed.
        assert_eq!(snapshot(&outside), before);
        assert!(!tmp.join("stolen").exists());
        assert!(!root.join("stolen").exists());
        assert_eq!(std::fs::read(root.join("f")).unwrap(), b"inside");
    }

    #[test]
    fn fifos_are_host_fifos_met_in_the_kernel() {
        let tmp = TempDir::new();
        let fs = HostFs::new(&tmp.0, 5).unwrap();
        fs.mkfifo("p", 0o600).unwrap();
        let meta = std::fs::symlink_metadata(tmp.join("p")).unwrap();
        assert!(meta.file_type().is_fifo());
        assert_eq!(errno(fs.mkfifo("p", 0o600)), Errno::EEXIST);
        let st = fs.lstat("p").unwrap();
        assert_eq!((st.kind, st.ino, st.dev), (FileType::Fifo, meta.ino(), 5));
        assert_eq!(fs.fifo_count(), 0);
        // Neither open touches the host FIFO (it would block, with no host peer).
        for flags in [OpenFlags::RDONLY, OpenFlags::WRONLY, OpenFlags::RDWR] {
            match fs.open("p", flags, 0).unwrap() {
                Node::Fifo(_, s) => assert_eq!(s, st),
                _ => panic!("not a FIFO"),
            }
        }
        assert_eq!(fs.fifo_count(), 1, "one in-kernel FIFO for the host FIFO");
        // A second name (a host hard link) is the same FIFO.
        std::fs::hard_link(tmp.join("p"), tmp.join("q")).unwrap();
        assert!(matches!(
            fs.open("q", OpenFlags::RDONLY, 0).unwrap(),
            Node::Fifo(..)
        ));
        assert_eq!(fs.fifo_count(), 1);
        fs.unlink("q").unwrap();
        assert_eq!(fs.fifo_count(), 1, "p still names it");
        // A FIFO replaced by rename, then one unlinked, are forgotten.
        fs.mkfifo("r", 0o600).unwrap();
        assert!(matches!(
            fs.open("r", OpenFlags::RDONLY, 0).unwrap(),
            Node::Fifo(..)
        ));
        assert_eq!(fs.fifo_count(), 2);
        std::fs::write(tmp.join("plain"), b"").unwrap();
        fs.rename("plain", "r").unwrap();
        assert_eq!(fs.fifo_count(), 1);
        fs.unlink("p").unwrap();
        assert_eq!(fs.fifo_count(), 0);
        assert_eq!(errno(fs.open("r", OpenFlags::DIRECTORY, 0)), Errno::ENOTDIR);
    }

    #[test]
    fn host_special_files_are_not_opened() {
        let tmp = TempDir::new();
        let _listener = std::os::unix::net::UnixListener::bind(tmp.join("sock")).unwrap();
        let fs = HostFs::new(&tmp.0, 1).unwrap();
        assert_eq!(fs.lstat("sock").unwrap().kind, FileType::CharDevice);
        assert_eq!(fs.readdir("").unwrap()[0].kind, FileType::CharDevice);
        let e = fs.open("sock", OpenFlags::RDWR, 0).err().unwrap();
        assert_eq!(e.errno(), Errno::ENOTSUP);
        assert!(e.to_string().contains("special files"), "{e}");
        fs.chmod("sock", 0o600).unwrap();
        assert_eq!(fs.lstat("sock").unwrap().mode, 0o600);
    }

    #[test]
    fn host_errors_map_to_errno() {
        let tmp = TempDir::new();
        let fs = HostFs::new(&tmp.0, 1).unwrap();
        std::fs::write(tmp.join("f"), b"x").unwrap();
        std::fs::create_dir_all(tmp.join("d/sub")).unwrap();
        std::fs::create_dir(tmp.join("empty")).unwrap();
        let excl = creat() | OpenFlags::EXCL;
        assert_eq!(
            errno(fs.open("missing", OpenFlags::RDONLY, 0)),
            Errno::ENOENT
        );
        assert_eq!(errno(fs.open("missing/x", creat(), 0o644)), Errno::ENOENT);
        assert_eq!(errno(fs.open("f/x", creat(), 0o644)), Errno::ENOTDIR);
        assert_eq!(errno(fs.open("f", excl, 0o644)), Errno::EEXIST);
        assert_eq!(errno(fs.open("", excl, 0o644)), Errno::EEXIST);
        assert_eq!(errno(fs.open("f", OpenFlags::DIRECTORY, 0)), Errno::ENOTDIR);
        assert_eq!(
            errno(fs.open("new", creat() | OpenFlags::DIRECTORY, 0)),
            Errno::EINVAL
        );
        assert!(!tmp.join("new").exists());
        for flags in [
            OpenFlags::WRONLY,
            OpenFlags::RDWR,
            OpenFlags::CREAT,
            OpenFlags::TRUNC,
        ] {
            assert_eq!(errno(fs.open("d", flags, 0)), Errno::EISDIR, "{flags:?}");
            assert_eq!(errno(fs.open("", flags, 0)), Errno::EISDIR, "{flags:?}");
        }
        assert_eq!(errno(fs.mkdir("d", 0o755)), Errno::EEXIST);
        assert_eq!(errno(fs.mkdir("", 0o755)), Errno::EEXIST);
        assert_eq!(errno(fs.symlink("t", "f")), Errno::EEXIST);
        assert_eq!(
            errno(fs.mkdir(&"n".repeat(300), 0o755)),
            Errno::ENAMETOOLONG
        );
        assert_eq!(errno(fs.unlink("d")), Errno::EISDIR);
        assert_eq!(errno(fs.unlink("")), Errno::EISDIR);
        assert_eq!(errno(fs.unlink("missing")), Errno::ENOENT);
        assert_eq!(errno(fs.rmdir("f")), Errno::ENOTDIR);
        assert_eq!(errno(fs.rmdir("d")), Errno::ENOTEMPTY);
        assert_eq!(errno(fs.rmdir("")), Errno::EBUSY);
        assert_eq!(errno(fs.readlink("f")), Errno::EINVAL);
        assert_eq!(errno(fs.readlink("")), Errno::EINVAL);
        // rename(2)'s rules, as the host applies them.
        assert_eq!(errno(fs.rename("d", "d/sub/x")), Errno::EINVAL);
        assert_eq!(errno(fs.rename("empty", "d")), Errno::ENOTEMPTY);
        assert_eq!(errno(fs.rename("d", "f")), Errno::ENOTDIR);
        assert_eq!(errno(fs.rename("f", "d")), Errno::EISDIR);
        assert_eq!(errno(fs.rename("", "x")), Errno::EBUSY);
        let e = fs.rename("missing", "x").err().unwrap();
        assert_eq!(e.errno(), Errno::ENOENT);
        assert!(
            e.to_string().contains("missing") && e.to_string().contains("to x"),
            "{e}"
        );
        fs.rename("f", "f").unwrap();
        fs.rename("d/sub", "empty").unwrap();
        assert!(tmp.join("empty").is_dir() && !tmp.join("d/sub").exists());
        // Messages name the path.
        let e = fs.open("f/x", OpenFlags::RDONLY, 0).err().unwrap();
        assert!(e.to_string().contains("f/x"), "{e}");
    }

    #[test]
    fn permissions_as_the_host_applies_them() {
        let tmp = TempDir::new();
        let fs = HostFs::new(&tmp.0, 1).unwrap();
        let set = |rel: &str, mode: u32| {
            std::fs::set_permissions(tmp.join(rel), std::fs::Permissions::from_mode(mode)).unwrap()
        };
        // A directory that may be searched but not read: passing through it works (the
        // walk needs no read permission), listing it does not unless privileged.
        std::fs::create_dir(tmp.join("search")).unwrap();
        std::fs::write(tmp.join("search/f"), b"through").unwrap();
        set("search", 0o100);
        let privileged = std::fs::read_dir(tmp.join("search")).is_ok();
        assert_eq!(
            read_all(&*file(&fs, "search/f", OpenFlags::RDONLY)),
            b"through"
        );
        fs.mkdir("search/d", 0o755).unwrap_or_else(|e| {
            assert!(!privileged, "{e}");
            assert_eq!(e.errno(), Errno::EACCES);
        });
        if !privileged {
            assert_eq!(errno(fs.readdir("search")), Errno::EACCES);
        }
        set("search", 0o700);
        // A file nobody may read can still have its mode changed by its owner.
        std::fs::write(tmp.join("closed"), b"").unwrap();
        set("closed", 0o000);
        fs.chmod("closed", 0o644).unwrap();
        assert_eq!(
            std::fs::metadata(tmp.join("closed")).unwrap().mode() & 0o7777,
            0o644
        );
        fs.chmod("search", 0o2750).unwrap();
        assert_eq!(fs.lstat("search").unwrap().mode, 0o2750);
        fs.chmod("", 0o711).unwrap();
        assert_eq!(fs.lstat("").unwrap().mode, 0o711);
        set(".", 0o700);
        // Without permission, the host's EACCES.
        std::fs::create_dir(tmp.join("locked")).unwrap();
        std::fs::write(tmp.join("locked/f"), b"").unwrap();
        set("locked", 0o000);
        if !privileged {
            assert_eq!(
                errno(fs.open("locked/f", OpenFlags::RDONLY, 0)),
                Errno::EACCES
            );
            assert_eq!(errno(fs.readdir("locked")), Errno::EACCES);
            std::fs::write(tmp.join("ro"), b"").unwrap();
            set("ro", 0o444);
            assert_eq!(errno(fs.open("ro", OpenFlags::WRONLY, 0)), Errno::EACCES);
        }
        set("locked", 0o700);
    }

    #[test]
    fn the_errno_mapping() {
        for (host, ours) in [
            (HostErrno::ACCESS, Errno::EACCES),
            (HostErrno::PERM, Errno::EPERM),
            (HostErrno::ROFS, Errno::EROFS),
            (HostErrno::NOSPC, Errno::ENOSPC),
            (HostErrno::LOOP, Errno::ELOOP),
            (HostErrno::NOTEMPTY, Errno::ENOTEMPTY),
            (HostErrno::BUSY, Errno::EBUSY),
            (HostErrno::NAMETOOLONG, Errno::ENAMETOOLONG),
            (HostErrno::OPNOTSUPP, Errno::ENOTSUP),
            (HostErrno::NOTSUP, Errno::ENOTSUP),
        ] {
            assert_eq!(host_error(host, "op", "p").errno(), ours);
            assert_eq!(ours.number(), host.raw_os_error(), "{ours}");
        }
        // One Errno lacks: EIO, with the host's words.
        let e = host_error(HostErrno::XDEV, "rename", "a/b");
        assert_eq!(e.errno(), Errno::EIO);
        let text = e.to_string();
        assert!(
            text.contains("a/b") && text.contains("host error") && text.contains("os error"),
            "{text}"
        );
        // EEXIST from rmdir or rename is ENOTEMPTY.
        assert_eq!(not_empty(HostErrno::EXIST), HostErrno::NOTEMPTY);
    }

    #[test]
    fn the_root_must_be_a_directory() {
        let tmp = TempDir::new();
        assert_eq!(errno(HostFs::new(&tmp.join("missing"), 1)), Errno::ENOENT);
        std::fs::write(tmp.join("f"), b"").unwrap();
        let e = HostFs::new(&tmp.join("f"), 1).err().unwrap();
        assert_eq!(e.errno(), Errno::ENOTDIR);
        assert!(
            e.to_string().contains(tmp.join("f").to_str().unwrap()),
            "{e}"
        );
        // The root may be reached through a link (the operator chose it).
        std::fs::create_dir(tmp.join("real")).unwrap();
        std::os::unix::fs::symlink("real", tmp.join("via")).unwrap();
        let fs = HostFs::new(&tmp.join("via"), 1).unwrap();
        fs.mkdir("made", 0o755).unwrap();
        assert!(tmp.join("real/made").is_dir());
    }
}
