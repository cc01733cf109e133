//! The virtual filesystem: a mount table of backends, path resolution, and the special
//! trees /dev and /proc.
//!
//! A kernel starts with an in-memory root holding `/tmp`, with [`devfs`] on `/dev` and
//! [`procfs`] on `/proc`; a host directory can be mounted anywhere (or be the root).
//! Paths are resolved here, one component at a time, following symbolic links inside the
//! virtual tree (at most [`SYMLOOP_MAX`] of them), so that no backend ever follows a link
//! itself: a host mount cannot be left through `..` or a link.

mod calls;
mod devfs;
mod fs;
mod hostfs;
mod memfs;
mod name;
mod namei;
mod procfs;
#[cfg(test)]
mod testing;

use std::rc::Rc;

pub(crate) use calls::Opened;
pub(crate) use fs::{Device, FileSystem, Node, RegularFile};
pub use fs::{DirEntry, FileType, Stat};
pub(crate) use hostfs::HostFs;
pub(crate) use memfs::MemFs;
pub(crate) use namei::Walked;

/// The most symbolic links one path resolution follows (Linux's limit).
pub const SYMLOOP_MAX: usize = 40;

/// What a mount serves its paths from.
#[derive(Clone)]
pub(crate) enum Backend {
    /// A filesystem backend.
    Fs(Rc<dyn FileSystem>),
    /// /proc, generated from the process table.
    Proc,
}

/// One entry of the mount table.
#[derive(Clone)]
pub(crate) struct Mount {
    /// Where it is mounted: absolute path components (empty: the root).
    pub at: Vec<String>,
    pub backend: Backend,
    /// Its device number (`Stat::dev`).
    pub dev: u64,
}

/// The mount table.
pub(crate) struct Vfs {
    mounts: Vec<Mount>,
    next_dev: u64,
}

impl Vfs {
    /// An in-memory root with /tmp, /dev and /proc.
    pub(crate) fn in_memory() -> Vfs {
        let root = MemFs::new(1);
        // Creating directories in a fresh in-memory filesystem cannot fail.
        for (dir, mode) in [("dev", 0o755), ("proc", 0o555), ("tmp", 0o1777)] {
            let _ = root.mkdir(dir, mode);
        }
        Vfs::with_root(Rc::new(root), 1)
    }

    fn with_root(root: Rc<dyn FileSystem>, dev: u64) -> Vfs {
        let mut vfs = Vfs {
            mounts: vec![Mount {
                at: Vec::new(),
                backend: Backend::Fs(root),
                dev,
            }],
            next_dev: dev + 1,
        };
        let dev = vfs.new_dev();
        vfs.mount(
            vec!["dev".into()],
            Backend::Fs(Rc::new(devfs::DevFs::new(dev))),
            dev,
        );
        let dev = vfs.new_dev();
        vfs.mount(vec!["proc".into()], Backend::Proc, dev);
        vfs
    }

    /// A device number for a new mount.
    pub(crate) fn new_dev(&mut self) -> u64 {
        let dev = self.next_dev;
        self.next_dev += 1;
        dev
    }

    /// Mounts `backend` at `at` (the caller checked that a directory is there). A later
    /// mount at the same place hides the earlier one.
    pub(crate) fn mount(&mut self, at: Vec<String>, backend: Backend, dev: u64) {
        self.mounts.push(Mount { at, backend, dev });
    }

    /// The mount serving the absolute path `abs`, and the path inside it: the deepest
    /// mount point above it, and of several mounts there the latest (which hides the
    /// others, as on Linux).
    pub(crate) fn locate(&self, abs: &[String]) -> (&Mount, String) {
        // `max_by_key` keeps the last of equal keys: in mount order, the latest.
        let mount = self
            .mounts
            .iter()
            .filter(|m| abs.starts_with(&m.at))
            .max_by_key(|m| m.at.len())
            .expect("the root mount serves every path");
        (mount, abs[mount.at.len()..].join("/"))
    }

    /// The mount table, in mount order.
    pub(crate) fn mounts(&self) -> &[Mount] {
        &self.mounts
    }
}

/// An absolute path from its components.
pub(crate) fn join(abs: &[String]) -> String {
    if abs.is_empty() {
        return "/".to_string();
    }
    let mut out = String::new();
    for part in abs {
        out.push('/');
        out.push_str(part);
    }
    out
}

/// The components of an absolute, normalized path.
pub(crate) fn components(abs: &str) -> Vec<String> {
    abs.split('/')
        .filter(|c| !c.is_empty())
        .map(str::to_string)
        .collect()
}
