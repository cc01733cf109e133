//! File descriptors: their numbers, each process's table, the open file descriptions
//! they point at, and how a child's standard streams are chosen.

mod census;
mod file;
mod stdio;
mod table;

use std::fmt;

use bitflags::bitflags;

pub(crate) use census::{Census, PipeToken};
pub(crate) use file::{FileObject, OpenFile};
pub use stdio::{Child, HostChild, Stdio};
pub(crate) use table::FdTable;
pub use table::OPEN_MAX;

/// A file descriptor: a small number naming an open file in one process.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Fd(pub u32);

impl Fd {
    /// Standard input, 0.
    pub const STDIN: Fd = Fd(0);
    /// Standard output, 1.
    pub const STDOUT: Fd = Fd(1);
    /// Standard error, 2.
    pub const STDERR: Fd = Fd(2);
}

impl fmt::Display for Fd {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

bitflags! {
    /// Flags of a descriptor itself (not of the open file it shares), as `F_GETFD` gives.
    #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
    pub struct FdFlags: u32 {
        /// Close the descriptor in a spawned child (`FD_CLOEXEC`).
        const CLOEXEC = 1;
    }
}

/// A command of [`Proc::fcntl`](crate::Proc::fcntl).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Fcntl {
    /// `F_DUPFD`: a duplicate at the lowest free number ≥ the one given.
    DupFd(Fd),
    /// `F_DUPFD_CLOEXEC`: as `DupFd`, with close-on-exec set.
    DupFdCloexec(Fd),
    /// `F_GETFD`: the descriptor's flags.
    GetFd,
    /// `F_SETFD`: sets the descriptor's flags.
    SetFd(FdFlags),
    /// `F_GETFL`: the open file's access mode and status flags.
    GetFl,
    /// `F_SETFL`: sets `APPEND` and `NONBLOCK` (other bits are ignored, as on Linux).
    SetFl(crate::OpenFlags),
    /// `F_GETPIPE_SZ`: a pipe's capacity.
    GetPipeSize,
    /// `F_SETPIPE_SZ`: sets a pipe's capacity (rounded up to a power of two).
    SetPipeSize(usize),
}

/// Where `lseek` counts from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Whence {
    /// `SEEK_SET`: from the start.
    Set,
    /// `SEEK_CUR`: from the present offset.
    Cur,
    /// `SEEK_END`: from the end of the file.
    End,
}

/// One entry of [`Proc::poll`](crate::Proc::poll): a descriptor, the events asked for,
/// and (filled in) the events that happened.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PollFd {
    /// The descriptor.
    pub fd: Fd,
    /// What to watch for (`POLLIN`, `POLLOUT`; `POLLHUP`, `POLLERR` and `POLLNVAL` are
    /// always reported).
    pub events: vproc_ipc::PollEvents,
    /// What happened, set by `poll`.
    pub revents: vproc_ipc::PollEvents,
}

impl PollFd {
    /// Watches `fd` for `events`.
    pub fn new(fd: Fd, events: vproc_ipc::PollEvents) -> Self {
        PollFd {
            fd,
            events,
            revents: vproc_ipc::PollEvents::empty(),
        }
    }
}
