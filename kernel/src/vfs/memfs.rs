//! An in-memory filesystem (tmpfs): directories, regular files, FIFOs and symbolic links.
//!
//! Inodes live in a table keyed by inode number (the root is 1; numbers are never reused
//! within one filesystem). A directory maps names to inode numbers in a `BTreeMap`, so a
//! listing comes out sorted. A regular file's bytes are in the inode, which every open
//! handle shares: a file unlinked while open stays readable and writable until its last
//! handle goes, as on Unix, and only then leaves the table.
//!
//! What `stat` reports follows Linux's tmpfs: a directory's size is 20 bytes per entry,
//! counting `.` and `..` (an empty directory is 40 bytes), its link count is 2 plus its
//! subdirectories; a symbolic link's mode is 0o777 and its size the length of its target.
//!
//! The bytes of all regular files together are limited by the filesystem's capacity
//! ([`DEFAULT_CAPACITY`] unless [`MemFs::with_capacity`] says otherwise): a write or a
//! truncation past it fails with ENOSPC, whole, as tmpfs does when it is full, rather
//! than letting a process make the kernel allocate without bound.

use std::cell::{Cell, RefCell};
use std::collections::{BTreeMap, HashMap};
use std::rc::Rc;

use vproc_ipc::{Errno, Fifo};

use super::{DirEntry, FileSystem, FileType, Node, RegularFile, Stat};
use crate::{Error, OpenFlags, PATH_MAX, SysResult};

/// The bytes of regular files a [`MemFs::new`] filesystem holds at most: 1 GiB.
pub(crate) const DEFAULT_CAPACITY: u64 = 1 << 30;

/// The longest name of a directory entry, as Linux's NAME_MAX.
const NAME_MAX: usize = 255;

/// The size a directory reports per entry (`.` and `..` included), as tmpfs's
/// BOGO_DIRENT_SIZE.
const DIRENT_SIZE: u64 = 20;

/// The inode number of the root directory.
const ROOT_INO: u64 = 1;

/// An in-memory filesystem (tmpfs): directories, regular files, FIFOs and symbolic links.
pub(crate) struct MemFs {
    dev: u64,
    shared: Rc<Shared>,
}

/// What the filesystem and its open files share: the inode table and the space count.
struct Shared {
    table: RefCell<Table>,
    /// Bytes of regular files now held (unlinked files still open included).
    used: Cell<u64>,
    /// The most `used` may reach.
    capacity: u64,
}

/// The inodes by number.
struct Table {
    nodes: HashMap<u64, Rc<Inode>>,
    next_ino: u64,
}

/// One file of any kind.
struct Inode {
    ino: u64,
    /// Permission bits (`mode & 0o7777`).
    mode: Cell<u32>,
    /// Hard links: names of it, plus `.` and the `..` of subdirectories for a directory.
    nlink: Cell<u64>,
    /// Open handles ([`MemFile`]s) of a regular file.
    open: Cell<usize>,
    kind: Kind,
}

/// What an inode holds, by kind.
enum Kind {
    Dir(RefCell<BTreeMap<String, u64>>),
    File(RefCell<Vec<u8>>),
    Fifo(Fifo),
    Symlink(String),
}

impl Inode {
    fn file_type(&self) -> FileType {
        match self.kind {
            Kind::Dir(_) => FileType::Directory,
            Kind::File(_) => FileType::Regular,
            Kind::Fifo(_) => FileType::Fifo,
            Kind::Symlink(_) => FileType::Symlink,
        }
    }

    fn is_dir(&self) -> bool {
        matches!(self.kind, Kind::Dir(_))
    }

    fn stat(&self, dev: u64) -> Stat {
        let size = match &self.kind {
            Kind::Dir(entries) => DIRENT_SIZE * (entries.borrow().len() as u64 + 2),
            Kind::File(bytes) => bytes.borrow().len() as u64,
            Kind::Fifo(_) => 0,
            Kind::Symlink(target) => target.len() as u64,
        };
        Stat {
            kind: self.file_type(),
            mode: self.mode.get(),
            size,
            nlink: self.nlink.get(),
            ino: self.ino,
            dev,
        }
    }

    /// The entries of a directory (`None` for any other kind).
    fn entries(&self) -> Option<&RefCell<BTreeMap<String, u64>>> {
        match &self.kind {
            Kind::Dir(entries) => Some(entries),
            _ => None,
        }
    }

    /// The inode number `name` names in this directory.
    fn child(&self, name: &str) -> Option<u64> {
        self.entries()?.borrow().get(name).copied()
    }
}

/// How a path is shown in messages: the root as `.`.
pub(super) fn shown(path: &str) -> &str {
    if path.is_empty() { "." } else { path }
}

/// An error of operation `op` on `path`: `"{op} {path}: {what}"`. Shared with hostfs.
pub(super) fn fail(errno: Errno, op: &str, path: &str, what: impl std::fmt::Display) -> Error {
    Error::new(errno, format!("{op} {}: {what}", shown(path)))
}

