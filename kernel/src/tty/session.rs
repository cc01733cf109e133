//! The kernel's side of terminals: which exist, which session each controls, and the
//! job-control rules that decide who may read and who may change the foreground.

use std::collections::HashMap;
use std::sync::{Arc, Weak};

use vproc_ipc::{Errno, Signal};

use super::{Tty, TtyId};
use crate::core::Core;
use crate::process::NIL;
use crate::{Disposition, Error, Pid, SysResult};

/// The terminals of one kernel.
#[derive(Default)]
pub(crate) struct Terminals {
    next: u32,
    /// Every terminal made, alive while a handle, an open file or a session holds it.
    all: Vec<Weak<Tty>>,
    /// Controlling terminals, by session id.
    controlling: HashMap<Pid, Arc<Tty>>,
}

impl Terminals {
    /// A new terminal, numbered after the last.
    pub(crate) fn open(&mut self) -> Arc<Tty> {
        self.all.retain(|t| t.strong_count() > 0);
        let tty = Arc::new(Tty::new(TtyId(self.next)));
        self.next += 1;
        self.all.push(Arc::downgrade(&tty));
        tty
    }

    /// The terminal numbered `id`; ENXIO when there is none (or no longer).
    pub(crate) fn get(&self, id: TtyId) -> SysResult<Arc<Tty>> {
        self.all
            .iter()
            .filter_map(Weak::upgrade)
            .find(|t| t.id() == id)
            .ok_or_else(|| Error::new(Errno::ENXIO, format!("{id}: no such terminal")))
    }

    /// Terminals alive.
    pub(crate) fn live(&self) -> usize {
        self.all.iter().filter(|t| t.strong_count() > 0).count()
    }

    /// The controlling terminal of session `sid`.
    pub(crate) fn of_session(&self, sid: Pid) -> Option<&Arc<Tty>> {
        self.controlling.get(&sid)
    }
}

/// Where a process stands with a terminal it reads or whose foreground it sets.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Job {
    /// It may go on: the terminal is not its controlling terminal, or its group is in
    /// the foreground.
    Free,
    /// Its group `pgid` is in the background of the terminal's session.
    Background {
        pgid: Pid,
        /// It ignores or blocks the job-control signal in question.
        ignored: bool,
        /// Its group is orphaned: no shell is left to continue it, so it is not stopped.
        orphaned: bool,
    },
}

impl Core {
    /// The controlling terminal of the process in `slot`, if its session has one.
    pub(crate) fn ctty(&self, slot: u32) -> Option<Arc<Tty>> {
        let sid = self.table.get(slot).sid;
        self.terminals.of_session(sid).cloned()
    }

    /// Where the process in `slot` stands with `tty` as to `signal` (SIGTTIN for a read,
    /// SIGTTOU for `tcsetpgrp`).
    pub(crate) fn job(&self, slot: u32, tty: &Tty, signal: Signal) -> Job {
        let p = self.table.get(slot);
        match tty.foreground_of(p.sid) {
            None => Job::Free,
            Some(fg) if fg == p.pgid => Job::Free,
            Some(_) => Job::Background {
                pgid: p.pgid,
                ignored: p.sig.blocked.contains_signal(signal)
                    || matches!(p.sig.actions.get(signal).disposition, Disposition::Ignore),
                orphaned: self.orphaned(p.pgid),
            },
        }
    }

    /// Whether group `pgid` is orphaned (POSIX): no member has a parent in another group
    /// of the same session.
    pub(crate) fn orphaned(&self, pgid: Pid) -> bool {
        !self.table.iter().any(|(_, p)| {
            p.pgid == pgid && !p.is_zombie() && p.parent != NIL && {
                let parent = self.table.get(p.parent);
                parent.pgid != pgid && parent.sid == p.sid
            }
        })
    }

