//! The system calls on descriptors and files, as further `impl Proc` blocks: one file per
//! group (descriptors, reading and writing, paths, poll, spawning with streams).

mod fd;
mod fs;
mod io;
mod poll;
mod spawn;

use std::future::Future;
use std::pin::pin;
use std::rc::Rc;
use std::task::Poll;

use crate::fd::OpenFile;
use crate::process::Action;
use crate::{Fd, Proc, SysResult, WaitOn};

impl Proc {
    /// The open file of `fd` (charging the call). EBADF when it is not open.
    pub(crate) fn file(&self, fd: Fd) -> SysResult<Rc<OpenFile>> {
        self.syscall(|core, slot| Ok(core.table.get(slot).fds.get(fd)?.file.clone()))
    }

    /// Awaits `future`, telling the kernel that the process waits `on` it whenever it is
    /// pending (the future holds the process's waker).
    pub(crate) async fn block_on<F: Future>(&self, on: WaitOn, future: F) -> F::Output {
        let mut future = pin!(future);
        std::future::poll_fn(|cx| match future.as_mut().poll(cx) {
            Poll::Ready(out) => Poll::Ready(out),
            Poll::Pending => {
                self.core.borrow_mut().action.set(Action::Block(on));
                Poll::Pending
            }
        })
        .await
    }
}
