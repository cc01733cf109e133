//! A host directory, passed through and confined to it.
//!
//! (Skeleton; the behaviour is being written.)

use super::{DirEntry, FileSystem, Node, Stat};
use crate::{OpenFlags, SysResult};

/// A host directory, passed through and confined to it.
pub(crate) struct HostFs {
    dev: u64,
}

impl FileSystem for HostFs {
    fn kind(&self) -> &'static str {
        "hostfs"
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

impl HostFs {
    /// The host directory `root`, with device number `dev`. ENOENT or ENOTDIR when
    /// `root` is not a directory.
    pub(crate) fn new(root: &std::path::Path, dev: u64) -> SysResult<Self> {
        let _ = root;
        Ok(HostFs { dev })
    }
}
