//! Host file types, `stat`s and modes as vproc reports and takes them.

use rustix::fs::{self as host, Mode, RawMode};

use crate::vfs::{FileType, Stat};

/// Our kind for a host file type (sockets and block devices are reported as character
/// devices: special files that vproc does not open).
pub(super) fn kind_of(t: host::FileType) -> FileType {
    match t {
        host::FileType::RegularFile => FileType::Regular,
        host::FileType::Directory => FileType::Directory,
        host::FileType::Symlink => FileType::Symlink,
        host::FileType::Fifo => FileType::Fifo,
        _ => FileType::CharDevice,
    }
}

/// The kind of a host `stat`.
pub(super) fn host_kind(st: &host::Stat) -> FileType {
    kind_of(host::FileType::from_raw_mode(st.st_mode))
}

/// A host `stat` as we report it, with our device number.
// The field types of `struct stat` differ between Unixes (and architectures): the casts
// are widening everywhere, and no-ops on some.
#[allow(clippy::unnecessary_cast)]
pub(super) fn to_stat(st: &host::Stat, dev: u64) -> Stat {
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
pub(super) fn host_id(st: &host::Stat) -> (u64, u64) {
    (st.st_dev as u64, st.st_ino as u64)
}

/// Permission bits as the host's `mode_t`.
#[allow(clippy::unnecessary_cast)]
pub(super) fn host_mode(mode: u32) -> Mode {
    Mode::from_raw_mode((mode & 0o7777) as RawMode)
}
