//! Pipes: a bounded byte stream with a read end and a write end, as POSIX and Linux have
//! them.
//!
//! - Bytes are held as the [`Bytes`] chunks writes gave, never copied on the way in; a read
//!   gets the front chunk whole (or a `split_to` of it) and copies only to gather several
//!   short chunks into one read, so big writes read back with reads as big move no bytes.
//! - A write of at most [`PIPE_BUF`] bytes is atomic: stored all at once, never
//!   interleaved with another writer's bytes. A longer one is stored as room appears.
//! - The last write end closing gives readers end of file (empty bytes); the last read
//!   end closing gives writers EPIPE. Open ends are counted over clones.
//! - Blocked readers, and blocked writers, are served in the order they started waiting
//!   (Linux does not promise that; this pipe does). A waiter that cannot take its turn,
//!   its process stopped, steps back (`step_back`) and queues again at the back.
//! - The capacity is [`PIPE_DEFAULT_CAPACITY`], changed with `set_capacity` as
//!   `fcntl(F_SETPIPE_SZ)` does.
//!
//! Ends are `Send + Sync`: host threads may write into a pipe a virtual process reads.

mod buffer;
mod read;
pub(crate) mod shared;
mod waiters;
mod watch;
mod write;

use std::fmt;
use std::sync::Arc;
use std::task::Waker;

use bytes::Bytes;

pub use read::Read;
pub(crate) use shared::Shared;
pub(crate) use waiters::WakeList;
pub use watch::Watch;
pub use write::Write;

use crate::{Errno, IpcError, PollEvents};

/// Writes of at most this many bytes are atomic: never split, never interleaved.
pub const PIPE_BUF: usize = 4096;
/// The capacity of a new pipe, as on Linux.
pub const PIPE_DEFAULT_CAPACITY: usize = 65536;
/// The largest capacity `set_capacity` accepts (Linux's /proc/sys/fs/pipe-max-size).
pub const PIPE_MAX_CAPACITY: usize = 1 << 20;
/// The smallest capacity: one page. `set_capacity` raises smaller requests to it.
pub const PIPE_MIN_CAPACITY: usize = 4096;

/// A new pipe of [`PIPE_DEFAULT_CAPACITY`] bytes.
pub fn pipe() -> (PipeReader, PipeWriter) {
    let shared = Arc::new(Shared::new());
    let mut wakes = WakeList::new();
    {
        let mut st = shared.lock();
        st.add_reader(&mut wakes);
        st.add_writer(&mut wakes);
    }
    wakes.wake();
    (
        PipeReader::adopt(shared.clone(), None),
        PipeWriter::adopt(shared),
    )
}

/// The read end of a pipe. Clones are more open read ends of the same pipe; the pipe
/// sees its last reader go when the last clone is dropped: blocked and later writes then
/// fail with EPIPE (or return the part already written), and write ends report POLLERR.
pub struct PipeReader {
    shared: Arc<Shared>,
    /// Opened from a FIFO without waiting and before any writer: no hang-up is reported
    /// while the FIFO's write-open count is still this (Linux does the same).
    quiet_until: Option<u64>,
}

/// The write end of a pipe. Clones are more open write ends; when the last one is dropped,
/// readers get end of file once the buffered bytes are read.
pub struct PipeWriter {
    shared: Arc<Shared>,
}

impl Clone for PipeReader {
    fn clone(&self) -> Self {
        self.shared.lock().readers += 1;
        PipeReader {
            shared: self.shared.clone(),
            quiet_until: self.quiet_until,
        }
    }
}

impl Clone for PipeWriter {
    fn clone(&self) -> Self {
        self.shared.lock().writers += 1;
        PipeWriter {
            shared: self.shared.clone(),
        }
    }
}

impl Drop for PipeReader {
    fn drop(&mut self) {
        let mut wakes = WakeList::new();
        self.shared.lock().remove_reader(&mut wakes);
        wakes.wake();
    }
}

impl Drop for PipeWriter {
    fn drop(&mut self) {
        let mut wakes = WakeList::new();
        self.shared.lock().remove_writer(&mut wakes);
        wakes.wake();
    }
}