    /// The groups the process in `slot` keeps from being orphaned, which its exit may
    /// orphan: its own, if its parent is in another group of its session, and its
    /// children's groups of its session but not its group.
    pub(crate) fn groups_held(&self, slot: u32) -> Vec<Pid> {
        let p = self.table.get(slot);
        let mut groups = Vec::new();
        if p.parent != NIL {
            let parent = self.table.get(p.parent);
            if parent.pgid != p.pgid && parent.sid == p.sid {
                groups.push(p.pgid);
            }
        }
        let mut child = p.first_child;
        while child != NIL {
            let c = self.table.get(child);
            if c.pgid != p.pgid && c.sid == p.sid && !groups.contains(&c.pgid) {
                groups.push(c.pgid);
            }
            child = c.next_sibling;
        }
        groups
    }

    /// POSIX's rule for an exit that orphans process groups: each of `groups` now
    /// orphaned with a stopped member gets SIGHUP then SIGCONT, since no shell is left
    /// to continue it.
    pub(crate) fn hang_up_orphans(&mut self, groups: Vec<Pid>) -> Result<(), Error> {
        for pgid in groups {
            let stopped = self
                .group(pgid)
                .into_iter()
                .any(|slot| self.table.get(slot).state == crate::ProcState::Stopped);
            if stopped && self.orphaned(pgid) {
                self.signal_group(pgid, Signal::SIGHUP)?;
                self.signal_group(pgid, Signal::SIGCONT)?;
            }
        }
        Ok(())
    }

    /// Sends `signal` to every live process of group `pgid`.
    pub(crate) fn signal_group(&mut self, pgid: Pid, signal: Signal) -> Result<(), Error> {
        for slot in self.group(pgid) {
            self.send_signal(slot, signal)?;
        }
        Ok(())
    }

    /// Makes `tty` the controlling terminal of the session the process in `slot` leads,
    /// with its group in the foreground, if it leads one without a terminal and `tty`
    /// controls none (what opening a terminal does on Linux). Returns whether it did.
    pub(crate) fn acquire_ctty(&mut self, slot: u32, tty: &Arc<Tty>) -> bool {
        let p = self.table.get(slot);
        let (sid, pgid) = (p.sid, p.pgid);
        if p.pid != sid || self.terminals.controlling.contains_key(&sid) {
            return false;
        }
        if !tty.attach(sid, pgid) {
            return false;
        }
        self.terminals.controlling.insert(sid, tty.clone());
        true
    }

    /// `TIOCSCTTY`: as [`acquire_ctty`](Core::acquire_ctty), with errors. EPERM for a
    /// process that leads no session or whose session has another terminal, or for a
    /// terminal that controls another session; EIO once hung up.
    pub(crate) fn set_ctty(&mut self, slot: u32, tty: &Arc<Tty>) -> SysResult<()> {
        let p = self.table.get(slot);
        let (pid, sid) = (p.pid, p.sid);
        if tty.foreground_of(sid).is_some() {
            return Ok(());
        }
        if pid != sid {
            return Err(Error::new(
                Errno::EPERM,
                format!("pid {pid} does not lead its session: it cannot take a terminal"),
            ));
        }
        if self.terminals.controlling.contains_key(&sid) {
            return Err(Error::new(
                Errno::EPERM,
                format!("session {sid} has a controlling terminal already"),
            ));
        }
        if tty.is_hung_up() {
            return Err(Error::new(
                Errno::EIO,
                format!("{}: the terminal was hung up", tty.id()),
            ));
        }
        if !self.acquire_ctty(slot, tty) {
            return Err(Error::new(
                Errno::EPERM,
                format!("{} controls another session", tty.id()),
            ));
        }
        Ok(())
    }

    /// The leader of session `sid` exits: the session loses its terminal, and the
    /// foreground group gets SIGHUP (as POSIX's `_exit` says of a controlling process).
    pub(crate) fn release_ctty(&mut self, sid: Pid) -> Result<(), Error> {
        let Some(tty) = self.terminals.controlling.remove(&sid) else {
            return Ok(());
        };
        if let (_, Some(fg)) = tty.detach() {
            self.signal_group(fg, Signal::SIGHUP)?;
        }
        Ok(())
    }

    /// The host hung `tty` up: the session it controlled loses it. Returns that session.
    pub(crate) fn disown_tty(&mut self, tty: &Tty) -> Option<Pid> {
        let (sid, _) = tty.detach();
        if let Some(sid) = sid {
            self.terminals.controlling.remove(&sid);
        }
        sid
    }
}
