//! What a filesystem backend provides to the VFS: operations on paths inside it.
//!
//! The VFS hands a backend only *clean* paths relative to the backend's root: components
//! joined by `/`, no empty, `.` or `..` component, and no symbolic link in any parent
//! position (the VFS resolves links itself with `lstat` and `readlink`). The empty path is
//! the root. A backend never follows a symbolic link on its own, so nothing a process does
//! can reach outside it.

use std::rc::Rc;

use vproc_ipc::Fifo;

use crate::{OpenFlags, SysResult};

/// The kind of a file, as `stat`'s `st_mode` says it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum FileType {
    /// A regular file.
    Regular,
    /// A directory.
    Directory,
    /// A named pipe.
    Fifo,
    /// A symbolic link.
    Symlink,
    /// A character device (`/dev/null`).
    CharDevice,
}

/// What `stat` reports about a file.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Stat {
    /// The kind of file.
    pub kind: FileType,
    /// Permission bits (`0o7777` part of `st_mode`).
    pub mode: u32,
    /// Size in bytes (for a symlink, the length of its target).
    pub size: u64,
    /// Number of hard links (directories: 2 + subdirectories).
    pub nlink: u64,
    /// Inode number, unique within its filesystem.
    pub ino: u64,
    /// The filesystem's device number, unique within the kernel's mount table.
    pub dev: u64,
}

/// One entry of a directory listing.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DirEntry {
    /// The name inside its directory.
    pub name: String,
    /// The kind of file it names.
    pub kind: FileType,
    /// Its inode number.
    pub ino: u64,
}

/// An open regular file of a backend: reads and writes at offsets (the VFS keeps the
/// offset of each open file description).
pub(crate) trait RegularFile {
    /// Reads at `offset` into `buf`; 0 at or past the end.
    fn read_at(&self, offset: u64, buf: &mut [u8]) -> SysResult<usize>;
    /// Writes `data` at `offset`, growing the file (zero-filling any gap).
    fn write_at(&self, offset: u64, data: &[u8]) -> SysResult<usize>;
    /// Truncates or extends (with zeros) to `len` bytes.
    fn set_len(&self, len: u64) -> SysResult<()>;
    /// The file's status now (size included).
    fn stat(&self) -> SysResult<Stat>;
}

/// What opening a path gives.
pub(crate) enum Node {
    /// A regular file; it stays readable and writable after an unlink while open.
    File(Rc<dyn RegularFile>),
    /// A directory (for `readdir` through a descriptor, and `fstat`).
    Directory(Stat),
    /// A named pipe: the VFS performs the open rendezvous on it.
    Fifo(Fifo, Stat),
    /// A character device of /dev.
    Device(Device),
}

/// The character devices of /dev.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Device {
    /// `/dev/null`: reads give end of file, writes vanish.
    Null,
    /// `/dev/zero`: reads give zeros, writes vanish.
    Zero,
    /// `/dev/tty`: opening it gives the caller's controlling terminal (the VFS makes the
    /// open file of that terminal; no open file is ever of this device itself).
    Tty,
}

/// A filesystem backend mounted somewhere in the VFS.
///
/// `mode` arguments arrive with the process's umask already applied. Errors use POSIX
/// numbers: ENOENT (missing component), ENOTDIR (a parent is not a directory), EEXIST,
/// EISDIR, ENOTEMPTY, EINVAL (rename of a directory into itself), EROFS, EXDEV is the
/// VFS's business (rename across mounts never reaches a backend).
pub(crate) trait FileSystem {
    /// A short name of the backend type (`"memfs"`, `"hostfs"`), for `/proc/mounts`.
    fn kind(&self) -> &'static str;
    /// The status of `path` itself (a symlink is not followed).
    fn lstat(&self, path: &str) -> SysResult<Stat>;
    /// The target of the symbolic link `path`; EINVAL if it is not one.
    fn readlink(&self, path: &str) -> SysResult<String>;
    /// Opens `path` with `flags` (`CREAT`, `EXCL`, `TRUNC` honoured here; the access mode
    /// decides nothing but EISDIR for writing a directory). `path` itself is never a
    /// symlink when `CREAT` is absent (the VFS resolved it); with `CREAT`, a symlink at
    /// `path` gives ELOOP.
    fn open(&self, path: &str, flags: OpenFlags, mode: u32) -> SysResult<Node>;
    /// Creates a directory.
    fn mkdir(&self, path: &str, mode: u32) -> SysResult<()>;
    /// Creates a named pipe.
    fn mkfifo(&self, path: &str, mode: u32) -> SysResult<()>;
    /// Creates a symbolic link at `path` pointing at `target` (stored as given).
    fn symlink(&self, target: &str, path: &str) -> SysResult<()>;
    /// Removes a non-directory.
    fn unlink(&self, path: &str) -> SysResult<()>;
    /// Removes an empty directory.
    fn rmdir(&self, path: &str) -> SysResult<()>;
    /// Renames `from` to `to`, replacing `to` as `rename(2)` does.
    fn rename(&self, from: &str, to: &str) -> SysResult<()>;
    /// The entries of a directory, without `.` and `..`, sorted by name.
    fn readdir(&self, path: &str) -> SysResult<Vec<DirEntry>>;
    /// Changes permission bits.
    fn chmod(&self, path: &str, mode: u32) -> SysResult<()>;
}
