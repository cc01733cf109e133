//! Host errors as vproc's [`Errno`], and the errors hostfs makes of its own.

use rustix::io::Errno as HostErrno;
use vproc_ipc::Errno;

use crate::Error;
use crate::vfs::name::fail;

/// Our number for a host error, if `Errno` has it.
pub(super) fn errno_of(e: HostErrno) -> Option<Errno> {
    Some(match e {
        HostErrno::PERM => Errno::EPERM,
        HostErrno::NOENT => Errno::ENOENT,
        HostErrno::INTR => Errno::EINTR,
        HostErrno::IO => Errno::EIO,
        HostErrno::NXIO => Errno::ENXIO,
        HostErrno::BADF => Errno::EBADF,
        HostErrno::AGAIN => Errno::EAGAIN,
        HostErrno::NOMEM => Errno::ENOMEM,
        HostErrno::ACCESS => Errno::EACCES,
        HostErrno::FAULT => Errno::EFAULT,
        HostErrno::BUSY => Errno::EBUSY,
        HostErrno::EXIST => Errno::EEXIST,
        HostErrno::NOTDIR => Errno::ENOTDIR,
        HostErrno::ISDIR => Errno::EISDIR,
        HostErrno::INVAL => Errno::EINVAL,
        HostErrno::NFILE => Errno::ENFILE,
        HostErrno::MFILE => Errno::EMFILE,
        HostErrno::FBIG => Errno::EFBIG,
        HostErrno::NOSPC => Errno::ENOSPC,
        HostErrno::SPIPE => Errno::ESPIPE,
        HostErrno::ROFS => Errno::EROFS,
        HostErrno::NAMETOOLONG => Errno::ENAMETOOLONG,
        HostErrno::NOSYS => Errno::ENOSYS,
        HostErrno::NOTEMPTY => Errno::ENOTEMPTY,
        HostErrno::LOOP => Errno::ELOOP,
        e if e == HostErrno::OPNOTSUPP || e == HostErrno::NOTSUP => Errno::ENOTSUP,
        _ => return None,
    })
}

/// Our number for a host error and what to say about it: one `Errno` lacks is EIO, and
/// the message keeps the host's description.
pub(super) fn describe(e: HostErrno) -> (Errno, String) {
    match errno_of(e) {
        Some(errno) => (errno, errno.description().to_owned()),
        None => (
            Errno::EIO,
            format!("host error: {}", std::io::Error::from(e)),
        ),
    }
}

/// A host error of operation `op` on `path`.
pub(super) fn host_error(e: HostErrno, op: &str, path: &str) -> Error {
    let (errno, what) = describe(e);
    fail(errno, op, path, what)
}

/// A `std::io::Error` of a host call (from [`HostFile`](super::file::HostFile)).
pub(super) fn io_error(e: &std::io::Error, op: &str, path: &str) -> Error {
    match e.raw_os_error() {
        Some(raw) => host_error(HostErrno::from_raw_os_error(raw), op, path),
        None => fail(Errno::EIO, op, path, format_args!("host error: {e}")),
    }
}

/// ENOTSUP for a socket or device.
pub(super) fn special_file(path: &str) -> Error {
    fail(
        Errno::ENOTSUP,
        "open",
        path,
        "vproc does not open host special files (sockets, devices)",
    )
}

/// ELOOP for a symbolic link where the backend would have to follow it.
pub(super) fn is_symlink(op: &str, path: &str, which: &str) -> Error {
    fail(
        Errno::ELOOP,
        op,
        path,
        format_args!("{which} is a symbolic link, which hostfs does not follow"),
    )
}

/// EEXIST from rmdir or rename onto a directory is the other POSIX spelling of ENOTEMPTY.
pub(super) fn not_empty(e: HostErrno) -> HostErrno {
    if e == HostErrno::EXIST {
        HostErrno::NOTEMPTY
    } else {
        e
    }
}
