//! Reading, writing and seeking on descriptors.

use std::future::Future;
use std::rc::Rc;
use std::task::Poll;

use bytes::Bytes;
use vproc_ipc::{Errno, Signal};

use crate::fd::{FileObject, OpenFile};
use crate::proc::interrupted;
use crate::process::Action;
use crate::vfs::Device;
use crate::{Error, Fd, OpenFlags, Proc, SysResult, WaitOn, Whence};

fn not_for(fd: Fd, what: &str) -> Error {
    Error::new(
        Errno::EBADF,
        format!("descriptor {fd} is not open for {what}"),
    )
}

fn is_dir(file: &OpenFile) -> Error {
    Error::new(Errno::EISDIR, format!("{} is a directory", file.path))
}

impl Proc {
    /// Reads up to `max` bytes from `fd`, as [`Bytes`]: from a pipe, the very buffer a
    /// writer gave (no copy). Empty at end of file. Blocks on an empty pipe with a writer
    /// (EAGAIN instead with `NONBLOCK`). EBADF, EISDIR.
    pub async fn read_bytes(&self, fd: Fd, max: usize) -> SysResult<Bytes> {
        let file = self.readable(fd)?;
        self.read_open(fd, &file, max).await
    }

    /// Reads from an open file already checked for reading.
    async fn read_open(&self, fd: Fd, file: &OpenFile, max: usize) -> SysResult<Bytes> {
        match &file.object {
            FileObject::PipeRead(r) | FileObject::PipeBoth(r, _) => {
                if file.nonblocking() {
                    Ok(r.try_read(max)?)
                } else {
                    Ok(self.block_on(WaitOn::Read, r.read(max)).await?)
                }
            }
            FileObject::Tty(tty) => self.read_tty(tty, file, max).await,
            FileObject::Text(text) => {
                let start = (file.offset.get() as usize).min(text.len());
                let end = start.saturating_add(max).min(text.len());
                file.offset.set(end as u64);
                Ok(text.slice(start..end))
            }
            _ => {
                let mut buf = vec![0; max.min(1 << 20)];
                let n = read_now(fd, file, &mut buf)?;
                buf.truncate(n);
                Ok(Bytes::from(buf))
            }
        }
    }

    /// Reads into `buf` from `fd`; returns how many bytes came (0: end of file). Blocks
    /// as [`read_bytes`](Proc::read_bytes) does.
    pub async fn read(&self, fd: Fd, buf: &mut [u8]) -> SysResult<usize> {
        let file = self.readable(fd)?;
        match &file.object {
            FileObject::PipeRead(_)
            | FileObject::PipeBoth(..)
            | FileObject::Text(_)
            | FileObject::Tty(_) => {
                let data = self.read_open(fd, &file, buf.len()).await?;
                buf[..data.len()].copy_from_slice(&data);
                Ok(data.len())
            }
            _ => read_now(fd, &file, buf),
        }
    }

    /// Reads `fd` to its end, as text (invalid UTF-8 is replaced).
    pub async fn read_to_string(&self, fd: Fd) -> SysResult<String> {
        let mut all = Vec::new();
        loop {
            let data = self.read_bytes(fd, 65536).await?;
            if data.is_empty() {
                return Ok(String::from_utf8_lossy(&all).into_owned());
            }
            all.extend_from_slice(&data);
        }
    }

    /// Writes all of `data` to `fd` and returns its length: into a pipe without a copy,
    /// waiting for room (a write of at most `PIPE_BUF` bytes is never interleaved with
    /// another). A signal handler that runs while it waits ends it with the count of the
    /// bytes already stored, or, with none, EINTR (unless `SA_RESTART`). With no reader
    /// left, SIGPIPE is raised (by default it ends the process; ignored or caught, the
    /// write fails with EPIPE);
    /// EAGAIN with `NONBLOCK` when a pipe is full (a longer write may then be partial).
    /// EBADF, EISDIR.
    pub async fn write_bytes(&self, fd: Fd, data: Bytes) -> SysResult<usize> {
        let file = self.writable(fd)?;
        self.write_open(&file, data).await
    }