/// What either end of a pipe tells of the pipe, and the watch of its changes.
macro_rules! pipe_end {
    ($end:ident, $other:ident) => {
        impl $end {
            /// Wakes `waker` at the next change of this pipe, until the watch is dropped.
            pub fn watch(&self, waker: &Waker) -> Watch {
                Watch::new(self.shared.clone(), waker)
            }

            /// Bytes buffered (FIONREAD, from either end).
            pub fn len(&self) -> usize {
                self.shared.lock().buf.len()
            }

            /// Whether nothing is buffered.
            pub fn is_empty(&self) -> bool {
                self.len() == 0
            }

            /// The capacity in bytes.
            pub fn capacity(&self) -> usize {
                self.shared.lock().capacity
            }

            /// Sets the capacity (F_SETPIPE_SZ) and returns the capacity set: `bytes`
            /// raised to [`PIPE_MIN_CAPACITY`] and rounded up to a power of two. EPERM
            /// above [`PIPE_MAX_CAPACITY`] (as for an unprivileged process), EINVAL above
            /// 2^31, EBUSY if more bytes than that are buffered now.
            pub fn set_capacity(&self, bytes: usize) -> Result<usize, IpcError> {
                set_capacity(&self.shared, bytes)
            }

            /// Takes the blocked reader or writer that `waker` wakes out of this pipe's
            /// queues, and passes its turn on: what a process does on Linux when it is
            /// stopped in a read or write (it leaves the wait queue, and the call starts
            /// over once continued). Its read or write, polled again, queues at the back;
            /// a write that had stored part ends there, with that count.
            pub fn step_back(&self, waker: &Waker) {
                let mut wakes = WakeList::new();
                self.shared.lock().step_back(waker, &mut wakes);
                wakes.wake();
            }

            /// Whether `other` is an end of the same pipe.
            pub fn same_pipe(&self, other: &$other) -> bool {
                Arc::ptr_eq(&self.shared, &other.shared)
            }

            /// An id of the pipe, unique among live pipes and the same from both ends
            /// (for `/proc/<pid>/fd`).
            pub fn id(&self) -> u64 {
                self.shared.id()
            }
        }
    };
}

pipe_end!(PipeReader, PipeWriter);
pipe_end!(PipeWriter, PipeReader);

impl PipeReader {
    /// A reader end for `shared`, whose `readers` count already includes it.
    pub(crate) fn adopt(shared: Arc<Shared>, quiet_until: Option<u64>) -> Self {
        PipeReader {
            shared,
            quiet_until,
        }
    }

    /// The pipe.
    pub(crate) fn shared(&self) -> &Arc<Shared> {
        &self.shared
    }

    /// Reads up to `max` bytes, waiting while the pipe is empty and a writer is open.
    /// Empty bytes: end of file (or `max == 0`, which returns at once).
    ///
    /// The bytes come as the writer gave them when possible: the front chunk whole if it
    /// is at most `max` bytes, else its first `max` bytes; several chunks are copied into
    /// one only when the front one is shorter than `max` and more are buffered.
    pub fn read(&self, max: usize) -> Read {
        Read::new(self.shared.clone(), max)
    }

    /// Reads without waiting (O_NONBLOCK): up to `max` bytes, empty bytes at end of file
    /// (or for `max == 0`). EAGAIN when empty with a writer open, or when blocked readers
    /// are waiting for the data first.
    pub fn try_read(&self, max: usize) -> Result<Bytes, IpcError> {
        if max == 0 {
            return Ok(Bytes::new());
        }
        let mut wakes = WakeList::new();
        let mut st = self.shared.lock();
        let result = match st.read_step(max, None) {
            Some(data) => {
                if !data.is_empty() {
                    st.changed(&mut wakes);
                }
                Ok(data)
            }
            None if st.buf.is_empty() => Err(IpcError::new(
                Errno::EAGAIN,
                "the pipe is empty and a writer is still open",
            )),
            None => Err(IpcError::new(
                Errno::EAGAIN,
                "blocked readers of this pipe are served first",
            )),
        };
        drop(st);
        wakes.wake();
        result
    }