/// The components of a clean relative path (`""` is the root, no components). Anything
/// else (an absolute path, an empty, `.` or `..` component, a NUL byte) is EINVAL: the VFS
/// never sends one, so it is a caller's bug, refused rather than guessed at. Shared with
/// hostfs, whose confinement relies on it as a second line behind the VFS.
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
fn check_name(op: &str, path: &str, name: &str) -> SysResult<()> {
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
/// no `TRUNC` (as Linux; `CREAT | EXCL` has given EEXIST before this). Shared with hostfs.
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

impl Shared {
    /// The inode numbered `ino`. Every number in a directory is in the table; a miss is
    /// a bug of this module, reported as EIO rather than a panic.
    fn node(&self, ino: u64) -> SysResult<Rc<Inode>> {
        self.table.borrow().nodes.get(&ino).cloned().ok_or_else(|| {
            Error::new(
                Errno::EIO,
                format!("memfs: inode {ino} is named but missing (a memfs bug)"),
            )
        })
    }

    /// Adds a new inode with one link (two for a directory).
    fn alloc(&self, mode: u32, kind: Kind) -> Rc<Inode> {
        let mut table = self.table.borrow_mut();
        let ino = table.next_ino;
        table.next_ino += 1;
        let nlink = if matches!(kind, Kind::Dir(_)) { 2 } else { 1 };
        let inode = Rc::new(Inode {
            ino,
            mode: Cell::new(mode & 0o7777),
            nlink: Cell::new(nlink),
            open: Cell::new(0),
            kind,
        });
        table.nodes.insert(ino, Rc::clone(&inode));
        inode
    }

    /// Removes an inode nothing names and nobody has open, and gives back its space.
    fn free(&self, ino: u64) {
        let removed = self.table.borrow_mut().nodes.remove(&ino);
        if let Some(inode) = removed
            && let Kind::File(bytes) = &inode.kind
        {
            self.release(bytes.borrow().len() as u64);
        }
    }

    /// Drops one link of a non-directory; frees it when that was the last link and no
    /// handle has it open.
    fn drop_link(&self, inode: &Inode) {
        let nlink = inode.nlink.get().saturating_sub(1);
        inode.nlink.set(nlink);
        if nlink == 0 && inode.open.get() == 0 {
            self.free(inode.ino);
        }
    }

    /// Removes the (empty) directory `dir` from its parent `parent`'s link count and from
    /// the table.
    fn drop_dir(&self, parent: &Inode, dir: &Inode) {
        parent.nlink.set(parent.nlink.get().saturating_sub(1));
        dir.nlink.set(0);
        self.free(dir.ino);
    }

    fn release(&self, bytes: u64) {
        self.used.set(self.used.get().saturating_sub(bytes));
    }

    /// Resizes file contents to `len` bytes (zero-filling), within the capacity.
    fn resize(&self, bytes: &mut Vec<u8>, len: u64, what: &str) -> SysResult<()> {
        let old = bytes.len() as u64;
        if len <= old {
            // `len` fits in usize, being at most the current length.
            bytes.truncate(len as usize);
            if bytes.capacity() > 2 * bytes.len() + 4096 {
                bytes.shrink_to_fit();
            }
            self.release(old - len);
            return Ok(());
        }
        let extra = len - old;
        let full = || {
            Error::new(
                Errno::ENOSPC,
                format!(
                    "memfs: {what} needs {extra} more bytes; {} of {} are in use",
                    self.used.get(),
                    self.capacity
                ),
            )
        };
        if self.used.get().saturating_add(extra) > self.capacity {
            return Err(full());
        }
        let new_len = usize::try_from(len).map_err(|_| full())?;
        bytes
            .try_reserve(new_len - bytes.len())
            .map_err(|_| full())?;
        bytes.resize(new_len, 0);
        self.used.set(self.used.get() + extra);
        Ok(())
    }

    /// The directory named by `comps`: each must exist and be a directory. A symbolic
    /// link in the way is ELOOP: a backend never follows one.
    fn dir(&self, comps: &[&str], op: &str, path: &str) -> SysResult<Rc<Inode>> {
        let mut dir = self.node(ROOT_INO)?;
        for (i, name) in comps.iter().enumerate() {
            let prefix = comps[..=i].join("/");
            let ino = dir.child(name).ok_or_else(|| {
                fail(
                    Errno::ENOENT,
                    op,
                    path,
                    format_args!("directory {prefix} does not exist"),
                )
            })?;
            let next = self.node(ino)?;
            match next.kind {
                Kind::Dir(_) => dir = next,
                Kind::Symlink(_) => {
                    return Err(fail(
                        Errno::ELOOP,
                        op,
                        path,
                        format_args!("{prefix} is a symbolic link, which memfs does not follow"),
                    ));
                }
                _ => {
                    return Err(fail(
                        Errno::ENOTDIR,
                        op,
                        path,
                        format_args!("{prefix} is not a directory"),
                    ));
                }
            }
        }
        Ok(dir)
    }

    /// The inode at `path` (not following a symbolic link at the end).
    fn lookup(&self, op: &str, path: &str) -> SysResult<Rc<Inode>> {
        let comps = components(op, path)?;
        let Some((last, parents)) = comps.split_last() else {
            return self.node(ROOT_INO);
        };
        let dir = self.dir(parents, op, path)?;
        let ino = dir
            .child(last)
            .ok_or_else(|| fail(Errno::ENOENT, op, path, "no such file or directory"))?;
        self.node(ino)
    }

    /// The parent directory of a path that must not be the root, and the last name.
    /// The root gives `root_errno`.
    fn parent<'a>(
        &self,
        op: &str,
        path: &'a str,
        root_errno: Errno,
    ) -> SysResult<(Rc<Inode>, &'a str, Vec<&'a str>)> {
        let comps = components(op, path)?;
        let Some((last, parents)) = comps.split_last() else {
            let what = match root_errno {
                Errno::EEXIST => "the root directory exists",
                Errno::EISDIR => "the root is a directory",
                _ => "not allowed on the root directory",
            };
            return Err(fail(root_errno, op, path, what));
        };
        let dir = self.dir(parents, op, path)?;
        Ok((dir, last, comps))
    }

    /// Creates a new non-root inode at `path`: EEXIST if the name is taken.
    fn create(&self, op: &str, path: &str, mode: u32, kind: Kind) -> SysResult<Rc<Inode>> {
        let (dir, name, _) = self.parent(op, path, Errno::EEXIST)?;
        if dir.child(name).is_some() {
            return Err(fail(Errno::EEXIST, op, path, "file exists"));
        }
        check_name(op, path, name)?;
        let is_dir = matches!(kind, Kind::Dir(_));
        let inode = self.alloc(mode, kind);
        if let Some(entries) = dir.entries() {
            entries.borrow_mut().insert(name.to_owned(), inode.ino);
        }
        if is_dir {
            dir.nlink.set(dir.nlink.get() + 1);
        }
        Ok(inode)
    }
}

