//! The future of a blocking read.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use bytes::Bytes;

use super::shared::Shared;
use super::waiters::WakeList;
use crate::{Errno, IpcError};

/// The future of [`PipeReader::read`](crate::PipeReader::read): up to `max` bytes, or empty
/// bytes at end of file.
///
/// It owns a reference to the pipe (not an open end: holding it does not keep the pipe
/// from reaching end of file or breaking), so it is `'static` and may be kept across polls.
/// Blocked readers are served in the order they started waiting; a re-poll keeps the
/// place, and dropping the future gives it up (passing the turn on if it was its turn).
pub struct Read {
    shared: Arc<Shared>,
    max: usize,
    ticket: Option<u64>,
    done: bool,
}

impl Read {
    pub(super) fn new(shared: Arc<Shared>, max: usize) -> Self {
        Read {
            shared,
            max,
            ticket: None,
            done: false,
        }
    }
}

impl Future for Read {
    type Output = Result<Bytes, IpcError>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.get_mut();
        if this.done {
            return Poll::Ready(Err(polled_again("read")));
        }
        if this.max == 0 {
            this.done = true;
            return Poll::Ready(Ok(Bytes::new()));
        }
        let mut wakes = WakeList::new();
        let mut st = this.shared.lock();
        let step = st.read_step(this.max, this.ticket);
        match &step {
            Some(data) => {
                st.read_q.leave(&mut this.ticket);
                if data.is_empty() {
                    st.kick(&mut wakes);
                } else {
                    st.changed(&mut wakes);
                }
                this.done = true;
            }
            None => st.read_q.wait(&mut this.ticket, cx.waker(), 1),
        }
        drop(st);
        wakes.wake();
        match step {
            Some(data) => Poll::Ready(Ok(data)),
            None => Poll::Pending,
        }
    }
}

impl Drop for Read {
    fn drop(&mut self) {
        if self.ticket.is_none() {
            return;
        }
        let mut wakes = WakeList::new();
        let mut st = self.shared.lock();
        st.read_q.leave(&mut self.ticket);
        st.kick(&mut wakes);
        drop(st);
        wakes.wake();
    }
}

impl fmt::Debug for Read {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Read")
            .field("pipe", &self.shared.id())
            .field("max", &self.max)
            .field("queued", &self.ticket.is_some())
            .field("done", &self.done)
            .finish()
    }
}

/// The error of a pipe future polled after it completed.
pub(super) fn polled_again(what: &str) -> IpcError {
    IpcError::new(
        Errno::EINVAL,
        format!("this pipe {what} already completed; it was polled again"),
    )
}