    /// Writes to an open file already checked for writing. A write to a pipe without a
    /// reader raises SIGPIPE first (whose default action ends the process), then fails
    /// with EPIPE.
    async fn write_open(&self, file: &OpenFile, data: Bytes) -> SysResult<usize> {
        let written = match &file.object {
            FileObject::PipeWrite(w) | FileObject::PipeBoth(_, w) => {
                if file.nonblocking() {
                    w.try_write(data).map_err(Error::from)
                } else {
                    self.write_pipe(w, data).await
                }
            }
            FileObject::Tty(tty) => return self.write_tty(tty, file, &data).await,
            _ => return write_now(file, &data),
        };
        if let Err(e) = &written
            && e.errno() == Errno::EPIPE
        {
            self.raise(Signal::SIGPIPE).await?;
        }
        written
    }

    /// A blocking write into a pipe, waiting for room. A signal handler that runs while
    /// it waits ends it with the count of the bytes already stored, if any, with or
    /// without `SA_RESTART` (as Linux's `pipe_write`); with none stored, the write fails
    /// with EINTR, or goes on waiting with `SA_RESTART`.
    async fn write_pipe(&self, w: &vproc_ipc::PipeWriter, data: Bytes) -> SysResult<usize> {
        let mut write = std::pin::pin!(w.write(data));
        let mut first = true;
        std::future::poll_fn(|cx| {
            let polled = write.as_mut().poll(cx);
            let mut core = self.core.borrow_mut();
            let interrupt = self.interruption(&mut core, &mut first);
            match polled {
                Poll::Ready(out) => Poll::Ready(out.map_err(Error::from)),
                Poll::Pending if interrupt.is_some() && write.written() > 0 => {
                    Poll::Ready(Ok(write.written()))
                }
                Poll::Pending if interrupt == Some(false) => Poll::Ready(Err(interrupted("write"))),
                Poll::Pending => {
                    core.action.set(Action::Block(WaitOn::Write));
                    Poll::Pending
                }
            }
        })
        .await
    }

    /// Writes all of `data` to `fd` (copied once into the pipe's buffer); as
    /// [`write_bytes`](Proc::write_bytes).
    pub async fn write(&self, fd: Fd, data: &[u8]) -> SysResult<usize> {
        let file = self.writable(fd)?;
        match &file.object {
            FileObject::PipeWrite(_) | FileObject::PipeBoth(..) => {
                self.write_open(&file, Bytes::copy_from_slice(data)).await
            }
            FileObject::Tty(tty) => self.write_tty(tty, &file, data).await,
            _ => write_now(&file, data),
        }
    }

    /// `ioctl(fd, FIONREAD)`: how many bytes a read could take now without waiting.
    /// For a pipe or FIFO (either end), the bytes buffered; for a terminal, the input
    /// ready (whole lines in canonical mode), EIO once it is hung up; for a regular file,
    /// the bytes from the offset to the end (0 past the end, where Linux gives a negative
    /// count). A /proc file counts its text from the offset (Linux says 0: its files have
    /// no size). ENOTTY for a directory, /dev/null and /dev/zero; EBADF.
    pub fn fionread(&self, fd: Fd) -> SysResult<usize> {
        let file = self.file(fd)?;
        let from_offset = |size: u64| size.saturating_sub(file.offset.get()) as usize;
        match &file.object {
            FileObject::PipeRead(r) | FileObject::PipeBoth(r, _) => Ok(r.len()),
            FileObject::PipeWrite(w) => Ok(w.len()),
            FileObject::Tty(tty) if tty.is_hung_up() => Err(Error::new(
                Errno::EIO,
                format!("descriptor {fd} ({}): the terminal was hung up", file.path),
            )),
            FileObject::Tty(tty) => Ok(tty.available()),
            FileObject::File(f) => Ok(from_offset(f.stat()?.size)),
            FileObject::Text(text) => Ok(from_offset(text.len() as u64)),
            FileObject::Directory(_) | FileObject::Device(_) => Err(Error::new(
                Errno::ENOTTY,
                format!(
                    "descriptor {fd} ({}) has no count of bytes ready to read",
                    file.path
                ),
            )),
        }
    }

