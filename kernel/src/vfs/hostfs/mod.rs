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

mod at;
mod errno;
mod file;
mod stat;
#[cfg(test)]
mod tests;

use std::cell::RefCell;
use std::collections::HashMap;
use std::ffi::CStr;
use std::os::fd::OwnedFd;
use std::path::Path;
use std::rc::Rc;

use rustix::fs::{self as host, AtFlags, Mode, OFlags};
use rustix::io::Errno as HostErrno;
use vproc_ipc::{Errno, Fifo};

use self::at::{At, walk_error};
use self::errno::{describe, errno_of, host_error, is_symlink, not_empty, special_file};
use self::file::HostFile;
use self::stat::{host_id, host_kind, host_mode, kind_of, to_stat};
use super::name::{check_create_open, check_dir_open, check_root_open, fail, not_a_directory};
use super::{DirEntry, FileSystem, FileType, Node, Stat};
use crate::{Error, OpenFlags, SysResult};

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

impl HostFs {
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
            check_root_open(flags, path)?;
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
                    _ if flags.contains(OpenFlags::DIRECTORY) => Err(not_a_directory(path)),
                    FileType::Fifo => Ok(Node::Fifo(self.fifo(&st), to_stat(&st, self.dev))),
                    FileType::Regular => self.open_file(&dir, name, flags, mode, path),
                    _ => Err(special_file(path)),
                }
            }
            Err(HostErrno::NOENT) if flags.contains(OpenFlags::CREAT) => {
                check_create_open(flags, path)?;
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
