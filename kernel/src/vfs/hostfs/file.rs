//! The open-file handle of a host regular file, and retrying what a signal interrupted.

use std::os::unix::fs::FileExt;

use rustix::fs as host;
use vproc_ipc::Errno;

use super::errno::{host_error, io_error};
use super::stat::to_stat;
use crate::SysResult;
use crate::vfs::name::fail;
use crate::vfs::{RegularFile, Stat};

/// An open regular file of a [`HostFs`](super::HostFs).
pub(super) struct HostFile {
    pub(super) file: std::fs::File,
    pub(super) dev: u64,
    /// The path it was opened by, for messages.
    pub(super) path: String,
}

/// Retries a host call that a signal interrupted.
fn retry<T>(mut call: impl FnMut() -> std::io::Result<T>) -> std::io::Result<T> {
    loop {
        match call() {
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            r => return r,
        }
    }
}

impl RegularFile for HostFile {
    fn read_at(&self, offset: u64, buf: &mut [u8]) -> SysResult<usize> {
        retry(|| self.file.read_at(buf, offset)).map_err(|e| io_error(&e, "read", &self.path))
    }

    fn write_at(&self, offset: u64, data: &[u8]) -> SysResult<usize> {
        retry(|| self.file.write_at(data, offset)).map_err(|e| io_error(&e, "write", &self.path))
    }

    fn set_len(&self, len: u64) -> SysResult<()> {
        if len > i64::MAX as u64 {
            return Err(fail(
                Errno::EFBIG,
                "truncate",
                &self.path,
                format_args!("{len} bytes passes the largest file size"),
            ));
        }
        retry(|| self.file.set_len(len)).map_err(|e| io_error(&e, "truncate", &self.path))
    }

    fn stat(&self) -> SysResult<Stat> {
        host::fstat(&self.file)
            .map(|st| to_stat(&st, self.dev))
            .map_err(|e| host_error(e, "fstat", &self.path))
    }
}
