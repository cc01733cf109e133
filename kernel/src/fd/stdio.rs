//! How a spawned child's standard streams are chosen, and what the parent gets back.

use vproc_ipc::{PipeReader, PipeWriter};

use super::Fd;
use crate::Pid;

/// What a child's standard stream (0, 1 or 2) is, as [`Command::stdin`](crate::Command::stdin)
/// and its siblings choose it.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Stdio {
    /// The parent's descriptor of the same number, if open (as a spawned Unix process).
    #[default]
    Inherit,
    /// A duplicate of this descriptor of the parent.
    Fd(Fd),
    /// A new pipe: the child gets one end, the parent the other (see [`Child`]).
    Piped,
    /// `/dev/null`.
    Null,
    /// The virtual terminal of this number, opened for reading and writing (one open
    /// file for all the streams that name it). A child that starts a new session with
    /// it makes it the session's controlling terminal, as a session leader opening a
    /// terminal does on Linux. ENXIO for a terminal that does not exist.
    Tty(crate::TtyId),
}

/// A child started by [`Proc::spawn_child`](crate::Proc::spawn_child): its pid and the
/// parent's ends of the streams that were [`Stdio::Piped`] (close-on-exec, so that later
/// children do not hold them).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Child {
    /// The child's pid.
    pub pid: Pid,
    /// The write end of the child's standard input.
    pub stdin: Option<Fd>,
    /// The read end of the child's standard output.
    pub stdout: Option<Fd>,
    /// The read end of the child's standard error.
    pub stderr: Option<Fd>,
}

/// A child started by [`Kernel::spawn_child`](crate::Kernel::spawn_child): its pid and the
/// host's ends of the streams that were [`Stdio::Piped`].
#[derive(Debug)]
pub struct HostChild {
    /// The child's pid.
    pub pid: Pid,
    /// The write end of the child's standard input.
    pub stdin: Option<PipeWriter>,
    /// The read end of the child's standard output.
    pub stdout: Option<PipeReader>,
    /// The read end of the child's standard error.
    pub stderr: Option<PipeReader>,
}
