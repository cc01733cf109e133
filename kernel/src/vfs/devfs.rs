//! /dev: null, zero, tty (the caller's controlling terminal), and the process's own
//! standard streams.
//!
//! `/dev/stdin`, `/dev/stdout`, `/dev/stderr` and `/dev/fd` are symbolic links into
//! `/proc/self/fd`, as on Linux, so opening one gives the open file the process has on
//! that descriptor.

use vproc_ipc::Errno;

use super::fs::Device;
use super::{DirEntry, FileSystem, FileType, Node, Stat};
use crate::{Error, OpenFlags, SysResult};

const ENTRIES: [(&str, Entry); 7] = [
    ("fd", Entry::Link("/proc/self/fd")),
    ("null", Entry::Device(Device::Null)),
    ("stderr", Entry::Link("/proc/self/fd/2")),
    ("stdin", Entry::Link("/proc/self/fd/0")),
    ("stdout", Entry::Link("/proc/self/fd/1")),
    ("tty", Entry::Device(Device::Tty)),
    ("zero", Entry::Device(Device::Zero)),
];

#[derive(Clone, Copy)]
enum Entry {
    Device(Device),
    Link(&'static str),
}

/// The /dev filesystem.
pub(crate) struct DevFs {
    dev: u64,
}

impl DevFs {
    pub(crate) fn new(dev: u64) -> Self {
        DevFs { dev }
    }

    fn find(&self, path: &str) -> SysResult<Option<(usize, Entry)>> {
        if path.is_empty() {
            return Ok(None);
        }
        ENTRIES
            .iter()
            .position(|(name, _)| *name == path)
            .map(|i| Some((i, ENTRIES[i].1)))
            .ok_or_else(|| Error::new(Errno::ENOENT, format!("/dev/{path} does not exist")))
    }

    fn stat_of(&self, found: Option<(usize, Entry)>) -> Stat {
        let (kind, mode, size, ino) = match found {
            None => (FileType::Directory, 0o755, 0, 1),
            Some((i, Entry::Device(_))) => (FileType::CharDevice, 0o666, 0, i as u64 + 2),
            Some((i, Entry::Link(target))) => {
                (FileType::Symlink, 0o777, target.len() as u64, i as u64 + 2)
            }
        };
        Stat {
            kind,
            mode,
            size,
            nlink: if found.is_none() { 2 } else { 1 },
            ino,
            dev: self.dev,
        }
    }
}

fn read_only(path: &str) -> Error {
    Error::new(
        Errno::EPERM,
        format!("/dev/{path}: the entries of /dev are fixed"),
    )
}

impl FileSystem for DevFs {
    fn kind(&self) -> &'static str {
        "devfs"
    }

    fn lstat(&self, path: &str) -> SysResult<Stat> {
        Ok(self.stat_of(self.find(path)?))
    }

    fn readlink(&self, path: &str) -> SysResult<String> {
        match self.find(path)? {
            Some((_, Entry::Link(target))) => Ok(target.to_string()),
            _ => Err(Error::new(
                Errno::EINVAL,
                format!("/dev/{path} is not a symbolic link"),
            )),
        }
    }

    fn open(&self, path: &str, flags: OpenFlags, _mode: u32) -> SysResult<Node> {
        if flags.contains(OpenFlags::CREAT | OpenFlags::EXCL) {
            return Err(Error::new(Errno::EEXIST, format!("/dev/{path} exists")));
        }
        match self.find(path)? {
            None if flags.writable() => Err(Error::new(
                Errno::EISDIR,
                "/dev is a directory: it cannot be opened for writing",
            )),
            None => Ok(Node::Directory(self.stat_of(None))),
            Some((_, Entry::Device(device))) => Ok(Node::Device(device)),
            Some((_, Entry::Link(_))) => Err(Error::new(
                Errno::ELOOP,
                format!("/dev/{path} is a symbolic link"),
            )),
        }
    }

    fn mkdir(&self, path: &str, _mode: u32) -> SysResult<()> {
        Err(read_only(path))
    }

    fn mkfifo(&self, path: &str, _mode: u32) -> SysResult<()> {
        Err(read_only(path))
    }

    fn symlink(&self, _target: &str, path: &str) -> SysResult<()> {
        Err(read_only(path))
    }

    fn unlink(&self, path: &str) -> SysResult<()> {
        Err(read_only(path))
    }

    fn rmdir(&self, path: &str) -> SysResult<()> {
        Err(read_only(path))
    }

    fn rename(&self, from: &str, _to: &str) -> SysResult<()> {
        Err(read_only(from))
    }

    fn readdir(&self, path: &str) -> SysResult<Vec<DirEntry>> {
        if !path.is_empty() {
            self.find(path)?;
            return Err(Error::new(
                Errno::ENOTDIR,
                format!("/dev/{path} is not a directory"),
            ));
        }
        Ok(ENTRIES
            .iter()
            .enumerate()
            .map(|(i, (name, entry))| DirEntry {
                name: name.to_string(),
                kind: self.stat_of(Some((i, *entry))).kind,
                ino: i as u64 + 2,
            })
            .collect())
    }

    fn chmod(&self, path: &str, _mode: u32) -> SysResult<()> {
        Err(read_only(path))
    }
}
