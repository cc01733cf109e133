//! Terminal calls: isatty, tcgetpgrp, tcsetpgrp, tcgetsid, TIOCSCTTY, and reading and
//! writing a terminal under job control.
//!
//! Only the caller's *controlling* terminal has a foreground: a process of a background
//! group of its session that reads it is sent SIGTTIN (to its whole group), which by
//! default stops it; the read starts again once it is continued. If SIGTTIN is ignored
//! or blocked, or its group is orphaned, the read fails with EIO instead, as on Linux.
//! Writing from the background is allowed (`TOSTOP` is off, Linux's default).

use std::sync::Arc;
use std::task::Poll;

use bytes::Bytes;
use vproc_ipc::{Errno, Signal};

use crate::fd::{FileObject, OpenFile};
use crate::proc::interrupted;
use crate::process::Action;
use crate::tty::{Job, Tty, not_a_tty};
use crate::{Error, Fd, Pid, Proc, SysResult, WaitOn};

/// The terminal an open file is on; ENOTTY for anything else.
fn tty_of(fd: Fd, file: &OpenFile) -> SysResult<Arc<Tty>> {
    match &file.object {
        FileObject::Tty(tty) => Ok(tty.clone()),
        _ => Err(not_a_tty(format_args!("descriptor {fd}"))),
    }
}

/// ENOTTY: `tty` is not the caller's controlling terminal.
fn not_controlling(tty: &Tty) -> Error {
    Error::new(
        Errno::ENOTTY,
        format!("{} is not the controlling terminal of the caller", tty.id()),
    )
}

impl Proc {
    /// Whether `fd` is open on a terminal (false for a descriptor that is not open).
    pub fn isatty(&self, fd: Fd) -> bool {
        self.file(fd)
            .is_ok_and(|file| matches!(file.object, FileObject::Tty(_)))
    }

    /// The foreground process group of the terminal on `fd`, which must be the caller's
    /// controlling terminal (ENOTTY otherwise; EBADF).
    pub fn tcgetpgrp(&self, fd: Fd) -> SysResult<Pid> {
        self.syscall(|core, slot| {
            let p = core.table.get(slot);
            let tty = tty_of(fd, &p.fds.get(fd)?.file)?;
            tty.foreground_of(p.sid)
                .ok_or_else(|| not_controlling(&tty))
        })
    }

    /// The session the terminal on `fd` controls, which must be the caller's (ENOTTY
    /// otherwise; EBADF).
    pub fn tcgetsid(&self, fd: Fd) -> SysResult<Pid> {
        self.syscall(|core, slot| {
            let p = core.table.get(slot);
            let tty = tty_of(fd, &p.fds.get(fd)?.file)?;
            match tty.foreground_of(p.sid) {
                Some(_) => Ok(p.sid),
                None => Err(not_controlling(&tty)),
            }
        })
    }

    /// Puts process group `pgid` in the foreground of the terminal on `fd`, the caller's
    /// controlling terminal (ENOTTY otherwise, or for a descriptor that is no terminal;
    /// EBADF). EPERM when `pgid` is not a group of the caller's session, ESRCH when no
    /// process has that id at all.
    ///
    /// Called from a background group, it sends SIGTTOU to that group and waits (by
    /// default the group stops; the call starts again once continued), unless the caller
    /// ignores or blocks SIGTTOU, as shells do: then it goes ahead. From an orphaned
    /// background group it fails with ENOTTY, as on Linux.
    pub async fn tcsetpgrp(&self, fd: Fd, pgid: Pid) -> SysResult<()> {
        let tty = tty_of(fd, &*self.file(fd)?)?;
        let mut first = true;
        std::future::poll_fn(|_cx| {
            let mut core = self.core.borrow_mut();
            let slot = self.live_slot(&core)?;
            let by_handler = core.interruption(slot, &mut first) == Some(false);
            let sid = core.table.get(slot).sid;
            if tty.foreground_of(sid).is_none() {
                return Poll::Ready(Err(not_controlling(&tty)));
            }
            match core.job(slot, &tty, Signal::SIGTTOU) {
                Job::Free | Job::Background { ignored: true, .. } => {}
                Job::Background { orphaned: true, .. } => {
                    return Poll::Ready(Err(Error::new(
                        Errno::ENOTTY,
                        "tcsetpgrp from an orphaned background process group",
                    )));
                }
                Job::Background { .. } if by_handler => {
                    return Poll::Ready(Err(interrupted("tcsetpgrp")));
                }
                Job::Background { pgid: mine, .. } => {
                    if let Err(bug) = core.signal_group(mine, Signal::SIGTTOU) {
                        return Poll::Ready(Err(bug));
                    }
                    core.action.set(Action::Block(WaitOn::Signal));
                    return Poll::Pending;
                }
            }
            if !core.group_in_session(pgid, sid) {
                let exists = core
                    .table
                    .iter()
                    .any(|(_, p)| (p.pid == pgid || p.pgid == pgid) && !p.is_zombie());
                let (errno, why) = if exists {
                    (
                        Errno::EPERM,
                        "is not a process group of the caller's session",
                    )
                } else {
                    (Errno::ESRCH, "names no process group")
                };
                return Poll::Ready(Err(Error::new(errno, format!("{pgid} {why}"))));
            }
            tty.set_foreground(pgid);
            Poll::Ready(Ok(()))
        })
        .await
    }

