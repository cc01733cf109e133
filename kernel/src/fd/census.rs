//! Counts of the open files and pipes alive in one kernel, kept by the objects themselves
//! so that a leak (a description kept alive by something forgotten) shows.

use std::cell::{Cell, RefCell};
use std::collections::HashMap;
use std::rc::{Rc, Weak};

/// The counters; shared by every open file description of a kernel.
#[derive(Debug, Default)]
pub(crate) struct Census {
    open_files: Cell<usize>,
    /// Live pipes by id (each alive while an open file holds one of its ends).
    pipes: RefCell<HashMap<u64, Weak<PipeToken>>>,
}

/// Held by every open file on a pipe's end; the pipe counts as live while one is held.
#[derive(Debug)]
pub(crate) struct PipeToken {
    id: u64,
    census: Weak<Census>,
}

impl Census {
    /// Open file descriptions alive.
    pub(crate) fn open_files(&self) -> usize {
        self.open_files.get()
    }

    /// Pipes with an end held by an open file.
    pub(crate) fn pipes(&self) -> usize {
        self.pipes.borrow().len()
    }

    pub(crate) fn file_opened(&self) {
        self.open_files.set(self.open_files.get() + 1);
    }

    pub(crate) fn file_closed(&self) {
        self.open_files.set(self.open_files.get() - 1);
    }

    /// The token of pipe `id`, made on first use.
    pub(crate) fn pipe_token(self: &Rc<Self>, id: u64) -> Rc<PipeToken> {
        let mut pipes = self.pipes.borrow_mut();
        if let Some(token) = pipes.get(&id).and_then(Weak::upgrade) {
            return token;
        }
        let token = Rc::new(PipeToken {
            id,
            census: Rc::downgrade(self),
        });
        pipes.insert(id, Rc::downgrade(&token));
        token
    }
}

impl Drop for PipeToken {
    fn drop(&mut self) {
        if let Some(census) = self.census.upgrade() {
            census.pipes.borrow_mut().remove(&self.id);
        }
    }
}