    /// Moves the offset of `fd`'s open file (shared with its duplicates) and returns it.
    /// ESPIPE on a pipe; EINVAL for a negative result.
    pub fn lseek(&self, fd: Fd, offset: i64, whence: Whence) -> SysResult<u64> {
        let file = self.file(fd)?;
        let end = match &file.object {
            FileObject::PipeRead(_) | FileObject::PipeWrite(_) | FileObject::PipeBoth(..) => {
                return Err(Error::new(
                    Errno::ESPIPE,
                    format!("descriptor {fd} is a pipe: it has no offset"),
                ));
            }
            FileObject::Tty(_) => {
                return Err(Error::new(
                    Errno::ESPIPE,
                    format!("descriptor {fd} is a terminal: it has no offset"),
                ));
            }
            FileObject::File(f) => f.stat()?.size,
            FileObject::Text(text) => text.len() as u64,
            // A device has no offset: Linux's /dev/null and /dev/zero always give 0.
            FileObject::Device(_) => return Ok(0),
            FileObject::Directory(_) => 0,
        };
        let base = match whence {
            Whence::Set => 0,
            Whence::Cur => file.offset.get(),
            Whence::End => end,
        };
        let to = i64::try_from(base)
            .ok()
            .and_then(|b| b.checked_add(offset))
            .filter(|&to| to >= 0)
            .ok_or_else(|| {
                Error::new(
                    Errno::EINVAL,
                    format!("seeking descriptor {fd} by {offset} from {base} leaves the file"),
                )
            })?;
        file.offset.set(to as u64);
        Ok(to as u64)
    }

    fn readable(&self, fd: Fd) -> SysResult<Rc<OpenFile>> {
        let file = self.file(fd)?;
        if !file.flags.get().readable() {
            return Err(not_for(fd, "reading"));
        }
        Ok(file)
    }

    fn writable(&self, fd: Fd) -> SysResult<Rc<OpenFile>> {
        let file = self.file(fd)?;
        if !file.flags.get().writable() {
            return Err(not_for(fd, "writing"));
        }
        Ok(file)
    }
}

/// Reads what never blocks: regular files, devices.
fn read_now(fd: Fd, file: &OpenFile, buf: &mut [u8]) -> SysResult<usize> {
    match &file.object {
        FileObject::File(f) => {
            let offset = file.offset.get();
            let n = f.read_at(offset, buf)?;
            file.offset.set(offset + n as u64);
            Ok(n)
        }
        FileObject::Device(Device::Null) => Ok(0),
        FileObject::Device(Device::Zero) => {
            buf.fill(0);
            Ok(buf.len())
        }
        FileObject::Directory(_) => Err(is_dir(file)),
        _ => Err(not_for(fd, "reading")),
    }
}

/// Writes what never blocks: regular files (at the end with `APPEND`), devices.
fn write_now(file: &OpenFile, data: &[u8]) -> SysResult<usize> {
    match &file.object {
        // An empty write changes nothing, not even the offset under APPEND.
        FileObject::File(_) if data.is_empty() => Ok(0),
        FileObject::File(f) => {
            let offset = if file.flags.get().contains(OpenFlags::APPEND) {
                f.stat()?.size
            } else {
                file.offset.get()
            };
            let n = f.write_at(offset, data)?;
            file.offset.set(offset + n as u64);
            Ok(n)
        }
        FileObject::Device(_) => Ok(data.len()),
        FileObject::Directory(_) => Err(is_dir(file)),
        _ => Err(Error::new(
            Errno::EBADF,
            format!("{} is not open for writing", file.path),
        )),
    }
}

impl Proc {
    /// Truncates or extends (with zeros) the regular file open on `fd` (for writing) to
    /// `len` bytes. EINVAL for anything but a regular file.
    pub fn ftruncate(&self, fd: Fd, len: u64) -> SysResult<()> {
        let file = self.writable(fd)?;
        match &file.object {
            FileObject::File(f) => f.set_len(len),
            _ => Err(Error::new(
                Errno::EINVAL,
                format!("descriptor {fd} is not a regular file"),
            )),
        }
    }
}
