//! The virtual filesystem: a mount table of backends, path resolution, and the special
//! trees /dev and /proc.


// Being wired into the system calls; until then parts are unused.
#![allow(dead_code)]
mod fs;
mod hostfs;
mod memfs;

pub use fs::{DirEntry, FileType, Stat};
#[allow(unused_imports)]
pub(crate) use fs::{FileSystem, Node, RegularFile};
#[allow(unused_imports)]
pub(crate) use hostfs::HostFs;
#[allow(unused_imports)]
pub(crate) use memfs::MemFs;