impl FileSystem for MemFs {
    fn kind(&self) -> &'static str {
        "memfs"
    }

    fn lstat(&self, path: &str) -> SysResult<Stat> {
        Ok(self.shared.lookup("lstat", path)?.stat(self.dev))
    }

    fn readlink(&self, path: &str) -> SysResult<String> {
        match &self.shared.lookup("readlink", path)?.kind {
            Kind::Symlink(target) => Ok(target.clone()),
            _ => Err(fail(Errno::EINVAL, "readlink", path, "not a symbolic link")),
        }
    }

    fn open(&self, path: &str, flags: OpenFlags, mode: u32) -> SysResult<Node> {
        let comps = components("open", path)?;
        let Some((last, parents)) = comps.split_last() else {
            if flags.contains(OpenFlags::CREAT | OpenFlags::EXCL) {
                return Err(fail(
                    Errno::EEXIST,
                    "open",
                    path,
                    "the root directory exists",
                ));
            }
            check_dir_open(flags, path)?;
            return Ok(Node::Directory(self.shared.node(ROOT_INO)?.stat(self.dev)));
        };
        let dir = self.shared.dir(parents, "open", path)?;
        let inode = match dir.child(last) {
            Some(ino) => {
                if flags.contains(OpenFlags::CREAT | OpenFlags::EXCL) {
                    return Err(fail(Errno::EEXIST, "open", path, "file exists"));
                }
                self.shared.node(ino)?
            }
            None if flags.contains(OpenFlags::CREAT) => {
                if flags.contains(OpenFlags::DIRECTORY) {
                    return Err(fail(
                        Errno::EINVAL,
                        "open",
                        path,
                        "O_CREAT with O_DIRECTORY cannot create a directory (use mkdir)",
                    ));
                }
                self.shared
                    .create("open", path, mode, Kind::File(RefCell::new(Vec::new())))?
            }
            None => {
                return Err(fail(
                    Errno::ENOENT,
                    "open",
                    path,
                    "no such file or directory",
                ));
            }
        };
        match &inode.kind {
            Kind::Symlink(_) => Err(fail(
                Errno::ELOOP,
                "open",
                path,
                "is a symbolic link, which memfs does not follow",
            )),
            Kind::Dir(_) => {
                check_dir_open(flags, path)?;
                Ok(Node::Directory(inode.stat(self.dev)))
            }
            _ if flags.contains(OpenFlags::DIRECTORY) => Err(fail(
                Errno::ENOTDIR,
                "open",
                path,
                "O_DIRECTORY given but it is not a directory",
            )),
            Kind::Fifo(fifo) => Ok(Node::Fifo(fifo.clone(), inode.stat(self.dev))),
            Kind::File(bytes) => {
                if flags.contains(OpenFlags::TRUNC) {
                    self.shared
                        .resize(&mut bytes.borrow_mut(), 0, "truncation")?;
                }
                inode.open.set(inode.open.get() + 1);
                Ok(Node::File(Rc::new(MemFile {
                    inode: Rc::clone(&inode),
                    shared: Rc::clone(&self.shared),
                    dev: self.dev,
                })))
            }
        }
    }

    fn mkdir(&self, path: &str, mode: u32) -> SysResult<()> {
        self.shared.create(
            "mkdir",
            path,
            mode,
            Kind::Dir(RefCell::new(BTreeMap::new())),
        )?;
        Ok(())
    }

    fn mkfifo(&self, path: &str, mode: u32) -> SysResult<()> {
        self.shared
            .create("mkfifo", path, mode, Kind::Fifo(Fifo::new()))?;
        Ok(())
    }

    fn symlink(&self, target: &str, path: &str) -> SysResult<()> {
        if target.is_empty() {
            return Err(fail(
                Errno::ENOENT,
                "symlink",
                path,
                "the link target is empty",
            ));
        }
        if target.len() >= PATH_MAX {
            return Err(fail(
                Errno::ENAMETOOLONG,
                "symlink",
                path,
                format_args!("the link target is longer than {PATH_MAX} bytes"),
            ));
        }
        self.shared
            .create("symlink", path, 0o777, Kind::Symlink(target.to_owned()))?;
        Ok(())
    }

    fn unlink(&self, path: &str) -> SysResult<()> {
        let (dir, name, _) = self.shared.parent("unlink", path, Errno::EISDIR)?;
        let ino = dir
            .child(name)
            .ok_or_else(|| fail(Errno::ENOENT, "unlink", path, "no such file or directory"))?;
        let inode = self.shared.node(ino)?;
        if inode.is_dir() {
            return Err(fail(
                Errno::EISDIR,
                "unlink",
                path,
                "is a directory (use rmdir)",
            ));
        }
        if let Some(entries) = dir.entries() {
            entries.borrow_mut().remove(name);
        }
        self.shared.drop_link(&inode);
        Ok(())
    }

    fn rmdir(&self, path: &str) -> SysResult<()> {
        let (dir, name, _) = self.shared.parent("rmdir", path, Errno::EBUSY)?;
        let ino = dir
            .child(name)
            .ok_or_else(|| fail(Errno::ENOENT, "rmdir", path, "no such file or directory"))?;
        let inode = self.shared.node(ino)?;
        let Some(entries) = inode.entries() else {
            return Err(fail(Errno::ENOTDIR, "rmdir", path, "not a directory"));
        };
        if !entries.borrow().is_empty() {
            return Err(fail(
                Errno::ENOTEMPTY,
                "rmdir",
                path,
                "the directory is not empty",
            ));
        }
        if let Some(parent_entries) = dir.entries() {
            parent_entries.borrow_mut().remove(name);
        }
        self.shared.drop_dir(&dir, &inode);
        Ok(())
    }

    fn rename(&self, from: &str, to: &str) -> SysResult<()> {
        let shared = &self.shared;
        let (src_dir, src_name, src_comps) = shared.parent("rename", from, Errno::EBUSY)?;
        let src_ino = src_dir
            .child(src_name)
            .ok_or_else(|| fail(Errno::ENOENT, "rename", from, "no such file or directory"))?;
        let src = shared.node(src_ino)?;
        let (dst_dir, dst_name, dst_comps) = shared.parent("rename", to, Errno::EBUSY)?;
        let dst = match dst_dir.child(dst_name) {
            Some(ino) => Some(shared.node(ino)?),
            None => None,
        };
        // The same file (or the same name): nothing to do, as rename(2).
        if dst.as_ref().is_some_and(|d| d.ino == src.ino) {
            return Ok(());
        }
        let to_what =
            |errno, what: &str| fail(errno, "rename", from, format_args!("to {to}: {what}"));
        if src.is_dir()
            && dst_comps.len() > src_comps.len()
            && dst_comps[..src_comps.len()] == src_comps[..]
        {
            return Err(to_what(
                Errno::EINVAL,
                "cannot move a directory into itself",
            ));
        }
        if let Some(dst) = &dst {
            match (src.is_dir(), dst.entries()) {
                (true, None) => {
                    return Err(to_what(
                        Errno::ENOTDIR,
                        "a directory cannot replace a non-directory",
                    ));
                }
                (false, Some(_)) => {
                    return Err(to_what(
                        Errno::EISDIR,
                        "a non-directory cannot replace a directory",
                    ));
                }
                (true, Some(entries)) if !entries.borrow().is_empty() => {
                    return Err(to_what(
                        Errno::ENOTEMPTY,
                        "the directory to replace is not empty",
                    ));
                }
                _ => {}
            }
        } else {
            check_name("rename", to, dst_name)?;
        }
        if let Some(entries) = src_dir.entries() {
            entries.borrow_mut().remove(src_name);
        }
        if let Some(entries) = dst_dir.entries() {
            entries.borrow_mut().insert(dst_name.to_owned(), src.ino);
        }
        if let Some(dst) = &dst {
            if dst.is_dir() {
                shared.drop_dir(&dst_dir, dst);
            } else {
                shared.drop_link(dst);
            }
        }
        if src.is_dir() && src_dir.ino != dst_dir.ino {
            src_dir.nlink.set(src_dir.nlink.get().saturating_sub(1));
            dst_dir.nlink.set(dst_dir.nlink.get() + 1);
        }
        Ok(())
    }

    fn readdir(&self, path: &str) -> SysResult<Vec<DirEntry>> {
        let dir = self.shared.lookup("readdir", path)?;
        let Some(entries) = dir.entries() else {
            return Err(fail(Errno::ENOTDIR, "readdir", path, "not a directory"));
        };
        let entries = entries.borrow();
        let mut out = Vec::with_capacity(entries.len());
        for (name, &ino) in entries.iter() {
            out.push(DirEntry {
                name: name.clone(),
                kind: self.shared.node(ino)?.file_type(),
                ino,
            });
        }
        Ok(out)
    }

    fn chmod(&self, path: &str, mode: u32) -> SysResult<()> {
        let inode = self.shared.lookup("chmod", path)?;
        if let Kind::Symlink(_) = inode.kind {
            return Err(fail(
                Errno::ELOOP,
                "chmod",
                path,
                "is a symbolic link, which memfs does not follow",
            ));
        }
        inode.mode.set(mode & 0o7777);
        Ok(())
    }
}

