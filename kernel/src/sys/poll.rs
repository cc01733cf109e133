//! `poll`: waiting for the first of several descriptors to be ready, or a timeout.

use vproc_ipc::{PollEvents, Watch};
use vproc_sched::Tick;

use crate::fd::{FileObject, OpenFile};
use crate::proc::interrupted as interrupted_call;
use crate::process::Action;
use crate::{PollFd, Proc, SysResult};

/// What an open file is ready for now. Files and devices never block: always readable
/// and writable, as on Linux. (A terminal's readiness is taken with its waker.)
fn readiness(file: &OpenFile) -> PollEvents {
    match &file.object {
        FileObject::PipeRead(r) => r.readiness(),
        FileObject::PipeWrite(w) => w.readiness(),
        FileObject::PipeBoth(r, w) => r.readiness() | w.readiness(),
        _ => PollEvents::POLLIN | PollEvents::POLLOUT,
    }
}

impl Proc {
    /// Waits until one of `fds` is ready for what it asks (`POLLIN`, `POLLOUT`), or has
    /// `POLLHUP` / `POLLERR` (always reported), or `timeout` ticks pass (`None`: no
    /// limit; `Some(0)`: do not wait). Sets each entry's `revents` and returns how many
    /// entries have some; 0 on timeout. A descriptor that is not open gets `POLLNVAL`.
    ///
    /// A signal handler that runs while it waits makes it fail with EINTR, with or
    /// without `SA_RESTART` (poll is never restarted, as on Linux).
    pub async fn poll(&self, fds: &mut [PollFd], timeout: Option<Tick>) -> SysResult<usize> {
        let deadline = self.global(|core| timeout.map(|t| core.now.saturating_add(t)));
        let mut watches: Vec<Watch> = Vec::new();
        let mut first = true;
        std::future::poll_fn(|cx| {
            watches.clear();
            let mut core = self.core.borrow_mut();
            let slot = self.live_slot(&core)?;
            let interrupted = core.interruption(slot, &mut first).is_some();
            let table = &core.table.get(slot).fds;
            let mut ready = 0;
            for entry in fds.iter_mut() {
                entry.revents = match table.get(entry.fd) {
                    Err(_) => PollEvents::POLLNVAL,
                    Ok(e) => {
                        // Watch first, then look: a change in between still wakes us.
                        match &e.file.object {
                            FileObject::PipeRead(r) => watches.push(r.watch(cx.waker())),
                            FileObject::PipeWrite(w) => watches.push(w.watch(cx.waker())),
                            FileObject::PipeBoth(r, _) => watches.push(r.watch(cx.waker())),
                            FileObject::Tty(tty) => {
                                let always = PollEvents::POLLHUP | PollEvents::POLLERR;
                                entry.revents = tty.readiness(cx.waker()) & (entry.events | always);
                                if !entry.revents.is_empty() {
                                    ready += 1;
                                }
                                continue;
                            }
                            _ => {}
                        }
                        let always = PollEvents::POLLHUP | PollEvents::POLLERR;
                        readiness(&e.file) & (entry.events | always)
                    }
                };
                if !entry.revents.is_empty() {
                    ready += 1;
                }
            }
            if ready > 0 {
                watches.clear();
                return std::task::Poll::Ready(Ok(ready));
            }
            if interrupted {
                watches.clear();
                return std::task::Poll::Ready(Err(interrupted_call("poll")));
            }
            if deadline.is_some_and(|d| core.now >= d) {
                watches.clear();
                return std::task::Poll::Ready(Ok(0));
            }
            core.action.set(Action::Poll(deadline.unwrap_or(Tick::MAX)));
            std::task::Poll::Pending
        })
        .await
    }
}
