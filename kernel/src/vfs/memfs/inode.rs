//! The inode table of a memfs: inodes of every kind, and what the filesystem and its
//! open files share (the table and the count of bytes in use), with the walks and
//! changes of the tree.

use std::cell::{Cell, RefCell};
use std::collections::{BTreeMap, HashMap};
use std::rc::Rc;

use vproc_ipc::{Errno, Fifo};

use crate::vfs::name::{check_name, components, fail, root_refused};
use crate::vfs::{FileType, Stat};
use crate::{Error, SysResult};

/// The size a directory reports per entry (`.` and `..` included), as tmpfs's
/// BOGO_DIRENT_SIZE.
const DIRENT_SIZE: u64 = 20;

/// The inode number of the root directory.
pub(super) const ROOT_INO: u64 = 1;

/// What the filesystem and its open files share: the inode table and the space count.
pub(super) struct Shared {
    pub(super) table: RefCell<Table>,
    /// Bytes of regular files now held (unlinked files still open included).
    pub(super) used: Cell<u64>,
    /// The most `used` may reach.
    pub(super) capacity: u64,
}

/// The inodes by number.
pub(super) struct Table {
    pub(super) nodes: HashMap<u64, Rc<Inode>>,
    pub(super) next_ino: u64,
}

/// One file of any kind.
pub(super) struct Inode {
    pub(super) ino: u64,
    /// Permission bits (`mode & 0o7777`).
    pub(super) mode: Cell<u32>,
    /// Hard links: names of it, plus `.` and the `..` of subdirectories for a directory.
    pub(super) nlink: Cell<u64>,
    /// Open handles ([`MemFile`](super::file::MemFile)s) of a regular file.
    pub(super) open: Cell<usize>,
    pub(super) kind: Kind,
}

/// What an inode holds, by kind.
pub(super) enum Kind {
    Dir(RefCell<BTreeMap<String, u64>>),
    File(RefCell<Vec<u8>>),
    Fifo(Fifo),
    Symlink(String),
}

impl Inode {
    pub(super) fn file_type(&self) -> FileType {
        match self.kind {
            Kind::Dir(_) => FileType::Directory,
            Kind::File(_) => FileType::Regular,
            Kind::Fifo(_) => FileType::Fifo,
            Kind::Symlink(_) => FileType::Symlink,
        }
    }

    pub(super) fn is_dir(&self) -> bool {
        matches!(self.kind, Kind::Dir(_))
    }

    pub(super) fn stat(&self, dev: u64) -> Stat {
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
    pub(super) fn entries(&self) -> Option<&RefCell<BTreeMap<String, u64>>> {
        match &self.kind {
            Kind::Dir(entries) => Some(entries),
            _ => None,
        }
    }

    /// The inode number `name` names in this directory.
    pub(super) fn child(&self, name: &str) -> Option<u64> {
        self.entries()?.borrow().get(name).copied()
    }
}

impl Shared {
    /// The inode numbered `ino`. Every number in a directory is in the table; a miss is
    /// a bug of this module, reported as EIO rather than a panic.
    pub(super) fn node(&self, ino: u64) -> SysResult<Rc<Inode>> {
        self.table.borrow().nodes.get(&ino).cloned().ok_or_else(|| {
            Error::new(
                Errno::EIO,
                format!("memfs: inode {ino} is named but missing (a memfs bug)"),
            )
        })
    }

    /// Adds a new inode with one link (two for a directory).
    pub(super) fn alloc(&self, mode: u32, kind: Kind) -> Rc<Inode> {
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
    pub(super) fn free(&self, ino: u64) {
        let removed = self.table.borrow_mut().nodes.remove(&ino);
        if let Some(inode) = removed
            && let Kind::File(bytes) = &inode.kind
        {
            self.release(bytes.borrow().len() as u64);
        }
    }

    /// Drops one link of a non-directory; frees it when that was the last link and no
    /// handle has it open.
    pub(super) fn drop_link(&self, inode: &Inode) {
        let nlink = inode.nlink.get().saturating_sub(1);
        inode.nlink.set(nlink);
        if nlink == 0 && inode.open.get() == 0 {
            self.free(inode.ino);
        }
    }

    /// Removes the (empty) directory `dir` from its parent `parent`'s link count and from
    /// the table.
    pub(super) fn drop_dir(&self, parent: &Inode, dir: &Inode) {
        parent.nlink.set(parent.nlink.get().saturating_sub(1));
        dir.nlink.set(0);
        self.free(dir.ino);
    }

    fn release(&self, bytes: u64) {
        self.used.set(self.used.get().saturating_sub(bytes));
    }

    /// Resizes file contents to `len` bytes (zero-filling), within the capacity.
    pub(super) fn resize(&self, bytes: &mut Vec<u8>, len: u64, what: &str) -> SysResult<()> {
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
    pub(super) fn dir(&self, comps: &[&str], op: &str, path: &str) -> SysResult<Rc<Inode>> {
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
    pub(super) fn lookup(&self, op: &str, path: &str) -> SysResult<Rc<Inode>> {
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
    pub(super) fn parent<'a>(
        &self,
        op: &str,
        path: &'a str,
        root_errno: Errno,
    ) -> SysResult<(Rc<Inode>, &'a str, Vec<&'a str>)> {
        let comps = components(op, path)?;
        let Some((last, parents)) = comps.split_last() else {
            return Err(root_refused(root_errno, op, path));
        };
        let dir = self.dir(parents, op, path)?;
        Ok((dir, last, comps))
    }

    /// Creates a new non-root inode at `path`: EEXIST if the name is taken.
    pub(super) fn create(
        &self,
        op: &str,
        path: &str,
        mode: u32,
        kind: Kind,
    ) -> SysResult<Rc<Inode>> {
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