impl MemFs {
    /// An empty filesystem (a root directory with mode 0o755) with device number `dev`,
    /// holding at most [`DEFAULT_CAPACITY`] bytes of file contents.
    pub(crate) fn new(dev: u64) -> Self {
        Self::with_capacity(dev, DEFAULT_CAPACITY)
    }

    /// An empty filesystem with device number `dev` whose regular files hold at most
    /// `capacity` bytes together (ENOSPC past it).
    pub(crate) fn with_capacity(dev: u64, capacity: u64) -> Self {
        let shared = Rc::new(Shared {
            table: RefCell::new(Table {
                nodes: HashMap::new(),
                next_ino: ROOT_INO,
            }),
            used: Cell::new(0),
            capacity,
        });
        shared.alloc(0o755, Kind::Dir(RefCell::new(BTreeMap::new())));
        MemFs { dev, shared }
    }

    #[cfg(test)]
    /// How many inodes are alive: named ones, plus unlinked files still open. 1 for an
    /// empty filesystem (the root).
    pub(crate) fn inode_count(&self) -> usize {
        self.shared.table.borrow().nodes.len()
    }

    #[cfg(test)]
    /// Bytes of regular files held now (unlinked files still open included).
    pub(crate) fn bytes_used(&self) -> u64 {
        self.shared.used.get()
    }
}

/// An open regular file of a [`MemFs`]. Keeps its inode (and the filesystem's table)
/// alive; the last handle of an unlinked file frees the inode.
struct MemFile {
    inode: Rc<Inode>,
    shared: Rc<Shared>,
    dev: u64,
}

impl MemFile {
    fn bytes(&self) -> SysResult<&RefCell<Vec<u8>>> {
        match &self.inode.kind {
            Kind::File(bytes) => Ok(bytes),
            _ => Err(Error::new(
                Errno::EIO,
                format!(
                    "memfs: inode {} is open as a regular file but is not one (a memfs bug)",
                    self.inode.ino
                ),
            )),
        }
    }
}

impl RegularFile for MemFile {
    fn read_at(&self, offset: u64, buf: &mut [u8]) -> SysResult<usize> {
        let bytes = self.bytes()?.borrow();
        let Ok(start) = usize::try_from(offset) else {
            return Ok(0);
        };
        let Some(rest) = bytes.get(start..) else {
            return Ok(0);
        };
        let n = rest.len().min(buf.len());
        buf[..n].copy_from_slice(&rest[..n]);
        Ok(n)
    }

