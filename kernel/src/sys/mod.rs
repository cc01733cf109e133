//! The system calls on descriptors and files, as further `impl Proc` blocks: one file per
//! group (descriptors, reading and writing, paths, poll, spawning with streams).

mod fd;
mod fs;
mod io;
mod pgrp;
mod poll;
mod signal;
mod spawn;
mod tty;

pub use signal::{KillTarget, SigHow, SignalStream};

use std::future::Future;
use std::pin::pin;
use std::rc::Rc;
use std::task::Poll;

use crate::fd::OpenFile;
use crate::proc::interrupted;
use crate::process::Action;
use crate::{Error, Fd, Proc, SysResult, WaitOn};

/// The call a process blocked `on` is in, for messages.
fn call_name(on: WaitOn) -> &'static str {
    match on {
        WaitOn::Read => "read",
        WaitOn::Write => "write",
        WaitOn::Open => "open",
        WaitOn::Poll => "poll",
        WaitOn::Signal => "sigsuspend",
        _ => "the call",
    }
}

impl Proc {
    /// The open file of `fd` (charging the call). EBADF when it is not open.
    pub(crate) fn file(&self, fd: Fd) -> SysResult<Rc<OpenFile>> {
        self.syscall(|core, slot| Ok(core.table.get(slot).fds.get(fd)?.file.clone()))
    }

    /// Awaits `future`, telling the kernel that the process waits `on` it whenever it is
    /// pending (the future holds the process's waker).
    ///
    /// A signal handler that runs while it waits makes the call fail with EINTR, or go on
    /// waiting if the handler has `SA_RESTART`; a call that can complete does.
    pub(crate) async fn block_on<T, E, F>(&self, on: WaitOn, future: F) -> SysResult<T>
    where
        F: Future<Output = Result<T, E>>,
        Error: From<E>,
    {
        let mut future = pin!(future);
        let mut first = true;
        std::future::poll_fn(|cx| {
            let polled = future.as_mut().poll(cx);
            let mut core = self.core.borrow_mut();
            let interrupt = self.interruption(&mut core, &mut first);
            match polled {
                Poll::Ready(out) => Poll::Ready(out.map_err(Error::from)),
                Poll::Pending if interrupt == Some(false) => {
                    Poll::Ready(Err(interrupted(call_name(on))))
                }
                Poll::Pending => {
                    core.action.set(Action::Block(on));
                    Poll::Pending
                }
            }
        })
        .await
    }
}
