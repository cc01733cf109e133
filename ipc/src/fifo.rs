//! Named pipes: the rendezvous of openers, then a pipe.
//!
//! As on Linux, a FIFO holds no pipe until it is opened; the pipe lives while any end of it
//! is open, and when the last end closes its data is discarded: the next open makes a
//! fresh pipe. The open-end counts live in the pipe itself (a [`PipeReader`] or
//! [`PipeWriter`] closing is all the FIFO needs to know), together with Linux's
//! `r_counter`/`w_counter`: how many read and write opens the pipe has seen. An opener
//! that waits for its partner waits for the partner's counter to move, so it is released
//! even when the partner opened and closed again before it looked.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Weak};
use std::task::{Context, Poll, Waker};

use parking_lot::Mutex;

use crate::pipe::shared::{OpenWaiters, State};
use crate::pipe::{Shared, WakeList};
use crate::{Errno, IpcError, PipeReader, PipeWriter};

/// A FIFO as a filesystem node holds it. Clones are the same FIFO.
#[derive(Clone, Default)]
pub struct Fifo {
    /// The pipe of the current opening, if any end of it may still be open. Locked before
    /// the pipe's own lock whenever both are held.
    pipe: Arc<Mutex<Weak<Shared>>>,
}

impl Fifo {
    /// A FIFO nobody has opened.
    pub fn new() -> Self {
        Fifo::default()
    }

    /// Runs `f` on the pipe with an end open, or on a fresh one if there is none.
    fn with_pipe<R>(&self, f: impl FnOnce(&Arc<Shared>, &mut State) -> R) -> R {
        let mut slot = self.pipe.lock();
        if let Some(shared) = slot.upgrade() {
            let mut st = shared.lock();
            if !st.is_unused() {
                return f(&shared, &mut st);
            }
        }
        let shared = Arc::new(Shared::new());
        *slot = Arc::downgrade(&shared);
        let mut st = shared.lock();
        f(&shared, &mut st)
    }

    /// Opens the read end; waits for a writer unless `nonblock`.
    ///
    /// The open happens when this is called: the reader counts as open at once (as Linux
    /// counts a reader blocked in `open`), so a writer opening with `nonblock` succeeds.
    /// The future then waits until a writer has opened since, unless one is open already.
    /// With `nonblock` it is ready at once, and the end reads end of file while no writer
    /// is open (without reporting POLLHUP until a writer has come). Dropping the future
    /// before it completes closes the end again.
    pub fn open_read(&self, nonblock: bool) -> OpenRead {
        let mut wakes = WakeList::new();
        let (shared, writers, seen) = self.with_pipe(|shared, st| {
            st.r_counter += 1;
            st.add_reader(&mut wakes);
            st.open_writers.wake_all(&mut wakes);
            (shared.clone(), st.writers, st.w_counter)
        });
        wakes.wake();
        let opening = if writers > 0 {
            Opening::Ready(Ok(PipeReader::adopt(shared, None)))
        } else if nonblock {
            Opening::Ready(Ok(PipeReader::adopt(shared, Some(seen))))
        } else {
            Opening::Waiting(
                PipeReader::adopt(shared, None),
                Rendezvous { seen, ticket: None },
            )
        };
        OpenRead { opening }
    }

    /// Opens the write end; waits for a reader unless `nonblock` (then ENXIO).
    ///
    /// As for [`open_read`](Fifo::open_read), the writer counts as open from this call on,
    /// and dropping the future before it completes closes it again.
    pub fn open_write(&self, nonblock: bool) -> OpenWrite {
        let mut wakes = WakeList::new();
        let opened = self.with_pipe(|shared, st| {
            if nonblock && st.readers == 0 {
                return None;
            }
            st.w_counter += 1;
            st.add_writer(&mut wakes);
            st.open_readers.wake_all(&mut wakes);
            Some((shared.clone(), st.readers, st.r_counter))
        });
        wakes.wake();
        let opening = match opened {
            None => Opening::Ready(Err(IpcError::new(
                Errno::ENXIO,
                "no process has the FIFO open for reading",
            ))),
            Some((shared, readers, _)) if readers > 0 => {
                Opening::Ready(Ok(PipeWriter::adopt(shared)))
            }
            Some((shared, _, seen)) => {
                Opening::Waiting(PipeWriter::adopt(shared), Rendezvous { seen, ticket: None })
            }
        };
        OpenWrite { opening }
    }

    /// Opens both ends at once (O_RDWR), never waiting. Linux allows this on a FIFO; it
    /// releases openers waiting on either side.
    pub fn open_read_write(&self) -> (PipeReader, PipeWriter) {
        let mut wakes = WakeList::new();
        let shared = self.with_pipe(|shared, st| {
            st.r_counter += 1;
            st.w_counter += 1;
            st.add_reader(&mut wakes);
            st.add_writer(&mut wakes);
            st.open_readers.wake_all(&mut wakes);
            st.open_writers.wake_all(&mut wakes);
            shared.clone()
        });
        wakes.wake();
        (
            PipeReader::adopt(shared.clone(), None),
            PipeWriter::adopt(shared),
        )
    }

    /// Open read and write ends now: ends obtained from this FIFO (and their clones) until
    /// dropped, openers still waiting for a partner included.
    pub fn openers(&self) -> (usize, usize) {
        let slot = self.pipe.lock();
        match slot.upgrade() {
            Some(shared) => {
                let st = shared.lock();
                (st.readers, st.writers)
            }
            None => (0, 0),
        }
    }
}

