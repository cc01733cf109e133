//! The kernel's error type.

use thiserror::Error;
use vproc_ipc::{Errno, IpcError};

use crate::{Pid, ProcState};

/// What a system call or the kernel reports when something goes wrong: see
/// [`kind`](Error::kind) and [`errno`](Error::errno).
///
/// One pointer wide, so that a `SysResult<Pid>` comes back in registers on the hot paths.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("{0}")]
pub struct Error(Box<ErrorKind>);

/// The two kinds of [`Error`](struct@Error).
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum ErrorKind {
    /// A system call failed: a POSIX error number and what went wrong.
    #[error("{errno}: {message}")]
    Sys {
        /// The POSIX error number.
        errno: Errno,
        /// What went wrong, for a person.
        message: String,
    },
    /// A kernel bug: a process was about to make a transition its state does not allow.
    /// The transition was not applied.
    #[error("kernel bug: illegal transition of pid {pid} from {from} to {to}")]
    IllegalTransition {
        /// The process.
        pid: Pid,
        /// Its state.
        from: ProcState,
        /// The state it was asked to enter.
        to: ProcState,
    },
}

impl Error {
    /// A system call error.
    pub fn new(errno: Errno, message: impl Into<String>) -> Self {
        Error(Box::new(ErrorKind::Sys {
            errno,
            message: message.into(),
        }))
    }

    /// The kernel bug of an illegal transition.
    pub(crate) fn illegal_transition(pid: Pid, from: ProcState, to: ProcState) -> Self {
        Error(Box::new(ErrorKind::IllegalTransition { pid, from, to }))
    }

    /// What kind of error it is.
    pub fn kind(&self) -> &ErrorKind {
        &self.0
    }

    /// The POSIX error number (`ENOTRECOVERABLE` for a kernel bug).
    pub fn errno(&self) -> Errno {
        match *self.0 {
            ErrorKind::Sys { errno, .. } => errno,
            ErrorKind::IllegalTransition { .. } => Errno::ENOTRECOVERABLE,
        }
    }

    /// Whether this is a kernel bug rather than a failed system call.
    pub fn is_kernel_bug(&self) -> bool {
        matches!(*self.0, ErrorKind::IllegalTransition { .. })
    }
}

impl From<IpcError> for Error {
    fn from(e: IpcError) -> Self {
        Error::new(e.errno, e.message)
    }
}

/// The result of a system call.
pub type SysResult<T> = Result<T, Error>;
