//! Inter-process communication objects for vproc.
//!
//! Everything here is usable on its own, without a kernel: objects that can make a caller
//! wait are woken through std [`Waker`](std::task::Waker)s, so any executor can drive them.
//! The kernel (`vproc-kernel`) gives them to virtual processes.
//!
//! Now here: [`Signal`] numbers and names as on Linux, and [`SigSet`], a set of signals.
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

#![warn(missing_docs)]

mod error;
mod fifo;
mod pipe;
mod poll;
mod signal;

pub use error::{Errno, IpcError};
pub use fifo::{Fifo, OpenRead, OpenWrite};
pub use pipe::{
    PIPE_BUF, PIPE_DEFAULT_CAPACITY, PIPE_MAX_CAPACITY, PipeReader, PipeWriter, Read, Watch, Write,
    pipe,
};
pub use poll::PollEvents;
pub use signal::{DefaultAction, SigSet, Signal};
