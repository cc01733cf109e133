//! The state both ends of a pipe share, and the rules that move bytes and wake waiters.

use std::fmt;
use std::sync::atomic::{AtomicU64, Ordering};
use std::task::Waker;

use bytes::Bytes;
use parking_lot::{Mutex, MutexGuard};

use super::buffer::Buffer;
use super::waiters::{WaitQueue, WakeList, WakerSet};
use super::{PIPE_BUF, PIPE_DEFAULT_CAPACITY, PIPE_MAX_CAPACITY, PIPE_MIN_CAPACITY};
use crate::{Errno, IpcError};

/// FIFO openers waiting for a partner to open.
pub(crate) type OpenWaiters = WakerSet;

/// Ids of pipes, never reused.
static NEXT_PIPE_ID: AtomicU64 = AtomicU64::new(1);

/// One pipe: its id and its locked state. Ends, futures and watches hold it in an `Arc`.
pub(crate) struct Shared {
    id: u64,
    state: Mutex<State>,
}

impl Shared {
    /// A new pipe with no end open yet.
    pub(crate) fn new() -> Self {
        Shared {
            id: NEXT_PIPE_ID.fetch_add(1, Ordering::Relaxed),
            state: Mutex::new(State::new()),
        }
    }

    /// The pipe's id.
    pub(crate) fn id(&self) -> u64 {
        self.id
    }

    /// Locks the state.
    pub(crate) fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock()
    }
}

impl fmt::Debug for Shared {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut d = f.debug_struct("Pipe");
        d.field("id", &self.id);
        match self.state.try_lock() {
            Some(st) => d
                .field("len", &st.buf.len())
                .field("chunks", &st.buf.chunks())
                .field("capacity", &st.capacity)
                .field("readers", &st.readers)
                .field("writers", &st.writers)
                .field("blocked_readers", &st.read_q.len())
                .field("blocked_writers", &st.write_q.len())
                .field("watchers", &st.watchers.len())
                .finish(),
            None => d.finish_non_exhaustive(),
        }
    }
}

/// Everything behind the pipe's lock.
pub(crate) struct State {
    pub(super) buf: Buffer,
    pub(super) capacity: usize,
    /// Open read ends (a FIFO opener waiting for a writer counts, as on Linux).
    pub(crate) readers: usize,
    /// Open write ends.
    pub(crate) writers: usize,
    pub(super) read_q: WaitQueue,
    pub(super) write_q: WaitQueue,
    pub(super) watchers: WakerSet,
    /// Read-side opens of the FIFO so far (Linux's `r_counter`).
    pub(crate) r_counter: u64,
    /// Write-side opens of the FIFO so far (Linux's `w_counter`).
    pub(crate) w_counter: u64,
    /// FIFO readers waiting in `open` for a writer to open.
    pub(crate) open_readers: OpenWaiters,
    /// FIFO writers waiting in `open` for a reader to open.
    pub(crate) open_writers: OpenWaiters,
}

impl State {
    fn new() -> Self {
        State {
            buf: Buffer::default(),
            capacity: PIPE_DEFAULT_CAPACITY,
            readers: 0,
            writers: 0,
            read_q: WaitQueue::default(),
            write_q: WaitQueue::default(),
            watchers: WakerSet::default(),
            r_counter: 0,
            w_counter: 0,
            open_readers: WakerSet::default(),
            open_writers: WakerSet::default(),
        }
    }

    /// Bytes that fit now.
    pub(super) fn room(&self) -> usize {
        self.capacity.saturating_sub(self.buf.len())
    }

    /// Whether no end is open: the pipe is dead (a FIFO makes a new one at the next open).
    pub(crate) fn is_unused(&self) -> bool {
        self.readers == 0 && self.writers == 0
    }

    /// Wakes the waiters that can go on now, and nobody twice: every reader at end of file
    /// (empty, no writer), else the head reader when data is there; every writer when no
    /// reader is left, else the head writer when the room it needs is there. Called after
    /// every change, it passes the turn on when a head leaves, so no wake-up is lost.
    pub(super) fn kick(&mut self, wakes: &mut WakeList) {
        if self.writers == 0 && self.buf.is_empty() {
            self.read_q.wake_all(wakes);
        } else if !self.buf.is_empty() {
            self.read_q.wake_head(|_| true, wakes);
        }
        if self.readers == 0 {
            self.write_q.wake_all(wakes);
        } else {
            let room = self.room();
            self.write_q.wake_head(|need| room >= need, wakes);
        }
    }

    /// Takes the waiter `waker` wakes out of both queues, and passes its turn on.
    pub(crate) fn step_back(&mut self, waker: &Waker, wakes: &mut WakeList) {
        let read = self.read_q.leave_waker(waker);
        let write = self.write_q.leave_waker(waker);
        if read || write {
            self.kick(wakes);
        }
    }

    /// After a change a watcher may care about (data in or out, an end opened or closed,
    /// the capacity): wakes the watchers and whoever can go on.
    pub(crate) fn changed(&mut self, wakes: &mut WakeList) {
        self.watchers.wake_all(wakes);
        self.kick(wakes);
    }

    /// One more read end.
    pub(crate) fn add_reader(&mut self, wakes: &mut WakeList) {
        self.readers += 1;
        if self.readers == 1 {
            self.changed(wakes);
        }
    }

    /// One more write end.
    pub(crate) fn add_writer(&mut self, wakes: &mut WakeList) {
        self.writers += 1;
        if self.writers == 1 {
            self.changed(wakes);
        }
    }

