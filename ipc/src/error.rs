//! Error numbers shared by the vproc crates, and the error type of vproc-ipc.

use std::fmt;

use thiserror::Error;

macro_rules! errnos {
    ($($name:ident = $num:literal, $text:literal;)*) => {
        /// A POSIX error number, with Linux's numbering.
        #[allow(clippy::upper_case_acronyms)]
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum Errno {
            $(
                #[doc = concat!($text, ".")]
                $name = $num,
            )*
        }

        impl Errno {
            /// The description `strerror` gives.
            pub fn description(self) -> &'static str {
                match self {
                    $(Errno::$name => $text,)*
                }
            }

            /// The symbolic name, such as `"ESRCH"`.
            pub fn name(self) -> &'static str {
                match self {
                    $(Errno::$name => stringify!($name),)*
                }
            }
        }
    };
}

errnos! {
    EPERM = 1, "Operation not permitted";
    ENOENT = 2, "No such file or directory";
    ESRCH = 3, "No such process";
    EINTR = 4, "Interrupted system call";
    EIO = 5, "Input/output error";
    ENXIO = 6, "No such device or address";
    E2BIG = 7, "Argument list too long";
    EBADF = 9, "Bad file descriptor";
    ECHILD = 10, "No child processes";
    EAGAIN = 11, "Resource temporarily unavailable";
    ENOMEM = 12, "Cannot allocate memory";
    EACCES = 13, "Permission denied";
    EFAULT = 14, "Bad address";
    EBUSY = 16, "Device or resource busy";
    EEXIST = 17, "File exists";
    EXDEV = 18, "Invalid cross-device link";
    ENOTDIR = 20, "Not a directory";
    EISDIR = 21, "Is a directory";
    EINVAL = 22, "Invalid argument";
    ENFILE = 23, "Too many open files in system";
    EMFILE = 24, "Too many open files";
    ENOTTY = 25, "Inappropriate ioctl for device";
    EFBIG = 27, "File too large";
    ENOSPC = 28, "No space left on device";
    ESPIPE = 29, "Illegal seek";
    EROFS = 30, "Read-only file system";
    EPIPE = 32, "Broken pipe";
    ERANGE = 34, "Numerical result out of range";
    EDEADLK = 35, "Resource deadlock avoided";
    ENAMETOOLONG = 36, "File name too long";
    ENOSYS = 38, "Function not implemented";
    ENOTEMPTY = 39, "Directory not empty";
    ELOOP = 40, "Too many levels of symbolic links";
    EMSGSIZE = 90, "Message too long";
    ENOTSUP = 95, "Operation not supported";
    ESHUTDOWN = 108, "Cannot send after transport endpoint shutdown";
    ETIMEDOUT = 110, "Connection timed out";
    ENOTRECOVERABLE = 131, "State not recoverable";
}

impl Errno {
    /// The number, as `errno` holds it.
    pub fn number(self) -> i32 {
        self as i32
    }
}

impl fmt::Display for Errno {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// An error from an IPC object: an [`Errno`] and a message that says what went wrong.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("{errno}: {message}")]
pub struct IpcError {
    /// The POSIX error number.
    pub errno: Errno,
    /// What went wrong, for a person.
    pub message: String,
}

impl IpcError {
    /// An error with this number and message.
    pub fn new(errno: Errno, message: impl Into<String>) -> Self {
        IpcError {
            errno,
            message: message.into(),
        }
    }
}