    /// Makes the terminal on `fd` the controlling terminal of the session the caller
    /// leads, with the caller's group in the foreground (`ioctl(fd, TIOCSCTTY, 0)`).
    /// Nothing to do if it is already. EPERM when the caller leads no session, its
    /// session has another terminal, or the terminal controls another session; EPERM
    /// too for a descriptor not open for reading; ENOTTY, EBADF; EIO once hung up.
    pub fn tiocsctty(&self, fd: Fd) -> SysResult<()> {
        self.syscall(|core, slot| {
            let file = core.table.get(slot).fds.get(fd)?.file.clone();
            let tty = tty_of(fd, &file)?;
            if !file.flags.get().readable() {
                return Err(Error::new(
                    Errno::EPERM,
                    format!("descriptor {fd} is not open for reading"),
                ));
            }
            core.set_ctty(slot, &tty)
        })
    }

    /// Reads up to `max` bytes from a terminal, under job control (see the module's
    /// documentation). Waits for input unless `NONBLOCK` (EAGAIN).
    pub(crate) async fn read_tty(
        &self,
        tty: &Tty,
        file: &OpenFile,
        max: usize,
    ) -> SysResult<Bytes> {
        let mut first = true;
        std::future::poll_fn(|cx| {
            let mut core = self.core.borrow_mut();
            let slot = self.live_slot(&core)?;
            let by_handler = core.interruption(slot, &mut first) == Some(false);
            match core.job(slot, tty, Signal::SIGTTIN) {
                Job::Free => {}
                Job::Background {
                    ignored, orphaned, ..
                } if ignored || orphaned => {
                    return Poll::Ready(Err(Error::new(
                        Errno::EIO,
                        format!(
                            "read of {} from a background process group that cannot be \
                             stopped",
                            tty.id()
                        ),
                    )));
                }
                Job::Background { .. } if by_handler => {
                    return Poll::Ready(Err(interrupted("read")));
                }
                Job::Background { pgid, .. } => {
                    if let Err(bug) = core.signal_group(pgid, Signal::SIGTTIN) {
                        return Poll::Ready(Err(bug));
                    }
                    core.action.set(Action::Block(WaitOn::Read));
                    return Poll::Pending;
                }
            }
            if let Some(data) = tty.poll_read(max, cx.waker()) {
                return Poll::Ready(Ok(Bytes::from(data)));
            }
            if file.nonblocking() {
                return Poll::Ready(Err(Error::new(
                    Errno::EAGAIN,
                    format!("{}: no input yet", tty.id()),
                )));
            }
            if by_handler {
                return Poll::Ready(Err(interrupted("read")));
            }
            core.action.set(Action::Block(WaitOn::Read));
            Poll::Pending
        })
        .await
    }

    /// Writes all of `data` to a terminal, waiting for the host to take output when the
    /// terminal is full (EAGAIN instead with `NONBLOCK`). A signal handler interrupting
    /// the wait, or a hang-up, ends the write with the count written so far (or EINTR,
    /// EAGAIN, EIO when it is none).
    pub(crate) async fn write_tty(
        &self,
        tty: &Tty,
        file: &OpenFile,
        data: &[u8],
    ) -> SysResult<usize> {
        let mut written = 0;
        let mut first = true;
        std::future::poll_fn(|cx| {
            let mut core = self.core.borrow_mut();
            let slot = self.live_slot(&core)?;
            let by_handler = core.interruption(slot, &mut first) == Some(false);
            match tty.poll_write(&data[written..], cx.waker()) {
                Ok(n) => written += n,
                Err(e) if written == 0 => return Poll::Ready(Err(e)),
                Err(_) => return Poll::Ready(Ok(written)),
            }
            if written == data.len() {
                return Poll::Ready(Ok(written));
            }
            let stop = if file.nonblocking() {
                Some(Error::new(
                    Errno::EAGAIN,
                    format!("{}: the host has not taken the output", tty.id()),
                ))
            } else if by_handler {
                Some(interrupted("write"))
            } else {
                None
            };
            match stop {
                Some(_) if written > 0 => Poll::Ready(Ok(written)),
                Some(e) => Poll::Ready(Err(e)),
                None => {
                    core.action.set(Action::Block(WaitOn::Write));
                    Poll::Pending
                }
            }
        })
        .await
    }
}