    fn write_at(&self, offset: u64, data: &[u8]) -> SysResult<usize> {
        if data.is_empty() {
            return Ok(0);
        }
        let too_big = || {
            Error::new(
                Errno::EFBIG,
                format!(
                    "memfs: writing {} bytes at offset {offset} passes the largest file size",
                    data.len()
                ),
            )
        };
        let end = offset
            .checked_add(data.len() as u64)
            .filter(|&end| end <= i64::MAX as u64)
            .ok_or_else(too_big)?;
        let mut bytes = self.bytes()?.borrow_mut();
        if end > bytes.len() as u64 {
            self.shared.resize(&mut bytes, end, "the write")?;
        }
        // Both fit in usize now: `end` is at most the length of the bytes.
        let (start, end) = (offset as usize, end as usize);
        bytes[start..end].copy_from_slice(data);
        Ok(data.len())
    }

    fn set_len(&self, len: u64) -> SysResult<()> {
        if len > i64::MAX as u64 {
            return Err(Error::new(
                Errno::EFBIG,
                format!("memfs: {len} bytes passes the largest file size"),
            ));
        }
        let mut bytes = self.bytes()?.borrow_mut();
        self.shared.resize(&mut bytes, len, "the truncation")
    }

    fn stat(&self) -> SysResult<Stat> {
        Ok(self.inode.stat(self.dev))
    }
}

