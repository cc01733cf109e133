//! Inter-process communication objects for vproc.
//!
//! Everything here is usable on its own, without a kernel: objects that can make a caller
//! wait are woken through std [`Waker`](std::task::Waker)s, so any executor can drive them.
//! The kernel (`vproc-kernel`) gives them to virtual processes.
//!
//! - [`Signal`] numbers and names as on Linux, and [`SigSet`], a set of signals.
//! - [`pipe`]: a bounded byte stream with POSIX/Linux semantics (PIPE_BUF atomicity, end
//!   of file, EPIPE, O_NONBLOCK's EAGAIN, F_SETPIPE_SZ), moving [`Bytes`](bytes::Bytes)
//!   without copying them, with blocking [`Read`]/[`Write`] futures served in FIFO order
//!   and [`PollEvents`] readiness with [`Watch`]es for `poll`.
//! - [`Fifo`]: a named pipe, with the open rendezvous of readers and writers.
//!
//! ```
//! use vproc_ipc::{SigSet, Signal};
//!
//! let term: Signal = "TERM".parse()?;
//! assert_eq!(term, Signal::SIGTERM);
//! assert_eq!("15".parse::<Signal>()?, term);
//! assert_eq!(term.to_string(), "SIGTERM");
//!
//! let mut blocked = SigSet::empty();
//! blocked.insert_signal(Signal::SIGINT);
//! assert!(blocked.contains_signal(Signal::SIGINT));
//! assert!(!blocked.contains_signal(term));
//! # Ok::<(), vproc_ipc::IpcError>(())
//! ```
//!
//! A pipe, without waiting:
//!
//! ```
//! use bytes::Bytes;
//! use vproc_ipc::{Errno, PollEvents, pipe};
//!
//! let (reader, writer) = pipe();
//! assert_eq!(writer.try_write(Bytes::from_static(b"hello"))?, 5);
//! assert!(reader.readiness().contains(PollEvents::POLLIN));
//! assert_eq!(reader.try_read(100)?, "hello");
//! assert_eq!(reader.try_read(100).unwrap_err().errno, Errno::EAGAIN);
//!
//! drop(writer);
//! assert_eq!(reader.try_read(100)?, ""); // end of file
//! assert!(reader.readiness().contains(PollEvents::POLLHUP));
//! # Ok::<(), vproc_ipc::IpcError>(())
//! ```

#![warn(missing_docs)]

mod error;
mod fifo;
mod pipe;
mod poll;
mod signal;

pub use error::{Errno, IpcError};
pub use fifo::{Fifo, OpenRead, OpenWrite};
pub use pipe::{
    PIPE_BUF, PIPE_DEFAULT_CAPACITY, PIPE_MAX_CAPACITY, PIPE_MIN_CAPACITY, PipeReader, PipeWriter,
    Read, Watch, Write, pipe,
};
pub use poll::PollEvents;
pub use signal::{DefaultAction, SigSet, Signal};
