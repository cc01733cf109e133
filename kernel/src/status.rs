//! Exit statuses, and what a program may return.

use std::fmt;
use std::sync::Arc;

use vproc_ipc::Signal;

/// How a process ended, as `waitpid` reports it.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum ExitStatus {
    /// It exited with this code (0..=255: the low 8 bits of what it passed, as on Unix).
    Exited(u8),
    /// A signal killed it.
    Signaled {
        /// The signal.
        signal: Signal,
        /// Whether the default action dumps core (signal(7)); no file is written.
        core_dumped: bool,
    },
    /// Its program panicked; the kernel contained the panic. Carries the panic message.
    Panicked(Arc<str>),
    /// It was stopped by this signal (reported only by `waitpid` with `UNTRACED`; the
    /// process lives on).
    Stopped(Signal),
    /// It was continued by SIGCONT (reported only by `waitpid` with `CONTINUED`).
    Continued,
}

impl ExitStatus {
    /// Whether it exited with code 0.
    pub fn success(&self) -> bool {
        matches!(self, ExitStatus::Exited(0))
    }

    /// The exit code, if it exited normally (`WEXITSTATUS`).
    pub fn code(&self) -> Option<u8> {
        match self {
            ExitStatus::Exited(code) => Some(*code),
            _ => None,
        }
    }

    /// The status as a shell shows it in `$?`: the code, or 128 + the signal number; a
    /// contained panic counts as SIGABRT (134), which is what an aborting Rust program
    /// gives.
    pub fn shell_code(&self) -> i32 {
        match self {
            ExitStatus::Exited(code) => i32::from(*code),
            ExitStatus::Signaled { signal, .. } => 128 + signal.number(),
            ExitStatus::Panicked(_) => 128 + Signal::SIGABRT.number(),
            ExitStatus::Stopped(signal) => 128 + signal.number(),
            ExitStatus::Continued => 0,
        }
    }
}

impl fmt::Display for ExitStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ExitStatus::Exited(code) => write!(f, "exited with code {code}"),
            ExitStatus::Signaled {
                signal,
                core_dumped,
            } => {
                write!(f, "killed by {signal}")?;
                if *core_dumped {
                    f.write_str(" (core dumped)")?;
                }
                Ok(())
            }
            ExitStatus::Panicked(message) => write!(f, "panicked: {message}"),
            ExitStatus::Stopped(signal) => write!(f, "stopped by {signal}"),
            ExitStatus::Continued => f.write_str("continued"),
        }
    }
}

/// What a program's `async fn` may return; it becomes the exit code.
///
/// `()` is 0; an integer is its low 8 bits, as `exit(3)` takes them; `Ok` is its value's
/// code and `Err` is 1.
pub trait ExitValue {
    /// The exit code this value stands for.
    fn exit_code(self) -> u8;
}

impl ExitValue for () {
    fn exit_code(self) -> u8 {
        0
    }
}

impl ExitValue for u8 {
    fn exit_code(self) -> u8 {
        self
    }
}

impl ExitValue for i32 {
    fn exit_code(self) -> u8 {
        (self & 0xff) as u8
    }
}

/// Names the never type `!` on stable Rust, where it cannot be written: the output of a
/// `fn() -> !`.
pub trait FnOutput {
    /// The function's return type.
    type Output;
}

impl<T> FnOutput for fn() -> T {
    type Output = T;
}

/// The never type `!`: what an endless `async` block returns in edition 2024.
pub type Never = <fn() -> ! as FnOutput>::Output;

/// A program that never returns (`async move { loop { … } }`) needs no exit code.
impl ExitValue for Never {
    fn exit_code(self) -> u8 {
        self
    }
}

impl<T: ExitValue, E> ExitValue for Result<T, E> {
    fn exit_code(self) -> u8 {
        match self {
            Ok(value) => value.exit_code(),
            Err(_) => 1,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exit_codes_keep_the_low_byte() {
        assert_eq!(256.exit_code(), 0);
        assert_eq!((-1).exit_code(), 255);
        assert_eq!(Ok::<_, ()>(3u8).exit_code(), 3);
        assert_eq!(Err::<(), _>("no").exit_code(), 1);
    }

    #[test]
    fn shell_codes() {
        let killed = ExitStatus::Signaled {
            signal: Signal::SIGKILL,
            core_dumped: false,
        };
        assert_eq!(killed.shell_code(), 137);
        assert_eq!(killed.to_string(), "killed by SIGKILL");
        assert_eq!(ExitStatus::Panicked("x".into()).shell_code(), 134);
        assert!(ExitStatus::Exited(0).success());
    }
}
