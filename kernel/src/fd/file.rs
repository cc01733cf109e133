//! Open file descriptions: what descriptors point at. `dup` and inheritance share one
//! description, with its offset and status flags.

use std::cell::Cell;
use std::rc::Rc;
use std::sync::Arc;

use bytes::Bytes;
use vproc_ipc::{PipeReader, PipeWriter};

use super::{Census, PipeToken};
use crate::OpenFlags;
use crate::tty::Tty;
use crate::vfs::{Device, RegularFile, Stat};

/// The object an open file description reads and writes.
pub(crate) enum FileObject {
    /// The read end of a pipe or FIFO.
    PipeRead(PipeReader),
    /// The write end of a pipe or FIFO.
    PipeWrite(PipeWriter),
    /// Both ends of a FIFO opened `O_RDWR`.
    PipeBoth(PipeReader, PipeWriter),
    /// A regular file of a backend.
    File(Rc<dyn RegularFile>),
    /// A directory (its path is the description's `path`), with its status at open.
    Directory(Stat),
    /// A character device.
    Device(Device),
    /// A generated file (under /proc): its text as it was when opened.
    Text(Bytes),
    /// A virtual terminal.
    Tty(Arc<Tty>),
}

/// An open file description.
pub(crate) struct OpenFile {
    pub object: FileObject,
    /// Access mode and status flags (`APPEND`, `NONBLOCK`).
    pub flags: Cell<OpenFlags>,
    /// Where the next read or write of a regular file goes.
    pub offset: Cell<u64>,
    /// The path it was opened by (or `pipe:[id]`), for `/proc/<pid>/fd`.
    pub path: Rc<str>,
    /// The filesystem node it was opened from, when `fstat` should show that node rather
    /// than the object (a FIFO).
    pub inode: Cell<Option<Stat>>,
    /// Keeps the pipe counted while this end is open.
    _pipe: Option<Rc<PipeToken>>,
    census: Rc<Census>,
}

/// Flags an open file description keeps: the access mode and the status flags.
const KEPT: OpenFlags = OpenFlags::WRONLY
    .union(OpenFlags::RDWR)
    .union(OpenFlags::APPEND)
    .union(OpenFlags::NONBLOCK);

impl OpenFile {
    /// A new description, counted in `census`.
    pub(crate) fn new(
        census: &Rc<Census>,
        object: FileObject,
        flags: OpenFlags,
        path: impl Into<Rc<str>>,
    ) -> Rc<OpenFile> {
        let pipe = match &object {
            FileObject::PipeRead(r) | FileObject::PipeBoth(r, _) => Some(r.id()),
            FileObject::PipeWrite(w) => Some(w.id()),
            _ => None,
        };
        census.file_opened();
        Rc::new(OpenFile {
            object,
            flags: Cell::new(flags & KEPT),
            offset: Cell::new(0),
            path: path.into(),
            inode: Cell::new(None),
            _pipe: pipe.map(|id| census.pipe_token(id)),
            census: census.clone(),
        })
    }

    /// Whether calls on it fail with EAGAIN rather than block.
    pub(crate) fn nonblocking(&self) -> bool {
        self.flags.get().contains(OpenFlags::NONBLOCK)
    }

    /// Sets the status flags `F_SETFL` may change (`APPEND`, `NONBLOCK`).
    pub(crate) fn set_status(&self, flags: OpenFlags) {
        let settable = OpenFlags::APPEND | OpenFlags::NONBLOCK;
        let kept = self.flags.get() - settable;
        self.flags.set(kept | (flags & settable));
    }

    /// What `/proc/<pid>/fd/N` shows for it.
    pub(crate) fn describe(&self) -> String {
        match &self.object {
            FileObject::PipeRead(r) | FileObject::PipeBoth(r, _) if self.path.is_empty() => {
                format!("pipe:[{}]", r.id())
            }
            FileObject::PipeWrite(w) if self.path.is_empty() => format!("pipe:[{}]", w.id()),
            _ => self.path.to_string(),
        }
    }
}

impl Drop for OpenFile {
    fn drop(&mut self) {
        self.census.file_closed();
    }
}
