//! The kernel's error type.

use thiserror::Error;
use vproc_ipc::{Errno, IpcError};

use crate::{Pid, ProcState};

/// What a system call or the kernel reports when something goes wrong.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum Error {
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
        Error::Sys {
            errno,
            message: message.into(),
        }
    }

    /// The POSIX error number (`ENOTRECOVERABLE` for a kernel bug).
    pub fn errno(&self) -> Errno {
        match self {
            Error::Sys { errno, .. } => *errno,
            Error::IllegalTransition { .. } => Errno::ENOTRECOVERABLE,
        }
    }
}

impl From<IpcError> for Error {
    fn from(e: IpcError) -> Self {
        Error::Sys {
            errno: e.errno,
            message: e.message,
        }
    }
}

/// The result of a system call.
pub type SysResult<T> = Result<T, Error>;
