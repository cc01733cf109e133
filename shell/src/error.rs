//! The error type of vproc-shell.

use thiserror::Error;
use vproc_kernel::Errno;

/// What went wrong with a command line: an [`Errno`] and a message for the user.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("{errno}: {message}")]
pub struct ShellError {
    /// The POSIX error number (EINVAL for a syntax error).
    pub errno: Errno,
    /// What went wrong, for a person.
    pub message: String,
}

impl ShellError {
    /// A syntax error in a command line.
    pub fn syntax(message: impl Into<String>) -> Self {
        ShellError {
            errno: Errno::EINVAL,
            message: message.into(),
        }
    }
}
