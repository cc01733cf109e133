//! Path calls: open, stat, mkdir, mkfifo, unlink, rmdir, rename, readdir, links, modes.

use vproc_ipc::Errno;

use crate::fd::{FileObject, OpenFile};
use crate::vfs::Opened;
use crate::{DirEntry, Error, Fd, OpenFlags, Proc, Stat, SysResult, WaitOn, vfs};

impl Proc {
    /// Opens `path` and returns the lowest free descriptor for it. `mode` (less the
    /// umask) is the permission of a file `CREAT` makes. Opening a FIFO waits for the
    /// other end unless `NONBLOCK` (then a write-only open without a reader fails with
    /// ENXIO). ENOENT, EEXIST, EISDIR, ENOTDIR, ELOOP, EMFILE, EACCES.
    pub async fn open(&self, path: &str, flags: OpenFlags, mode: u32) -> SysResult<Fd> {
        let opened = self.syscall(|core, slot| core.open_path(slot, path, flags, mode))?;
        let file = match opened {
            Opened::Ready(file) => file,
            Opened::Fifo { fifo, path, stat } => {
                let nonblock = flags.contains(OpenFlags::NONBLOCK);
                let object = if flags.contains(OpenFlags::RDWR) {
                    let (r, w) = fifo.open_read_write();
                    FileObject::PipeBoth(r, w)
                } else if flags.writable() {
                    let open = fifo.open_write(nonblock);
                    FileObject::PipeWrite(self.block_on(WaitOn::Open, open).await?)
                } else {
                    let open = fifo.open_read(nonblock);
                    FileObject::PipeRead(self.block_on(WaitOn::Open, open).await?)
                };
                let core = self.core.borrow();
                let file = OpenFile::new(&core.census, object, flags, path);
                file.inode.set(Some(stat));
                file
            }
        };
        let cloexec = flags.contains(OpenFlags::CLOEXEC);
        let mut core = self.core.borrow_mut();
        let slot = self.live_slot(&core)?;
        core.table.get_mut(slot).fds.insert(file, cloexec, Fd(0))
    }

    /// Creates (or truncates) `path` for writing, as `creat` does.
    pub async fn creat(&self, path: &str, mode: u32) -> SysResult<Fd> {
        let flags = OpenFlags::WRONLY | OpenFlags::CREAT | OpenFlags::TRUNC;
        self.open(path, flags, mode).await
    }

    /// The status of the file `path` names, following links.
    pub fn stat(&self, path: &str) -> SysResult<Stat> {
        self.syscall(|core, slot| core.stat_path(slot, path, true))
    }

    /// The status of `path` itself (a link is not followed).
    pub fn lstat(&self, path: &str) -> SysResult<Stat> {
        self.syscall(|core, slot| core.stat_path(slot, path, false))
    }

    /// The status of the open file of `fd`.
    pub fn fstat(&self, fd: Fd) -> SysResult<Stat> {
        let file = self.file(fd)?;
        Ok(self.core.borrow().stat_open(&file))
    }

    /// Makes a directory (mode less the umask). EEXIST, ENOENT, ENOTDIR.
    pub fn mkdir(&self, path: &str, mode: u32) -> SysResult<()> {
        self.syscall(|core, slot| core.mkdir(slot, path, mode))
    }

    /// Removes an empty directory. ENOTEMPTY, ENOTDIR, EBUSY (a mount point), EINVAL
    /// (`.`).
    pub fn rmdir(&self, path: &str) -> SysResult<()> {
        self.syscall(|core, slot| core.rmdir(slot, path))
    }

    /// Makes a named pipe (mode less the umask). EEXIST, ENOENT.
    pub fn mkfifo(&self, path: &str, mode: u32) -> SysResult<()> {
        self.syscall(|core, slot| core.mkfifo(slot, path, mode))
    }

    /// Removes a name; a file open elsewhere lives on until closed. EISDIR, ENOENT.
    pub fn unlink(&self, path: &str) -> SysResult<()> {
        self.syscall(|core, slot| core.unlink(slot, path))
    }

    /// Renames `from` to `to`, replacing `to` as `rename(2)` does. EXDEV across mounts.
    pub fn rename(&self, from: &str, to: &str) -> SysResult<()> {
        self.syscall(|core, slot| core.rename(slot, from, to))
    }

    /// The entries of the directory `path`, sorted by name, without `.` and `..`.
    pub fn readdir(&self, path: &str) -> SysResult<Vec<DirEntry>> {
        self.syscall(|core, slot| core.readdir(slot, path))
    }

    /// The entries of the directory open on `fd`. ENOTDIR.
    pub fn readdir_fd(&self, fd: Fd) -> SysResult<Vec<DirEntry>> {
        let file = self.file(fd)?;
        match file.object {
            FileObject::Directory(_) => self.core.borrow().readdir_at(&vfs::components(&file.path)),
            _ => Err(Error::new(
                Errno::ENOTDIR,
                format!("descriptor {fd} is not a directory"),
            )),
        }
    }

    /// Makes a symbolic link at `path` that points at `target`.
    pub fn symlink(&self, target: &str, path: &str) -> SysResult<()> {
        self.syscall(|core, slot| core.symlink(slot, target, path))
    }

    /// The target of the symbolic link `path`. EINVAL if it is not one.
    pub fn readlink(&self, path: &str) -> SysResult<String> {
        self.syscall(|core, slot| core.readlink(slot, path))
    }

    /// Sets the permission bits of `path`.
    pub fn chmod(&self, path: &str, mode: u32) -> SysResult<()> {
        self.syscall(|core, slot| core.chmod(slot, path, mode))
    }

    /// Sets the umask (the bits removed from the mode of new files) and returns the old
    /// one. Children inherit it.
    pub fn umask(&self, mask: u32) -> u32 {
        self.query(0, |core, slot| {
            std::mem::replace(&mut core.table.get_mut(slot).umask, mask & 0o777)
        })
    }
}