    /// One read end fewer. The last one breaks the pipe for writers; with the last end of
    /// all, the data is discarded.
    pub(super) fn remove_reader(&mut self, wakes: &mut WakeList) {
        self.readers = self.readers.saturating_sub(1);
        if self.readers == 0 {
            self.discard_if_unused();
            self.changed(wakes);
        }
    }

    /// One write end fewer. The last one gives readers end of file.
    pub(super) fn remove_writer(&mut self, wakes: &mut WakeList) {
        self.writers = self.writers.saturating_sub(1);
        if self.writers == 0 {
            self.discard_if_unused();
            self.changed(wakes);
        }
    }

    fn discard_if_unused(&mut self) {
        if self.is_unused() {
            self.buf.clear();
        }
    }

    /// A read of up to `max` (> 0) bytes by the holder of `ticket`: `Some` data, or
    /// `Some` empty bytes at end of file; `None` if it has to wait (empty with a writer
    /// open, or other readers are ahead).
    pub(super) fn read_step(&mut self, max: usize, ticket: Option<u64>) -> Option<Bytes> {
        if self.buf.is_empty() {
            return (self.writers == 0).then(Bytes::new);
        }
        if !self.read_q.is_turn(ticket) {
            return None;
        }
        Some(self.buf.pop(max))
    }

    /// Stores as much of `data` as may go now for a write of `total` bytes in all, by the
    /// holder of `ticket`: all of it or nothing when `total <= PIPE_BUF`, else what fits.
    /// `Ok(n)`: `n` bytes stored and split off `data`. EPIPE when no reader is left.
    pub(super) fn write_step(
        &mut self,
        data: &mut Bytes,
        total: usize,
        ticket: Option<u64>,
    ) -> Result<usize, IpcError> {
        if self.readers == 0 {
            return Err(broken_pipe());
        }
        if data.is_empty() || !self.write_q.is_turn(ticket) {
            return Ok(0);
        }
        let room = self.room();
        let n = if total <= PIPE_BUF {
            if room >= data.len() { data.len() } else { 0 }
        } else {
            room.min(data.len())
        };
        if n > 0 {
            self.buf.push(data.split_to(n));
        }
        Ok(n)
    }

    /// The room a writer with `left` bytes still to store (of `total`) waits for.
    pub(super) fn room_needed(total: usize, left: usize) -> usize {
        if total <= PIPE_BUF {
            left
        } else {
            left.min(PIPE_BUF)
        }
    }

    /// F_SETPIPE_SZ.
    pub(super) fn set_capacity(
        &mut self,
        bytes: usize,
        wakes: &mut WakeList,
    ) -> Result<usize, IpcError> {
        let capacity = round_capacity(bytes)?;
        if capacity < self.buf.len() {
            return Err(IpcError::new(
                Errno::EBUSY,
                format!(
                    "cannot shrink the pipe to {capacity} bytes: {} bytes are buffered",
                    self.buf.len()
                ),
            ));
        }
        if capacity != self.capacity {
            self.capacity = capacity;
            self.changed(wakes);
        }
        Ok(capacity)
    }
}

/// The capacity F_SETPIPE_SZ makes of a request of `bytes`, as Linux rounds it: at least
/// one page, rounded up to a power of two; EPERM above [`PIPE_MAX_CAPACITY`] (an
/// unprivileged process), EINVAL above 2^31.
pub(crate) fn round_capacity(bytes: usize) -> Result<usize, IpcError> {
    let too_big = || {
        IpcError::new(
            Errno::EPERM,
            format!("a pipe cannot be made larger than {PIPE_MAX_CAPACITY} bytes (asked {bytes})"),
        )
    };
    if bytes as u64 > 1 << 31 {
        return Err(IpcError::new(
            Errno::EINVAL,
            format!("{bytes} bytes is not a pipe size"),
        ));
    }
    let rounded = bytes
        .max(PIPE_MIN_CAPACITY)
        .checked_next_power_of_two()
        .ok_or_else(too_big)?;
    if rounded > PIPE_MAX_CAPACITY {
        return Err(too_big());
    }
    Ok(rounded)
}

/// The EPIPE of a write with no reader left.
fn broken_pipe() -> IpcError {
    IpcError::new(
        Errno::EPIPE,
        "broken pipe: the read end is closed, nobody will read this",
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn capacities_round_as_linux_does() {
        assert_eq!(round_capacity(0), Ok(4096));
        assert_eq!(round_capacity(1), Ok(4096));
        assert_eq!(round_capacity(4096), Ok(4096));
        assert_eq!(round_capacity(4097), Ok(8192));
        assert_eq!(round_capacity(65536), Ok(65536));
        assert_eq!(round_capacity(100_000), Ok(131072));
        assert_eq!(round_capacity(PIPE_MAX_CAPACITY), Ok(PIPE_MAX_CAPACITY));
        assert_eq!(
            round_capacity(PIPE_MAX_CAPACITY + 1).map_err(|e| e.errno),
            Err(Errno::EPERM)
        );
        assert_eq!(
            round_capacity(1 << 31).map_err(|e| e.errno),
            Err(Errno::EPERM)
        );
        assert_eq!(
            round_capacity(usize::MAX).map_err(|e| e.errno),
            Err(Errno::EINVAL)
        );
    }

    #[test]
    fn ids_differ() {
        assert_ne!(Shared::new().id(), Shared::new().id());
    }
}