    /// POLLIN if data is buffered or no writer is left (a read returns end of file at
    /// once); POLLHUP if no writer is left.
    ///
    /// Linux reports only POLLHUP for an empty pipe with no writer; POLLIN is added here so
    /// that `select` sees end of file as readable, as POSIX says. A read end opened from a
    /// FIFO without waiting before any writer opened reports neither until a writer has
    /// opened, as on Linux.
    pub fn readiness(&self) -> PollEvents {
        let st = self.shared.lock();
        let hung_up = st.writers == 0 && self.quiet_until != Some(st.w_counter);
        let mut events = PollEvents::empty();
        if !st.buf.is_empty() || hung_up {
            events |= PollEvents::POLLIN;
        }
        if hung_up {
            events |= PollEvents::POLLHUP;
        }
        events
    }
}

impl PipeWriter {
    /// A writer end for `shared`, whose `writers` count already includes it.
    pub(crate) fn adopt(shared: Arc<Shared>) -> Self {
        PipeWriter { shared }
    }

    /// The pipe.
    pub(crate) fn shared(&self) -> &Arc<Shared> {
        &self.shared
    }

    /// Writes all of `data`, waiting for room; see [`Write`]. Empty `data` gives `Ok(0)`
    /// at once, even with no reader left (as Linux does). The bytes are stored as given
    /// (split, never copied).
    pub fn write(&self, data: Bytes) -> Write {
        Write::new(self.shared.clone(), data)
    }

    /// Writes without waiting (O_NONBLOCK) and returns the bytes written. Up to
    /// [`PIPE_BUF`] bytes: all or EAGAIN. More: what fits (a partial count), EAGAIN if
    /// nothing fits. EAGAIN too when blocked writers are waiting first. EPIPE when no
    /// reader is left. Empty `data` gives `Ok(0)`. To go on after a partial count, write
    /// `data.slice(n..)` (cloning a `Bytes` is cheap).
    pub fn try_write(&self, mut data: Bytes) -> Result<usize, IpcError> {
        if data.is_empty() {
            return Ok(0);
        }
        let total = data.len();
        let mut wakes = WakeList::new();
        let mut st = self.shared.lock();
        let result = match st.write_step(&mut data, total, None) {
            Ok(0) if !st.write_q.is_turn(None) => Err(IpcError::new(
                Errno::EAGAIN,
                "blocked writers of this pipe are served first",
            )),
            Ok(0) if total <= PIPE_BUF => Err(IpcError::new(
                Errno::EAGAIN,
                format!(
                    "no room for an atomic write of {total} bytes ({} bytes free)",
                    st.room()
                ),
            )),
            Ok(0) => Err(IpcError::new(Errno::EAGAIN, "the pipe is full")),
            Ok(n) => {
                st.changed(&mut wakes);
                Ok(n)
            }
            Err(e) => Err(e),
        };
        drop(st);
        wakes.wake();
        result
    }

    /// POLLOUT if at least [`PIPE_BUF`] bytes of room exist (an atomic write would not
    /// wait); POLLERR if no reader is left.
    pub fn readiness(&self) -> PollEvents {
        let st = self.shared.lock();
        let mut events = PollEvents::empty();
        if st.room() >= PIPE_BUF {
            events |= PollEvents::POLLOUT;
        }
        if st.readers == 0 {
            events |= PollEvents::POLLERR;
        }
        events
    }
}

fn set_capacity(shared: &Shared, bytes: usize) -> Result<usize, IpcError> {
    let mut wakes = WakeList::new();
    let result = shared.lock().set_capacity(bytes, &mut wakes);
    wakes.wake();
    result
}

impl fmt::Debug for PipeReader {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("PipeReader").field(&self.shared).finish()
    }
}

impl fmt::Debug for PipeWriter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("PipeWriter").field(&self.shared).finish()
    }
}

#[cfg(test)]
mod tests;
