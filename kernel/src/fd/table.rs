//! A process's descriptor table: numbers to open file descriptions, lowest free first.

use std::rc::Rc;

use thin_vec::ThinVec;
use vproc_ipc::Errno;

use super::{Fd, OpenFile};
use crate::{Error, SysResult};

/// The most descriptors a process may have open (Linux's default `RLIMIT_NOFILE`).
pub const OPEN_MAX: u32 = 1024;

/// One descriptor: the open file it shares, and its close-on-exec flag.
#[derive(Clone)]
pub(crate) struct FdEntry {
    pub file: Rc<OpenFile>,
    pub cloexec: bool,
}

/// Descriptors by number. Empty (and allocation-free) for a process with none.
///
/// One pointer wide (its length and capacity live with the descriptors), so that it
/// shares the process table's exit line with the links an exit touches.
#[derive(Clone, Default)]
pub(crate) struct FdTable {
    slots: ThinVec<Option<FdEntry>>,
}

impl FdTable {
    /// The entry of `fd`; EBADF when it is not open.
    pub(crate) fn get(&self, fd: Fd) -> SysResult<&FdEntry> {
        self.slots
            .get(fd.0 as usize)
            .and_then(Option::as_ref)
            .ok_or_else(|| bad(fd))
    }

    /// The entry of `fd`, to change its flag.
    pub(crate) fn get_mut(&mut self, fd: Fd) -> SysResult<&mut FdEntry> {
        self.slots
            .get_mut(fd.0 as usize)
            .and_then(Option::as_mut)
            .ok_or_else(|| bad(fd))
    }

    /// Installs `file` at the lowest free number ≥ `min`; EMFILE when none is below
    /// [`OPEN_MAX`], EINVAL when `min` is not below it.
    pub(crate) fn insert(&mut self, file: Rc<OpenFile>, cloexec: bool, min: Fd) -> SysResult<Fd> {
        if min.0 >= super::OPEN_MAX {
            return Err(Error::new(
                Errno::EINVAL,
                format!(
                    "descriptor {min} is beyond the limit of {} open files",
                    super::OPEN_MAX
                ),
            ));
        }
        let start = min.0 as usize;
        let free = (start..self.slots.len()).find(|&i| self.slots[i].is_none());
        let index = match free {
            Some(i) => i,
            None => self.slots.len().max(start),
        };
        if index >= super::OPEN_MAX as usize {
            return Err(Error::new(
                Errno::EMFILE,
                format!("the process has {} files open already", super::OPEN_MAX),
            ));
        }
        if index >= self.slots.len() {
            self.slots.resize(index + 1, None);
        }
        self.slots[index] = Some(FdEntry { file, cloexec });
        Ok(Fd(index as u32))
    }

    /// Installs `file` at `fd` exactly, returning what was there (for the caller to drop).
    /// EBADF when `fd` is beyond the limit.
    pub(crate) fn replace(
        &mut self,
        fd: Fd,
        file: Rc<OpenFile>,
        cloexec: bool,
    ) -> SysResult<Option<FdEntry>> {
        if fd.0 >= super::OPEN_MAX {
            return Err(bad(fd));
        }
        let index = fd.0 as usize;
        if index >= self.slots.len() {
            self.slots.resize(index + 1, None);
        }
        Ok(self.slots[index].replace(FdEntry { file, cloexec }))
    }

    /// Removes `fd`, returning its entry (for the caller to drop); EBADF if not open.
    pub(crate) fn remove(&mut self, fd: Fd) -> SysResult<FdEntry> {
        let entry = self
            .slots
            .get_mut(fd.0 as usize)
            .and_then(Option::take)
            .ok_or_else(|| bad(fd))?;
        while matches!(self.slots.last(), Some(None)) {
            self.slots.pop();
        }
        Ok(entry)
    }

    /// The table a spawned child starts with: every descriptor without close-on-exec.
    #[inline]
    pub(crate) fn inherited(&self) -> FdTable {
        if self.slots.is_empty() {
            return FdTable::default();
        }
        let mut slots: ThinVec<Option<FdEntry>> = self
            .slots
            .iter()
            .map(|e| e.as_ref().filter(|e| !e.cloexec).cloned())
            .collect();
        while matches!(slots.last(), Some(None)) {
            slots.pop();
        }
        FdTable { slots }
    }

    /// Drops the table, closing its descriptors in order; a table that never held one
    /// (most processes' at exit, a vacant slot's) owns no memory and is let go without
    /// the call a drop takes.
    #[inline(always)]
    pub(crate) fn close_all(self) {
        if self.slots.capacity() == 0 {
            std::mem::forget(self);
        } else {
            drop(self);
        }
    }

    /// Open descriptors, lowest first.
    pub(crate) fn iter(&self) -> impl Iterator<Item = (Fd, &FdEntry)> {
        self.slots
            .iter()
            .enumerate()
            .filter_map(|(i, e)| e.as_ref().map(|e| (Fd(i as u32), e)))
    }

    /// How many descriptors are open.
    pub(crate) fn len(&self) -> usize {
        self.slots.iter().filter(|e| e.is_some()).count()
    }
}

fn bad(fd: Fd) -> Error {
    Error::new(Errno::EBADF, format!("descriptor {fd} is not open"))
}
