//! The future of a blocking write.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use bytes::Bytes;

use super::read::polled_again;
use super::shared::{Shared, State};
use super::waiters::WakeList;
use crate::IpcError;

/// The future of [`PipeWriter::write`](crate::PipeWriter::write): resolves to the number
/// of bytes written, all of them unless the last reader went away part way (then the part
/// written; the next write fails with EPIPE).
///
/// A write of at most [`PIPE_BUF`](crate::PIPE_BUF) bytes is stored all at once when that
/// much room exists; a longer one stores what fits and waits for more room. Blocked writers
/// go in the order they started waiting and are never overtaken, so no other writer's
/// bytes land inside this write. A writer that steps back part way
/// ([`PipeWriter::step_back`](crate::PipeWriter::step_back): its process stopped) gives up
/// the rest: its write ends with the count stored, as Linux's `pipe_write` does when a
/// signal comes. Like [`Read`](crate::Read), it owns a reference to the pipe, not an open
/// end. Dropped part way, the bytes already stored stay in the pipe
/// ([`written`](Write::written) says how many).
pub struct Write {
    shared: Arc<Shared>,
    /// What is left to store.
    data: Bytes,
    total: usize,
    written: usize,
    ticket: Option<u64>,
    done: bool,
}

impl Write {
    pub(super) fn new(shared: Arc<Shared>, data: Bytes) -> Self {
        Write {
            shared,
            total: data.len(),
            data,
            written: 0,
            ticket: None,
            done: false,
        }
    }

    /// Bytes written so far.
    pub fn written(&self) -> usize {
        self.written
    }
}

impl Future for Write {
    type Output = Result<usize, IpcError>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.get_mut();
        if this.done {
            return Poll::Ready(Err(polled_again("write")));
        }
        if this.total == 0 {
            this.done = true;
            return Poll::Ready(Ok(0));
        }
        let mut wakes = WakeList::new();
        let mut st = this.shared.lock();
        if this.written > 0
            && let Some(id) = this.ticket
            && !st.write_q.holds(id)
        {
            // It stepped back after storing part: going on would put its next bytes
            // after another writer's. (The step back passed the turn on already.)
            this.ticket = None;
            this.done = true;
            return Poll::Ready(Ok(this.written));
        }
        let (outcome, moved) = match st.write_step(&mut this.data, this.total, this.ticket) {
            Err(broken) => {
                st.write_q.leave(&mut this.ticket);
                this.done = true;
                let partial = this.written;
                (
                    Poll::Ready(if partial > 0 {
                        Ok(partial)
                    } else {
                        Err(broken)
                    }),
                    false,
                )
            }
            Ok(stored) => {
                this.written += stored;
                if this.data.is_empty() {
                    st.write_q.leave(&mut this.ticket);
                    this.done = true;
                    (Poll::Ready(Ok(this.written)), stored > 0)
                } else {
                    let need = State::room_needed(this.total, this.data.len());
                    st.write_q.wait(&mut this.ticket, cx.waker(), need);
                    (Poll::Pending, stored > 0)
                }
            }
        };
        if moved {
            st.changed(&mut wakes);
        } else {
            st.kick(&mut wakes);
        }
        drop(st);
        wakes.wake();
        outcome
    }
}

impl Drop for Write {
    fn drop(&mut self) {
        if self.ticket.is_none() {
            return;
        }
        let mut wakes = WakeList::new();
        let mut st = self.shared.lock();
        st.write_q.leave(&mut self.ticket);
        st.kick(&mut wakes);
        drop(st);
        wakes.wake();
    }
}

impl fmt::Debug for Write {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Write")
            .field("pipe", &self.shared.id())
            .field("total", &self.total)
            .field("written", &self.written)
            .field("queued", &self.ticket.is_some())
            .field("done", &self.done)
            .finish()
    }
}
