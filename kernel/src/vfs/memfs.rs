//! An in-memory filesystem (tmpfs): directories, regular files, FIFOs and symbolic links.
//!
//! (Skeleton; the behaviour is being written.)

use super::{DirEntry, FileSystem, Node, Stat};
use crate::{OpenFlags, SysResult};

/// An in-memory filesystem (tmpfs): directories, regular files, FIFOs and symbolic links.
pub(crate) struct MemFs {
    dev: u64,
}

impl FileSystem for MemFs {
    fn kind(&self) -> &'static str {
        "memfs"
    }
    fn lstat(&self, path: &str) -> SysResult<Stat> {
        todo!("{path} {}", self.dev)
    }
    fn readlink(&self, path: &str) -> SysResult<String> {
        todo!("{path}")
    }
    fn open(&self, path: &str, flags: OpenFlags, mode: u32) -> SysResult<Node> {
        todo!("{path} {flags:?} {mode}")
    }
    fn mkdir(&self, path: &str, mode: u32) -> SysResult<()> {
        todo!("{path} {mode}")
    }
    fn mkfifo(&self, path: &str, mode: u32) -> SysResult<()> {
        todo!("{path} {mode}")
    }
    fn symlink(&self, target: &str, path: &str) -> SysResult<()> {
        todo!("{target} {path}")
    }
    fn unlink(&self, path: &str) -> SysResult<()> {
        todo!("{path}")
    }
    fn rmdir(&self, path: &str) -> SysResult<()> {
        todo!("{path}")
    }
    fn rename(&self, from: &str, to: &str) -> SysResult<()> {
        todo!("{from} {to}")
    }
    fn readdir(&self, path: &str) -> SysResult<Vec<DirEntry>> {
        todo!("{path}")
    }
    fn chmod(&self, path: &str, mode: u32) -> SysResult<()> {
        todo!("{path} {mode}")
    }
}

impl MemFs {
    /// An empty filesystem (a root directory with mode 0o755) with device number `dev`.
    pub(crate) fn new(dev: u64) -> Self {
        MemFs { dev }
    }
}
