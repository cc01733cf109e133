//! Named pipes: the rendezvous of openers, then a pipe.
//!
//! (API skeleton; the behaviour is being written.)

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use crate::{IpcError, PipeReader, PipeWriter};

/// A FIFO as a filesystem node holds it. Clones are the same FIFO.
#[derive(Debug, Clone, Default)]
pub struct Fifo {}

impl Fifo {
    /// A FIFO nobody has opened.
    pub fn new() -> Self {
        Fifo {}
    }
    /// Opens the read end; waits for a writer unless `nonblock`.
    pub fn open_read(&self, nonblock: bool) -> OpenRead {
        let _ = nonblock;
        todo!()
    }
    /// Opens the write end; waits for a reader unless `nonblock` (then ENXIO).
    pub fn open_write(&self, nonblock: bool) -> OpenWrite {
        let _ = nonblock;
        todo!()
    }
    /// Opens both ends at once (O_RDWR), never waiting.
    pub fn open_read_write(&self) -> (PipeReader, PipeWriter) {
        todo!()
    }
    /// Open read and write ends now.
    pub fn openers(&self) -> (usize, usize) {
        todo!()
    }
}

/// The future of [`Fifo::open_read`].
#[derive(Debug)]
pub struct OpenRead {}

impl Future for OpenRead {
    type Output = Result<PipeReader, IpcError>;
    fn poll(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<Self::Output> {
        todo!()
    }
}

/// The future of [`Fifo::open_write`].
#[derive(Debug)]
pub struct OpenWrite {}

impl Future for OpenWrite {
    type Output = Result<PipeWriter, IpcError>;
    fn poll(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<Self::Output> {
        todo!()
    }
}
