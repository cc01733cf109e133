//! The error type of vproc-ipc.

use thiserror::Error;

/// An error from an IPC object, named after its POSIX errno.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum IpcError {
    /// Invalid argument.
    #[error("EINVAL: {0}")]
    Einval(String),
}