impl Drop for MemFile {
    fn drop(&mut self) {
        let open = self.inode.open.get().saturating_sub(1);
        self.inode.open.set(open);
        if open == 0 && self.inode.nlink.get() == 0 {
            self.shared.free(self.inode.ino);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const RW: OpenFlags = OpenFlags::RDWR;

    fn creat() -> OpenFlags {
        OpenFlags::RDWR | OpenFlags::CREAT
    }

    fn errno<T>(r: SysResult<T>) -> Errno {
        match r {
            Ok(_) => panic!("expected an error"),
            Err(e) => e.errno(),
        }
    }

    fn file(fs: &MemFs, path: &str, flags: OpenFlags) -> Rc<dyn RegularFile> {
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

    fn write_file(fs: &MemFs, path: &str, data: &[u8]) {
        let f = file(fs, path, creat() | OpenFlags::TRUNC);
        assert_eq!(f.write_at(0, data).unwrap(), data.len());
    }

    #[test]
    fn create_write_read_truncate() {
        let fs = MemFs::new(7);
        let f = file(&fs, "a", creat());
        assert_eq!(f.write_at(0, b"hello").unwrap(), 5);
        assert_eq!(read_all(&*f), b"hello");
        // A write past the end zero-fills the gap.
        assert_eq!(f.write_at(8, b"xy").unwrap(), 2);
        assert_eq!(read_all(&*f), b"hello\0\0\0xy");
        // Reading at or past the end gives 0; reading in the middle gives what is there.
        let mut buf = [0u8; 4];
        assert_eq!(f.read_at(10, &mut buf).unwrap(), 0);
        assert_eq!(f.read_at(u64::MAX, &mut buf).unwrap(), 0);
        assert_eq!(f.read_at(3, &mut buf).unwrap(), 4);
        assert_eq!(&buf, b"lo\0\0");
        // Overwrite in place.
        f.write_at(1, b"EL").unwrap();
        assert_eq!(read_all(&*f), b"hELlo\0\0\0xy");
        f.set_len(3).unwrap();
        assert_eq!(read_all(&*f), b"hEL");
        f.set_len(5).unwrap();
        assert_eq!(read_all(&*f), b"hEL\0\0");
        assert_eq!(fs.bytes_used(), 5);
        let st = f.stat().unwrap();
        assert_eq!(
            (st.kind, st.size, st.mode, st.nlink, st.dev),
            (FileType::Regular, 5, 0o644, 1, 7)
        );
        assert_eq!(fs.lstat("a").unwrap(), st);
        // Another open sees the same bytes; TRUNC empties them.
        let g = file(&fs, "a", OpenFlags::RDONLY);
        assert_eq!(read_all(&*g), b"hEL\0\0");
        let _h = file(&fs, "a", OpenFlags::WRONLY | OpenFlags::TRUNC);
        assert_eq!(read_all(&*g), b"");
        assert_eq!(fs.bytes_used(), 0);
        // A zero-length write changes nothing.
        assert_eq!(f.write_at(100, b"").unwrap(), 0);
        assert_eq!(f.stat().unwrap().size, 0);
    }

    #[test]
    fn the_root_and_directories() {
        let fs = MemFs::new(3);
        let root = fs.lstat("").unwrap();
        assert_eq!(
            root,
            Stat {
                kind: FileType::Directory,
                mode: 0o755,
                size: 40,
                nlink: 2,
                ino: 1,
                dev: 3
            }
        );
        assert!(
            matches!(fs.open("", OpenFlags::RDONLY, 0).unwrap(), Node::Directory(s) if s == root)
        );
        fs.mkdir("d", 0o700).unwrap();
        fs.mkdir("d/e", 0o750).unwrap();
        let d = fs.lstat("d").unwrap();
        assert_eq!(
            (d.kind, d.mode, d.nlink, d.size),
            (FileType::Directory, 0o700, 3, 60)
        );
        assert_eq!(fs.lstat("").unwrap().nlink, 3);
        assert!(matches!(
            fs.open("d/e", OpenFlags::RDONLY | OpenFlags::DIRECTORY, 0).unwrap(),
            Node::Directory(s) if s.mode == 0o750 && s.nlink == 2
        ));
    }

    #[test]
    fn readdir_is_sorted_with_kinds() {
        let fs = MemFs::new(1);
        for name in ["zeta", "alpha", "Mid", "beta"] {
            write_file(&fs, name, b"");
        }
        fs.mkdir("dir", 0o755).unwrap();
        fs.mkfifo("pipe", 0o600).unwrap();
        fs.symlink("alpha", "link").unwrap();
        let list = fs.readdir("").unwrap();
        let names: Vec<&str> = list.iter().map(|e| e.name.as_str()).collect();
        assert_eq!(
            names,
            ["Mid", "alpha", "beta", "dir", "link", "pipe", "zeta"]
        );
        let kind = |n: &str| list.iter().find(|e| e.name == n).unwrap().kind;
        assert_eq!(kind("dir"), FileType::Directory);
        assert_eq!(kind("link"), FileType::Symlink);
        assert_eq!(kind("pipe"), FileType::Fifo);
        assert_eq!(kind("alpha"), FileType::Regular);
        for e in &list {
            assert_eq!(fs.lstat(&e.name).unwrap().ino, e.ino);
        }
        assert!(fs.readdir("dir").unwrap().is_empty());
        assert_eq!(errno(fs.readdir("alpha")), Errno::ENOTDIR);
        assert_eq!(errno(fs.readdir("nope")), Errno::ENOENT);
    }

    #[test]
    fn open_errors() {
        let fs = MemFs::new(1);
        write_file(&fs, "f", b"x");
        fs.mkdir("d", 0o755).unwrap();
        fs.symlink("f", "l").unwrap();
        fs.symlink("d", "ld").unwrap();
        let excl = creat() | OpenFlags::EXCL;
        assert_eq!(errno(fs.open("f", excl, 0o644)), Errno::EEXIST);
        assert_eq!(errno(fs.open("d", excl, 0o644)), Errno::EEXIST);
        assert_eq!(errno(fs.open("l", excl, 0o644)), Errno::EEXIST);
        assert_eq!(errno(fs.open("", excl, 0o644)), Errno::EEXIST);
        for flags in [
            OpenFlags::WRONLY,
            RW,
            OpenFlags::CREAT,
            OpenFlags::RDONLY | OpenFlags::TRUNC,
        ] {
            assert_eq!(errno(fs.open("d", flags, 0)), Errno::EISDIR, "{flags:?}");
            assert_eq!(errno(fs.open("", flags, 0)), Errno::EISDIR, "{flags:?}");
        }
        assert_eq!(errno(fs.open("missing", RW, 0)), Errno::ENOENT);
        assert_eq!(errno(fs.open("missing/x", creat(), 0o644)), Errno::ENOENT);
        assert_eq!(errno(fs.open("f/x", creat(), 0o644)), Errno::ENOTDIR);
        assert_eq!(errno(fs.open("f/x", RW, 0)), Errno::ENOTDIR);
        assert_eq!(errno(fs.open("l", creat(), 0o644)), Errno::ELOOP);
        assert_eq!(errno(fs.open("l", RW, 0)), Errno::ELOOP);
        assert_eq!(errno(fs.open("ld/x", creat(), 0o644)), Errno::ELOOP);
        assert_eq!(errno(fs.open("f", OpenFlags::DIRECTORY, 0)), Errno::ENOTDIR);
        assert_eq!(
            errno(fs.open("new", creat() | OpenFlags::DIRECTORY, 0)),
            Errno::EINVAL
        );
        assert_eq!(errno(fs.lstat("new")), Errno::ENOENT);
        let long = "n".repeat(256);
        assert_eq!(errno(fs.open(&long, creat(), 0o644)), Errno::ENAMETOOLONG);
        // Paths the VFS never sends are refused, not guessed at.
        for bad in ["/f", "f/", "a//b", ".", "..", "d/../f", "./f", "a\0b"] {
            assert_eq!(errno(fs.lstat(bad)), Errno::EINVAL, "{bad:?}");
        }
        // Messages name the path.
        let e = fs.open("f/x", RW, 0).err().unwrap();
        assert!(e.to_string().contains("f/x"), "{e}");
        // The failed calls created nothing.
        assert_eq!(fs.inode_count(), 5);
    }

    #[test]
    fn create_remove_errors() {
        let fs = MemFs::new(1);
        write_file(&fs, "f", b"x");
        fs.mkdir("d", 0o755).unwrap();
        write_file(&fs, "d/g", b"");
        for path in ["f", "d", ""] {
            assert_eq!(errno(fs.mkdir(path, 0o755)), Errno::EEXIST, "{path}");
            assert_eq!(errno(fs.mkfifo(path, 0o644)), Errno::EEXIST, "{path}");
            assert_eq!(errno(fs.symlink("t", path)), Errno::EEXIST, "{path}");
        }
        assert_eq!(errno(fs.mkdir("f/x", 0o755)), Errno::ENOTDIR);
        assert_eq!(errno(fs.mkdir("m/x", 0o755)), Errno::ENOENT);
        assert_eq!(errno(fs.symlink("", "s")), Errno::ENOENT);
        assert_eq!(errno(fs.unlink("d")), Errno::EISDIR);
        assert_eq!(errno(fs.unlink("")), Errno::EISDIR);
        assert_eq!(errno(fs.unlink("missing")), Errno::ENOENT);
        assert_eq!(errno(fs.unlink("f/x")), Errno::ENOTDIR);
        assert_eq!(errno(fs.rmdir("f")), Errno::ENOTDIR);
        assert_eq!(errno(fs.rmdir("d")), Errno::ENOTEMPTY);
        assert_eq!(errno(fs.rmdir("")), Errno::EBUSY);
        assert_eq!(errno(fs.rmdir("missing")), Errno::ENOENT);
        fs.unlink("d/g").unwrap();
        fs.rmdir("d").unwrap();
        fs.unlink("f").unwrap();
        assert_eq!(fs.inode_count(), 1);
        assert_eq!(fs.lstat("").unwrap().nlink, 2);
        assert!(fs.readdir("").unwrap().is_empty());
    }

    #[test]
    fn nlink_counts() {
        let fs = MemFs::new(1);
        fs.mkdir("a", 0o755).unwrap();
        fs.mkdir("a/b", 0o755).unwrap();
        fs.mkdir("a/c", 0o755).unwrap();
        write_file(&fs, "a/f", b"");
        assert_eq!(fs.lstat("").unwrap().nlink, 3);
        assert_eq!(fs.lstat("a").unwrap().nlink, 4);
        assert_eq!(fs.lstat("a/b").unwrap().nlink, 2);
        assert_eq!(fs.lstat("a/f").unwrap().nlink, 1);
        fs.rename("a/b", "b").unwrap();
        assert_eq!(fs.lstat("").unwrap().nlink, 4);
        assert_eq!(fs.lstat("a").unwrap().nlink, 3);
        fs.rmdir("a/c").unwrap();
        assert_eq!(fs.lstat("a").unwrap().nlink, 2);
    }

    #[test]
    fn rename_rules() {
        let fs = MemFs::new(1);
        write_file(&fs, "f", b"one");
        write_file(&fs, "g", b"two");
        fs.mkdir("d", 0o755).unwrap();
        fs.mkdir("e", 0o755).unwrap();
        fs.mkdir("full", 0o755).unwrap();
        write_file(&fs, "full/x", b"");
        let count = fs.inode_count();

        // Replacing a file frees the old one.
        let f_ino = fs.lstat("f").unwrap().ino;
        fs.rename("f", "g").unwrap();
        assert_eq!(errno(fs.lstat("f")), Errno::ENOENT);
        assert_eq!(fs.lstat("g").unwrap().ino, f_ino);
        assert_eq!(read_all(&*file(&fs, "g", RW)), b"one");
        assert_eq!(fs.inode_count(), count - 1);
        assert_eq!(fs.bytes_used(), 3, "the replaced bytes are given back");

        assert_eq!(errno(fs.rename("d", "g")), Errno::ENOTDIR);
        assert_eq!(errno(fs.rename("g", "d")), Errno::EISDIR);
        assert_eq!(errno(fs.rename("d", "full")), Errno::ENOTEMPTY);
        assert_eq!(errno(fs.rename("d", "d/sub")), Errno::EINVAL);
        assert_eq!(errno(fs.rename("full", "full/x/y")), Errno::ENOTDIR);
        assert_eq!(errno(fs.rename("missing", "z")), Errno::ENOENT);
        assert_eq!(errno(fs.rename("g", "missing/z")), Errno::ENOENT);
        assert_eq!(errno(fs.rename("", "z")), Errno::EBUSY);
        assert_eq!(errno(fs.rename("d", "")), Errno::EBUSY);

        // Onto itself: nothing happens.
        fs.rename("g", "g").unwrap();
        fs.rename("d", "d").unwrap();
        assert_eq!(read_all(&*file(&fs, "g", RW)), b"one");
        assert_eq!(errno(fs.rename("gone", "gone")), Errno::ENOENT);

        // A directory onto an empty directory, with its contents.
        write_file(&fs, "d/inner", b"in");
        fs.rename("d", "e").unwrap();
        assert_eq!(errno(fs.lstat("d")), Errno::ENOENT);
        assert_eq!(read_all(&*file(&fs, "e/inner", RW)), b"in");
        // A directory moved into another one (not its own subtree).
        fs.rename("e", "full/e").unwrap();
        assert_eq!(read_all(&*file(&fs, "full/e/inner", RW)), b"in");
        // A prefix that is not a path prefix is not "into itself".
        fs.mkdir("ab", 0o755).unwrap();
        fs.rename("full", "abc").unwrap();
        fs.rename("abc", "ab/c").unwrap();
        let names: Vec<String> = fs
            .readdir("")
            .unwrap()
            .into_iter()
            .map(|e| e.name)
            .collect();
        assert_eq!(names, ["ab", "g"]);
        // Symlinks and FIFOs move as names.
        fs.symlink("g", "l").unwrap();
        fs.rename("l", "ab/l").unwrap();
        assert_eq!(fs.readlink("ab/l").unwrap(), "g");
        // root + ab + ab/c + c/x + c/e + e/inner + g + ab/l
        assert_eq!(fs.inode_count(), 8);
    }

    #[test]
    fn unlink_while_open_keeps_data_until_the_last_handle() {
        let fs = MemFs::new(1);
        let f = file(&fs, "f", creat());
        f.write_at(0, b"data").unwrap();
        let g = file(&fs, "f", OpenFlags::RDONLY);
        assert_eq!(fs.inode_count(), 2);
        fs.unlink("f").unwrap();
        assert_eq!(errno(fs.lstat("f")), Errno::ENOENT);
        assert!(fs.readdir("").unwrap().is_empty());
        assert_eq!(fs.inode_count(), 2, "still open");
        f.write_at(4, b"more").unwrap();
        assert_eq!(read_all(&*g), b"datamore");
        assert_eq!(g.stat().unwrap().nlink, 0);
        // A new file of the same name is another file with another number.
        let h = file(&fs, "f", creat());
        assert_ne!(h.stat().unwrap().ino, g.stat().unwrap().ino);
        assert_eq!(read_all(&*h), b"");
        drop(h);
        fs.unlink("f").unwrap();
        drop(f);
        assert_eq!(fs.inode_count(), 2, "one handle left");
        assert_eq!(fs.bytes_used(), 8);
        drop(g);
        assert_eq!(fs.inode_count(), 1);
        assert_eq!(fs.bytes_used(), 0);
    }

    #[test]
    fn replaced_while_open_and_filesystem_dropped_while_open() {
        let fs = MemFs::new(1);
        let f = file(&fs, "f", creat());
        f.write_at(0, b"old").unwrap();
        write_file(&fs, "g", b"new");
        fs.rename("g", "f").unwrap();
        assert_eq!(fs.inode_count(), 3);
        assert_eq!(read_all(&*f), b"old");
        drop(f);
        assert_eq!(fs.inode_count(), 2);
        // A handle outlives its filesystem.
        let h = file(&fs, "f", RW);
        drop(fs);
        h.write_at(3, b"!").unwrap();
        assert_eq!(read_all(&*h), b"new!");
    }

    #[test]
    fn symlinks() {
        let fs = MemFs::new(1);
        fs.symlink("../some/where", "l").unwrap();
        let st = fs.lstat("l").unwrap();
        assert_eq!(
            (st.kind, st.size, st.mode, st.nlink),
            (FileType::Symlink, 13, 0o777, 1)
        );
        assert_eq!(fs.readlink("l").unwrap(), "../some/where");
        write_file(&fs, "f", b"");
        assert_eq!(errno(fs.readlink("f")), Errno::EINVAL);
        assert_eq!(errno(fs.readlink("")), Errno::EINVAL);
        assert_eq!(errno(fs.readlink("nope")), Errno::ENOENT);
        assert_eq!(errno(fs.chmod("l", 0o600)), Errno::ELOOP);
        assert_eq!(errno(fs.readdir("l")), Errno::ENOTDIR);
        fs.unlink("l").unwrap();
        assert_eq!(fs.inode_count(), 2);
    }

    #[test]
    fn fifos() {
        let fs = MemFs::new(9);
        fs.mkfifo("p", 0o640).unwrap();
        let st = fs.lstat("p").unwrap();
        assert_eq!(
            (st.kind, st.mode, st.size, st.dev),
            (FileType::Fifo, 0o640, 0, 9)
        );
        let mut inos = Vec::new();
        for flags in [OpenFlags::RDONLY, OpenFlags::WRONLY, RW | OpenFlags::TRUNC] {
            match fs.open("p", flags, 0).unwrap() {
                Node::Fifo(_, s) => inos.push(s.ino),
                _ => panic!("not a FIFO"),
            }
        }
        assert_eq!(inos, [st.ino; 3]);
        // One FIFO object per inode: opening makes none.
        assert_eq!(fs.inode_count(), 2);
        assert_eq!(errno(fs.open("p", OpenFlags::DIRECTORY, 0)), Errno::ENOTDIR);
        assert_eq!(
            errno(fs.open("p", creat() | OpenFlags::EXCL, 0)),
            Errno::EEXIST
        );
        fs.unlink("p").unwrap();
        assert_eq!(fs.inode_count(), 1);
    }

    #[test]
    fn chmod_keeps_permission_bits() {
        let fs = MemFs::new(1);
        write_file(&fs, "f", b"");
        fs.chmod("f", 0o104_755).unwrap();
        assert_eq!(fs.lstat("f").unwrap().mode, 0o4755);
        fs.chmod("", 0o1777).unwrap();
        assert_eq!(fs.lstat("").unwrap().mode, 0o1777);
        fs.mkdir("d", 0o170_777).unwrap();
        assert_eq!(fs.lstat("d").unwrap().mode, 0o777);
        assert_eq!(errno(fs.chmod("nope", 0o644)), Errno::ENOENT);
    }

    #[test]
    fn capacity_and_huge_offsets() {
        let fs = MemFs::with_capacity(1, 10);
        let f = file(&fs, "f", creat());
        f.write_at(0, b"12345678").unwrap();
        assert_eq!(errno(f.write_at(8, b"abc")), Errno::ENOSPC);
        assert_eq!(read_all(&*f), b"12345678", "a failed write changes nothing");
        let g = file(&fs, "g", creat());
        assert_eq!(errno(g.set_len(3)), Errno::ENOSPC);
        g.set_len(2).unwrap();
        f.set_len(0).unwrap();
        assert_eq!(fs.bytes_used(), 2);
        g.write_at(0, b"0123456789").unwrap();
        // Offsets a program controls never make the kernel allocate without bound.
        let big = MemFs::new(1);
        let h = file(&big, "h", creat());
        assert_eq!(errno(h.write_at(1 << 40, b"x")), Errno::ENOSPC);
        assert_eq!(errno(h.write_at(u64::MAX, b"x")), Errno::EFBIG);
        assert_eq!(errno(h.set_len(u64::MAX)), Errno::EFBIG);
        assert_eq!(h.stat().unwrap().size, 0);
    }

    mod model {
        use super::*;
        use proptest::prelude::*;

        #[derive(Debug, Clone)]
        enum Op {
            Write(u16, Vec<u8>),
            SetLen(u16),
        }

        fn op() -> impl Strategy<Value = Op> {
            prop_oneof![
                (0u16..600, proptest::collection::vec(any::<u8>(), 0..40))
                    .prop_map(|(o, d)| Op::Write(o, d)),
                (0u16..600).prop_map(Op::SetLen),
            ]
        }

        proptest! {
            #![proptest_config(ProptestConfig::with_cases(64))]
            /// Writes and truncations agree with a plain byte vector.
            #[test]
            fn file_contents_match_a_vec(ops in proptest::collection::vec(op(), 0..30)) {
                let fs = MemFs::new(1);
                let f = file(&fs, "f", creat());
                let mut model: Vec<u8> = Vec::new();
                for op in ops {
                    match op {
                        Op::Write(off, data) => {
                            let off = off as usize;
                            if !data.is_empty() {
                                if model.len() < off + data.len() {
                                    model.resize(off + data.len(), 0);
                                }
                                model[off..off + data.len()].copy_from_slice(&data);
                            }
                            prop_assert_eq!(f.write_at(off as u64, &data).unwrap(), data.len());
                        }
                        Op::SetLen(len) => {
                            model.resize(len as usize, 0);
                            f.set_len(len as u64).unwrap();
                        }
                    }
                    prop_assert_eq!(read_all(&*f), model.clone());
                    prop_assert_eq!(fs.bytes_used(), model.len() as u64);
                }
            }
        }
    }
}
