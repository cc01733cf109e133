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

mod file;
mod inode;
#[cfg(test)]
mod tests;

use std::cell::{Cell, RefCell};
use std::collections::{BTreeMap, HashMap};
use std::rc::Rc;

use vproc_ipc::{Errno, Fifo};

use self::file::MemFile;
use self::inode::{Kind, ROOT_INO, Shared, Table};
use super::name::{
    check_create_open, check_dir_open, check_name, check_root_open, components, fail,
    not_a_directory,
};
use super::{DirEntry, FileSystem, Node, Stat};
use crate::{OpenFlags, PATH_MAX, SysResult};

/// The bytes of regular files a [`MemFs::new`] filesystem holds at most: 1 GiB.
pub(crate) const DEFAULT_CAPACITY: u64 = 1 << 30;

/// An in-memory filesystem (tmpfs): directories, regular files, FIFOs and symbolic links.
pub(crate) struct MemFs {
    dev: u64,
    shared: Rc<Shared>,
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
            check_root_open(flags, path)?;
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
                check_create_open(flags, path)?;
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
            _ if flags.contains(OpenFlags::DIRECTORY) => Err(not_a_directory(path)),
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