impl fmt::Debug for Fifo {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (readers, writers) = self.openers();
        f.debug_struct("Fifo")
            .field("readers", &readers)
            .field("writers", &writers)
            .finish()
    }
}

/// An end of a FIFO's pipe, for the open futures.
trait End {
    /// The pipe.
    fn pipe(&self) -> &Arc<Shared>;
    /// The partner's open counter and the set this side waits in.
    fn partner(st: &mut State) -> (u64, &mut OpenWaiters);
}

impl End for PipeReader {
    fn pipe(&self) -> &Arc<Shared> {
        self.shared()
    }
    fn partner(st: &mut State) -> (u64, &mut OpenWaiters) {
        (st.w_counter, &mut st.open_readers)
    }
}

impl End for PipeWriter {
    fn pipe(&self) -> &Arc<Shared> {
        self.shared()
    }
    fn partner(st: &mut State) -> (u64, &mut OpenWaiters) {
        (st.r_counter, &mut st.open_writers)
    }
}

/// An opener waiting for its partner.
#[derive(Debug)]
struct Rendezvous {
    /// The partner's open counter when this opener came.
    seen: u64,
    /// Its place in the pipe's set of openers waiting.
    ticket: Option<u64>,
}

/// Where an open is.
#[derive(Debug)]
enum Opening<E> {
    /// Done at the call; handed out at the first poll.
    Ready(Result<E, IpcError>),
    /// The end is open (and counted); waiting for the partner.
    Waiting(E, Rendezvous),
    /// Handed out.
    Taken,
}

impl<E: End> Opening<E> {
    fn poll(&mut self, waker: &Waker) -> Poll<Result<E, IpcError>> {
        if let Opening::Waiting(end, wait) = self {
            let mut st = end.pipe().lock();
            let (counter, waiting) = E::partner(&mut st);
            if counter == wait.seen {
                waiting.register(&mut wait.ticket, waker);
                return Poll::Pending;
            }
            waiting.remove(&mut wait.ticket);
        }
        match std::mem::replace(self, Opening::Taken) {
            Opening::Ready(result) => Poll::Ready(result),
            Opening::Waiting(end, _) => Poll::Ready(Ok(end)),
            Opening::Taken => Poll::Ready(Err(IpcError::new(
                Errno::EINVAL,
                "this FIFO open already completed; it was polled again",
            ))),
        }
    }

    /// Leaves the set of waiting openers; the end itself closes when dropped after this.
    fn cancel(&mut self) {
        if let Opening::Waiting(end, wait) = self
            && wait.ticket.is_some()
        {
            let mut st = end.pipe().lock();
            E::partner(&mut st).1.remove(&mut wait.ticket);
        }
    }
}

/// The future of [`Fifo::open_read`].
#[derive(Debug)]
pub struct OpenRead {
    opening: Opening<PipeReader>,
}

impl Future for OpenRead {
    type Output = Result<PipeReader, IpcError>;
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        self.get_mut().opening.poll(cx.waker())
    }
}

impl Drop for OpenRead {
    fn drop(&mut self) {
        self.opening.cancel();
    }
}

/// The future of [`Fifo::open_write`].
#[derive(Debug)]
pub struct OpenWrite {
    opening: Opening<PipeWriter>,
}

impl Future for OpenWrite {
    type Output = Result<PipeWriter, IpcError>;
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        self.get_mut().opening.poll(cx.waker())
    }
}

impl Drop for OpenWrite {
    fn drop(&mut self) {
        self.opening.cancel();
    }
}

#[cfg(test)]
mod tests {
    use std::task::Waker;

    use super::*;

    fn poll<F: Future + Unpin>(f: &mut F) -> Poll<F::Output> {
        Pin::new(f).poll(&mut Context::from_waker(Waker::noop()))
    }

    /// Openers waiting in the pipe's sets, (readers, writers).
    fn waiting(fifo: &Fifo) -> (usize, usize) {
        let slot = fifo.pipe.lock();
        match slot.upgrade() {
            Some(shared) => {
                let st = shared.lock();
                (st.open_readers.len(), st.open_writers.len())
            }
            None => (0, 0),
        }
    }

    #[test]
    fn waiting_openers_leave_the_sets_when_done_or_dropped() {
        let fifo = Fifo::new();
        let mut a = fifo.open_read(false);
        let mut b = fifo.open_read(false);
        assert!(poll(&mut a).is_pending());
        assert!(poll(&mut a).is_pending());
        assert!(poll(&mut b).is_pending());
        assert_eq!(waiting(&fifo), (2, 0));
        drop(b);
        assert_eq!(waiting(&fifo), (1, 0));
        let w = fifo.open_write(false);
        assert!(matches!(poll(&mut a), Poll::Ready(Ok(_))));
        assert_eq!(waiting(&fifo), (0, 0));
        drop((a, w));

        let mut w = fifo.open_write(false);
        assert!(poll(&mut w).is_pending());
        assert_eq!(waiting(&fifo), (0, 1));
        drop(w);
        assert_eq!(waiting(&fifo), (0, 0));
        assert_eq!(fifo.openers(), (0, 0));
    }

    #[test]
    fn a_fresh_pipe_is_made_only_when_no_end_is_open() {
        let fifo = Fifo::new();
        let (r, w) = fifo.open_read_write();
        let id = r.id();
        let late = r.read(10);
        drop((r, w));
        // The pipe is still alive (the read future holds it), but it has no end: not reused.
        let r = match poll(&mut fifo.open_read(true)) {
            Poll::Ready(Ok(r)) => r,
            other => panic!("{other:?}"),
        };
        assert_ne!(r.id(), id);
        drop(late);
    }
}
