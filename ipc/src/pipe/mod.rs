//! Pipes: a bounded byte stream with a read end and a write end.
//!
//! (API skeleton; the behaviour is being written.)

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll, Waker};

use bytes::Bytes;

use crate::{IpcError, PollEvents};

/// Writes of at most this many bytes are atomic: never split, never interleaved.
pub const PIPE_BUF: usize = 4096;
/// The capacity of a new pipe, as on Linux.
pub const PIPE_DEFAULT_CAPACITY: usize = 65536;
/// The largest capacity `set_capacity` accepts (Linux's /proc/sys/fs/pipe-max-size).
pub const PIPE_MAX_CAPACITY: usize = 1 << 20;

/// A new pipe of [`PIPE_DEFAULT_CAPACITY`] bytes.
pub fn pipe() -> (PipeReader, PipeWriter) {
    todo!()
}

/// The read end of a pipe. Clones are more open read ends of the same pipe; the pipe
/// sees its last reader go when the last clone is dropped.
#[derive(Debug)]
pub struct PipeReader {}

/// The write end of a pipe. Clones are more open write ends.
#[derive(Debug)]
pub struct PipeWriter {}

impl Clone for PipeReader {
    fn clone(&self) -> Self {
        todo!()
    }
}

impl Clone for PipeWriter {
    fn clone(&self) -> Self {
        todo!()
    }
}

impl PipeReader {
    /// Reads up to `max` bytes, waiting while the pipe is empty and a writer is open.
    /// Empty bytes: end of file.
    pub fn read(&self, max: usize) -> Read {
        let _ = max;
        todo!()
    }
    /// Reads without waiting: EAGAIN when empty with a writer open.
    pub fn try_read(&self, max: usize) -> Result<Bytes, IpcError> {
        let _ = max;
        todo!()
    }
    /// POLLIN / POLLHUP now.
    pub fn readiness(&self) -> PollEvents {
        todo!()
    }
    /// Wakes `waker` at the next change of this pipe, until the watch is dropped.
    pub fn watch(&self, waker: &Waker) -> Watch {
        let _ = waker;
        todo!()
    }
    /// Bytes buffered (FIONREAD).
    pub fn len(&self) -> usize {
        todo!()
    }
    /// Whether nothing is buffered.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
    /// The capacity in bytes.
    pub fn capacity(&self) -> usize {
        todo!()
    }
    /// Sets the capacity (F_SETPIPE_SZ).
    pub fn set_capacity(&self, bytes: usize) -> Result<usize, IpcError> {
        let _ = bytes;
        todo!()
    }
    /// Whether `other` is an end of the same pipe.
    pub fn same_pipe(&self, other: &PipeWriter) -> bool {
        let _ = other;
        todo!()
    }
    /// An id of the pipe, unique among live pipes (for `/proc/<pid>/fd`).
    pub fn id(&self) -> u64 {
        todo!()
    }
}

impl PipeWriter {
    /// Writes all of `data`, waiting for room.
    pub fn write(&self, data: Bytes) -> Write {
        let _ = data;
        todo!()
    }
    /// Writes without waiting.
    pub fn try_write(&self, data: Bytes) -> Result<usize, IpcError> {
        let _ = data;
        todo!()
    }
    /// POLLOUT / POLLERR now.
    pub fn readiness(&self) -> PollEvents {
        todo!()
    }
    /// Wakes `waker` at the next change of this pipe, until the watch is dropped.
    pub fn watch(&self, waker: &Waker) -> Watch {
        let _ = waker;
        todo!()
    }
    /// Bytes buffered.
    pub fn len(&self) -> usize {
        todo!()
    }
    /// Whether nothing is buffered.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
    /// The capacity in bytes.
    pub fn capacity(&self) -> usize {
        todo!()
    }
    /// Sets the capacity (F_SETPIPE_SZ).
    pub fn set_capacity(&self, bytes: usize) -> Result<usize, IpcError> {
        let _ = bytes;
        todo!()
    }
    /// An id of the pipe (equal to the reader's).
    pub fn id(&self) -> u64 {
        todo!()
    }
}

/// The future of [`PipeReader::read`].
#[derive(Debug)]
pub struct Read {}

impl Future for Read {
    type Output = Result<Bytes, IpcError>;
    fn poll(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<Self::Output> {
        todo!()
    }
}

/// The future of [`PipeWriter::write`].
#[derive(Debug)]
pub struct Write {}

impl Write {
    /// Bytes written so far.
    pub fn written(&self) -> usize {
        todo!()
    }
}

impl Future for Write {
    type Output = Result<usize, IpcError>;
    fn poll(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<Self::Output> {
        todo!()
    }
}

/// A registered waker; dropping it unregisters.
#[derive(Debug)]
pub struct Watch {}
