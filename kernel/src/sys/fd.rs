//! Descriptor calls: pipe, close, dup, dup2, dup3, fcntl.

use vproc_ipc::Errno;

use crate::fd::{FileObject, OpenFile};
use crate::{Error, Fcntl, Fd, FdFlags, OpenFlags, Proc, SysResult};

impl Proc {
    /// Makes a pipe: (read end, write end), at the lowest free descriptors. EMFILE.
    pub fn pipe(&self) -> SysResult<(Fd, Fd)> {
        self.pipe2(OpenFlags::empty())
    }

    /// Makes a pipe with `CLOEXEC` and/or `NONBLOCK` set on both ends. EINVAL for other
    /// flags; EMFILE.
    pub fn pipe2(&self, flags: OpenFlags) -> SysResult<(Fd, Fd)> {
        let allowed = OpenFlags::CLOEXEC | OpenFlags::NONBLOCK;
        if !allowed.contains(flags) {
            return Err(Error::new(
                Errno::EINVAL,
                format!("pipe2 takes only CLOEXEC and NONBLOCK, not {flags:?}"),
            ));
        }
        self.syscall(|core, slot| {
            let (reader, writer) = vproc_ipc::pipe();
            let status = flags & OpenFlags::NONBLOCK;
            let cloexec = flags.contains(OpenFlags::CLOEXEC);
            let read = OpenFile::new(&core.census, FileObject::PipeRead(reader), status, "");
            let write = OpenFile::new(
                &core.census,
                FileObject::PipeWrite(writer),
                status | OpenFlags::WRONLY,
                "",
            );
            let fds = &mut core.table.get_mut(slot).fds;
            let r = fds.insert(read, cloexec, Fd(0))?;
            match fds.insert(write, cloexec, Fd(0)) {
                Ok(w) => Ok((r, w)),
                Err(e) => {
                    let _ = fds.remove(r);
                    Err(e)
                }
            }
        })
    }

    /// Closes `fd`. The open file goes when its last descriptor (in any process) does:
    /// a pipe's peer then sees end of file or EPIPE. EBADF.
    pub fn close(&self, fd: Fd) -> SysResult<()> {
        let entry = self.syscall(|core, slot| core.table.get_mut(slot).fds.remove(fd))?;
        drop(entry);
        Ok(())
    }

    /// A new descriptor, the lowest free, for the open file of `fd` (sharing its offset
    /// and status flags; close-on-exec clear). EBADF, EMFILE.
    pub fn dup(&self, fd: Fd) -> SysResult<Fd> {
        self.syscall(|core, slot| {
            let fds = &mut core.table.get_mut(slot).fds;
            let file = fds.get(fd)?.file.clone();
            fds.insert(file, false, Fd(0))
        })
    }

    /// Makes `new` a duplicate of `old`, closing what `new` was first. Nothing happens
    /// when they are equal (and `old` is open). EBADF.
    pub fn dup2(&self, old: Fd, new: Fd) -> SysResult<Fd> {
        self.dup_to(old, new, false, true)
    }

    /// As [`dup2`](Proc::dup2), with `CLOEXEC` possibly set on `new`; EINVAL when
    /// `old == new` or for other flags.
    pub fn dup3(&self, old: Fd, new: Fd, flags: OpenFlags) -> SysResult<Fd> {
        if !OpenFlags::CLOEXEC.contains(flags) {
            return Err(Error::new(
                Errno::EINVAL,
                format!("dup3 takes only CLOEXEC, not {flags:?}"),
            ));
        }
        self.dup_to(old, new, flags.contains(OpenFlags::CLOEXEC), false)
    }

    fn dup_to(&self, old: Fd, new: Fd, cloexec: bool, same_ok: bool) -> SysResult<Fd> {
        let replaced = self.syscall(|core, slot| {
            if old == new && !same_ok {
                // Linux checks this before whether `old` is open.
                return Err(Error::new(
                    Errno::EINVAL,
                    format!("dup3 of descriptor {old} onto itself"),
                ));
            }
            let fds = &mut core.table.get_mut(slot).fds;
            let file = fds.get(old)?.file.clone();
            if old == new {
                return Ok(None);
            }
            fds.replace(new, file, cloexec)
        })?;
        drop(replaced);
        Ok(new)
    }

    /// `fcntl`: descriptor flags, status flags, duplicates and pipe sizes. Returns the
    /// value the command gives (0 for those that only set). EBADF; EINVAL; EBUSY when a
    /// pipe holds more than the size asked for.
    pub fn fcntl(&self, fd: Fd, command: Fcntl) -> SysResult<u64> {
        self.syscall(|core, slot| {
            let fds = &mut core.table.get_mut(slot).fds;
            let entry = fds.get_mut(fd)?;
            let pipe_size = |file: &OpenFile, set: Option<usize>| -> SysResult<u64> {
                let size = match (&file.object, set) {
                    (FileObject::PipeRead(r) | FileObject::PipeBoth(r, _), None) => r.capacity(),
                    (FileObject::PipeWrite(w), None) => w.capacity(),
                    (FileObject::PipeRead(r) | FileObject::PipeBoth(r, _), Some(n)) => {
                        r.set_capacity(n)?
                    }
                    (FileObject::PipeWrite(w), Some(n)) => w.set_capacity(n)?,
                    _ => {
                        return Err(Error::new(
                            Errno::EBADF,
                            format!("descriptor {fd} is not a pipe"),
                        ));
                    }
                };
                Ok(size as u64)
            };
            match command {
                Fcntl::GetFd => Ok(if entry.cloexec {
                    u64::from(FdFlags::CLOEXEC.bits())
                } else {
                    0
                }),
                Fcntl::SetFd(flags) => {
                    entry.cloexec = flags.contains(FdFlags::CLOEXEC);
                    Ok(0)
                }
                Fcntl::GetFl => Ok(u64::from(entry.file.flags.get().bits())),
                Fcntl::SetFl(flags) => {
                    entry.file.set_status(flags);
                    Ok(0)
                }
                Fcntl::GetPipeSize => pipe_size(&entry.file, None),
                Fcntl::SetPipeSize(n) => pipe_size(&entry.file, Some(n)),
                Fcntl::DupFd(min) | Fcntl::DupFdCloexec(min) => {
                    let file = entry.file.clone();
                    let cloexec = matches!(command, Fcntl::DupFdCloexec(_));
                    fds.insert(file, cloexec, min).map(|fd| u64::from(fd.0))
                }
            }
        })
    }

    /// The process's open descriptors, lowest first, each with what it names (as
    /// `ls -l /proc/self/fd` shows).
    pub fn descriptors(&self) -> Vec<(Fd, String)> {
        self.query(Vec::new(), |core, slot| {
            core.table
                .get(slot)
                .fds
                .iter()
                .map(|(fd, e)| (fd, e.file.describe()))
                .collect()
        })
    }
}
