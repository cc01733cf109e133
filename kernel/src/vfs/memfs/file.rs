//! The open-file handle of a memfs regular file.

use std::cell::RefCell;
use std::rc::Rc;

use vproc_ipc::Errno;

use super::inode::{Inode, Kind, Shared};
use crate::vfs::{RegularFile, Stat};
use crate::{Error, SysResult};

/// An open regular file of a [`MemFs`](super::MemFs). Keeps its inode (and the filesystem's table)
/// alive; the last handle of an unlinked file frees the inode.
pub(super) struct MemFile {
    pub(super) inode: Rc<Inode>,
    pub(super) shared: Rc<Shared>,
    pub(super) dev: u64,
}

impl MemFile {
    fn bytes(&self) -> SysResult<&RefCell<Vec<u8>>> {
        match &self.inode.kind {
            Kind::File(bytes) => Ok(bytes),
            _ => Err(Error::new(
                Errno::EIO,
                format!(
                    "memfs: inode {} is open as a regular file but is not one (a memfs bug)",
                    self.inode.ino
                ),
            )),
        }
    }
}

impl RegularFile for MemFile {
    fn read_at(&self, offset: u64, buf: &mut [u8]) -> SysResult<usize> {
        let bytes = self.bytes()?.borrow();
        let Ok(start) = usize::try_from(offset) else {
            return Ok(0);
        };
        let Some(rest) = bytes.get(start..) else {
            return Ok(0);
        };
        let n = rest.len().min(buf.len());
        buf[..n].copy_from_slice(&rest[..n]);
        Ok(n)
    }

    fn write_at(&self, offset: u64, data: &[u8]) -> SysResult<usize> {
        if data.is_empty() {
            return Ok(0);
        }
        let too_big = || {
            Error::new(
                Errno::EFBIG,
                format!(
                    "memfs: writing {} bytes at offset {offset} passes the largest file size",
                    data.len()
                ),
            )
        };
        let end = offset
            .checked_add(data.len() as u64)
            .filter(|&end| end <= i64::MAX as u64)
            .ok_or_else(too_big)?;
        let mut bytes = self.bytes()?.borrow_mut();
        if end > bytes.len() as u64 {
            self.shared.resize(&mut bytes, end, "the write")?;
        }
        // Both fit in usize now: `end` is at most the length of the bytes.
        let (start, end) = (offset as usize, end as usize);
        bytes[start..end].copy_from_slice(data);
        Ok(data.len())
    }

    fn set_len(&self, len: u64) -> SysResult<()> {
        if len > i64::MAX as u64 {
            return Err(Error::new(
                Errno::EFBIG,
                format!("memfs: {len} bytes passes the largest file size"),
            ));
        }
        let mut bytes = self.bytes()?.borrow_mut();
        self.shared.resize(&mut bytes, len, "the truncation")
    }

    fn stat(&self) -> SysResult<Stat> {
        Ok(self.inode.stat(self.dev))
    }
}

impl Drop for MemFile {
    fn drop(&mut self) {
        let open = self.inode.open.get().saturating_sub(1);
        self.inode.open.set(open);
        if open == 0 && self.inode.nlink.get() == 0 {
            self.shared.free(self.inode.ino);
        }
    }
}
