//! The vproc kernel: virtual processes on a cooperative priority scheduler.
//!
//! A program is an `async` function that takes a [`Proc`] and makes every system call
//! through it. The [`Kernel`] owns the processes' futures and polls one at a time on the
//! thread that calls [`Kernel::run`]; a process runs until it awaits a call that blocks, or
//! yields. At every switch the kernel asks its [`Policy`](vproc_sched::Policy) which ready
//! process runs next. Time is counted in ticks of a virtual clock, so the same program
//! gives the same schedule every time.
//!
//! ```
//! use vproc_kernel::{Command, ExitStatus, Kernel, Stop};
//!
//! let mut kernel = Kernel::new();
//! let parent = kernel.spawn_fn(Command::new("parent"), |p| async move {
//!     let child = p.spawn_fn(Command::new("child"), |c| async move {
//!         c.compute(50).await; // a CPU burst of 50 ticks
//!         7
//!     })?;
//!     let (pid, status) = p.wait().await?;
//!     assert_eq!((pid, status), (child, ExitStatus::Exited(7)));
//!     Ok::<_, vproc_kernel::Error>(())
//! })?;
//!
//! assert_eq!(kernel.run()?, Stop::AllExited);
//! assert_eq!(kernel.exit_status(parent)?, Some(ExitStatus::Exited(0)));
//! # Ok::<(), vproc_kernel::Error>(())
//! ```
//!
//! Descriptors, pipes and files work as on Unix; a child's standard streams are chosen
//! per stream with [`Stdio`]:
//!
//! ```
//! use vproc_kernel::{Command, Fd, Kernel, OpenFlags, Stdio};
//!
//! let mut kernel = Kernel::new();
//! let child = kernel.spawn_fn_child(Command::new("sh").stdout(Stdio::Piped), |p| async move {
//!     let log = p.open("/tmp/log", OpenFlags::RDWR | OpenFlags::CREAT, 0o644).await?;
//!     p.write(log, b"kept in /tmp").await?;
//!     p.write(Fd::STDOUT, b"hello\n").await?;
//!     p.close(log)
//! })?;
//! kernel.run()?;
//! let out = child.stdout.expect("piped").try_read(64)?;
//! assert_eq!(&out[..], b"hello\n");
//! assert_eq!(kernel.live_objects().descriptors, 0, "closed when the process ended");
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! Signals run handlers in the receiving process's context:
//!
//! ```
//! use std::cell::Cell;
//! use std::rc::Rc;
//! use vproc_kernel::{Command, Kernel, SigAction, Signal};
//!
//! let mut kernel = Kernel::new();
//! let pid = kernel.spawn_fn(Command::new("catcher"), |p| async move {
//!     let caught = Rc::new(Cell::new(0));
//!     let count = caught.clone();
//!     p.sigaction(Signal::SIGUSR1, SigAction::handler(move |_, _| count.set(count.get() + 1)))?;
//!     p.raise(Signal::SIGUSR1).await?; // the handler has run when raise returns
//!     assert_eq!(caught.get(), 1);
//!     Ok::<_, vproc_kernel::Error>(())
//! })?;
//! kernel.run()?;
//! assert!(kernel.exit_status(pid)?.is_some_and(|s| s.success()));
//! # Ok::<(), vproc_kernel::Error>(())
//! ```
//!
//! What exists: spawning by closure or registered name through [`Command`]; pids as on
//! Unix, with init (pid 1) adopting and reaping orphans; `wait`/`waitpid`, zombies and
//! reaping; sleep, yield and simulated CPU bursts on a virtual or real-time clock; nice
//! values; a checked state machine whose transitions are published as [`Event`]s;
//! contained panics; deadlock reports; signals (dispositions, handlers, masks, EINTR,
//! stop and continue, SIGCHLD), process groups and sessions; descriptor
//! tables, pipes, FIFOs, `poll`, and a filesystem of mounts (in-memory, host directories,
//! /dev, /proc); virtual terminals ([`Kernel::open_tty`]) with a line discipline and job
//! control (a session's controlling terminal, its foreground group, `tcsetpgrp`,
//! SIGINT/SIGTSTP from the keyboard, SIGTTIN/SIGTTOU for the background); and a
//! [`KernelHandle`] for other threads.

#![warn(missing_docs)]

mod arrival;
mod command;
mod core;
mod deadlock;
mod error;
mod event;
mod fd;
mod handle;
mod kernel;
mod look_ahead;
mod open_flags;
mod path;
mod pid;
mod prefetch;
mod proc;
mod process;
mod program;
mod ps;
mod schedstat;
mod signal;
pub mod sim;
mod state;
mod status;
mod sys;
mod table;
mod timers;
mod tty;
mod vfs;
mod waker;

pub use arrival::ArrivalFailure;
pub use command::Command;
pub use deadlock::DeadlockReport;
pub use error::{Error, ErrorKind, SysResult};
pub use event::{Event, EventKind};
pub use fd::{Child, Fcntl, Fd, FdFlags, HostChild, OPEN_MAX, PollFd, Stdio, Whence};
pub use handle::KernelHandle;
pub use kernel::{ClockMode, Kernel, KernelBuilder, LiveObjects, Stop};
pub use open_flags::OpenFlags;
pub use path::PATH_MAX;
pub use pid::{PID_MAX_LIMIT, Pid, RESERVED_PIDS};
pub use proc::{Compute, Exit, Proc, Sleep, Times, WaitFlags, WaitPid, YieldNow};
pub use ps::{ProcInfo, PsTable, PsTree};
pub use schedstat::{Dispatch, SchedStat};
pub use signal::{Disposition, SaFlags, SigAction, SigHandler};
pub use state::{ProcState, WaitFor, WaitOn};
pub use status::{ExitStatus, ExitValue, FnOutput, Never};
pub use sys::{KillTarget, SigHow, SignalStream};
pub use tty::{MAX_INPUT, MAX_OUTPUT, TtyHandle, TtyId, TtyMode};
pub use vfs::{DirEntry, FileType, SYMLOOP_MAX, Stat};
pub use vproc_ipc::{Errno, PollEvents, SigSet, Signal};
pub use vproc_sched::Tick;
