//! The walk to a directory to act in: one component at a time from the root, never
//! through a symbolic link.

use std::os::fd::{AsFd, BorrowedFd, OwnedFd};

use rustix::fs::{self as host, AtFlags, Mode, OFlags};
use rustix::io::Errno as HostErrno;
use vproc_ipc::Errno;

use super::HostFs;
use super::errno::{host_error, is_symlink};
use super::stat::host_kind;
use crate::vfs::FileType;
use crate::vfs::name::{components, fail, root_refused};
use crate::{Error, SysResult};

/// How a parent directory is opened on the walk: a directory, not through a link, and on
/// Linux as a bare path (`O_PATH`: search permission is enough, and nothing is read).
#[cfg(any(target_os = "linux", target_os = "android"))]
const WALK: OFlags = OFlags::PATH
    .union(OFlags::DIRECTORY)
    .union(OFlags::NOFOLLOW)
    .union(OFlags::CLOEXEC);
/// How a parent directory is opened on the walk: a directory, not through a link, and
/// without blocking whatever it turns out to be.
#[cfg(not(any(target_os = "linux", target_os = "android")))]
const WALK: OFlags = OFlags::RDONLY
    .union(OFlags::DIRECTORY)
    .union(OFlags::NOFOLLOW)
    .union(OFlags::CLOEXEC)
    .union(OFlags::NONBLOCK);

/// A directory to act in: the root, or one opened on the walk.
pub(super) enum At<'a> {
    Root(BorrowedFd<'a>),
    Dir(OwnedFd),
}

impl AsFd for At<'_> {
    fn as_fd(&self) -> BorrowedFd<'_> {
        match self {
            At::Root(fd) => *fd,
            At::Dir(fd) => fd.as_fd(),
        }
    }
}

impl HostFs {
    /// The directory named by `comps` below the root, opened without following links.
    fn walk(&self, comps: &[&str], op: &str, path: &str) -> SysResult<At<'_>> {
        let mut at = At::Root(self.root.as_fd());
        for (i, name) in comps.iter().enumerate() {
            match host::openat(&at, *name, WALK, Mode::empty()) {
                Ok(fd) => at = At::Dir(fd),
                Err(e) => {
                    let prefix = comps[..=i].join("/");
                    return Err(walk_error(&at, name, e, op, path, &prefix));
                }
            }
        }
        Ok(at)
    }

    /// The parent directory of `path` and its last name; `None` for the root.
    pub(super) fn parent<'p>(
        &self,
        op: &str,
        path: &'p str,
    ) -> SysResult<Option<(At<'_>, &'p str)>> {
        let comps = components(op, path)?;
        let Some((last, parents)) = comps.split_last() else {
            return Ok(None);
        };
        Ok(Some((self.walk(parents, op, path)?, *last)))
    }

    /// Like [`parent`](Self::parent), with `root_errno` for the root.
    pub(super) fn parent_not_root<'p>(
        &self,
        op: &str,
        path: &'p str,
        root_errno: Errno,
    ) -> SysResult<(At<'_>, &'p str)> {
        self.parent(op, path)?
            .ok_or_else(|| root_refused(root_errno, op, path))
    }
}

/// The error of opening `name` in `at` as a directory (on the walk, or to read it). A
/// symbolic link is ELOOP, whatever the host said (Linux says ENOTDIR with `O_DIRECTORY`,
/// FreeBSD EMLINK).
pub(super) fn walk_error(
    at: &At<'_>,
    name: &str,
    e: HostErrno,
    op: &str,
    path: &str,
    which: &str,
) -> Error {
    if e != HostErrno::NOENT
        && let Ok(st) = host::statat(at, name, AtFlags::SYMLINK_NOFOLLOW)
        && host_kind(&st) == FileType::Symlink
    {
        return is_symlink(op, path, which);
    }
    match e {
        HostErrno::NOENT => fail(
            Errno::ENOENT,
            op,
            path,
            format_args!("{which} does not exist"),
        ),
        HostErrno::NOTDIR => fail(
            Errno::ENOTDIR,
            op,
            path,
            format_args!("{which} is not a directory"),
        ),
        e => host_error(e, op, path),
    }
}
