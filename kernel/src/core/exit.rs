//! Ending: zombies, orphans going to init, reaping, and `waitpid`.

use std::collections::HashMap;

use crossbeam_channel::Sender;
use vproc_ipc::{Errno, Signal};
use vproc_sched::{Requeue, TaskId};

use crate::event::EventKind;
use crate::fd::FdTable;
use crate::process::{NIL, Program};
use crate::signal::{ChildReport, Disposition, SaFlags};
use crate::{Error, ExitStatus, Pid, ProcState, SysResult, WaitFor};

use super::{Core, HostWaiters, INIT, Registered};

impl Core {
    /// Ends a process, first half: it becomes a zombie and its program and descriptors
    /// are handed back. The caller drops the program outside any borrow of the kernel (its
    /// destructors may make system calls, as the zombie they then are), then the
    /// descriptors (peers see end of file or EPIPE at once), then calls `finish_exit`
    /// with `status`, which is kept, if at all, once that is done (as on Linux).
    pub(crate) fn begin_exit(
        &mut self,
        slot: u32,
        status: &ExitStatus,
    ) -> Result<(Option<Program>, FdTable), Error> {
        let state = self.table.get(slot).state;
        if state == ProcState::Ready {
            self.policy.dequeue(TaskId(slot));
        }
        self.transition(slot, ProcState::Zombie)?;
        self.policy.retire(TaskId(slot));
        if self.events.is_active() {
            let pid = self.pid(slot);
            self.publish(pid, EventKind::Exited(status.clone()));
        }
        let p = self.table.get_mut(slot);
        p.compute_left = 0;
        Ok((p.program.take(), std::mem::take(&mut p.fds)))
    }

    /// Ends a process, second half: it exited with `status`; its children go to init,
    /// its parent learns.
    pub(crate) fn finish_exit(&mut self, slot: u32, status: ExitStatus) -> Result<(), Error> {
        let (pid, parent, sid) = {
            let p = self.table.get(slot);
            (p.pid, p.parent, p.sid)
        };
        if pid == sid {
            self.release_ctty(sid)?;
        }
        let groups = self.groups_held(slot);
        // Orphans go to init, which reaps the zombies among them at once.
        loop {
            let child = self.table.get(slot).first_child;
            if child == NIL {
                break;
            }
            self.table.unlink_child(child);
            self.table.link_child(INIT, child);
            self.publish(self.pid(child), EventKind::Reparented { to: Pid::INIT });
            // A child still exiting (its destructors running) is reaped as its exit ends.
            if self.table.get(child).is_reapable() {
                self.reap(child, INIT);
            }
        }
        self.hang_up_orphans(groups)?;
        if parent == INIT {
            // Init reaps its children as they exit: the status is never kept.
            self.remove_exited(slot, INIT, status);
            return Ok(());
        }
        let wakes = self.waits_for(parent, slot);
        // With SIGCHLD ignored (or SA_NOCLDWAIT) children leave no zombie, as POSIX says.
        let action = self.table.get(parent).sig.actions.get(Signal::SIGCHLD);
        let auto_reap = matches!(action.disposition, Disposition::Ignore)
            || action.flags.contains(SaFlags::NOCLDWAIT);
        if auto_reap {
            self.remove_exited(slot, parent, status);
        } else {
            self.table.get_mut(slot).status = Some(status);
            self.table.move_to_zombies(slot);
        }
        self.send_signal(parent, Signal::SIGCHLD)?;
        if wakes && self.table.get(parent).state != ProcState::Ready {
            self.make_ready(parent, Requeue::Woken)?;
        }
        Ok(())
    }

    /// Removes a zombie for good; its CPU time is added to its parent's children's time.
    pub(crate) fn reap(&mut self, slot: u32, by: u32) -> (Pid, ExitStatus) {
        let status = self
            .table
            .get_mut(slot)
            .status
            .take()
            .expect("a zombie has an exit status");
        self.remove_exited(slot, by, status)
    }

    /// Removes the process in `slot`, which exited with `status`, reaped `by` its parent.
    fn remove_exited(&mut self, slot: u32, by: u32, status: ExitStatus) -> (Pid, ExitStatus) {
        self.table.unlink_child(slot);
        let (pid, host_child, user, sys) = {
            let p = self.table.get(slot);
            (
                p.pid,
                p.host_child,
                p.user + p.child_user,
                p.sys + p.child_sys,
            )
        };
        self.table.remove(slot, host_child);
        {
            let parent = self.table.get_mut(by);
            parent.child_user += user;
            parent.child_sys += sys;
        }
        if self.events.is_active() {
            let by_pid = self.pid(by);
            self.publish(pid, EventKind::Reaped { by: by_pid });
        }
        if host_child {
            self.host_exited(pid, status.clone());
        }
        (pid, status)
    }

    fn host_exited(&mut self, pid: Pid, status: ExitStatus) {
        match self.host_waiters.remove(&pid) {
            Some(waiters) => {
                self.table.release_pid(pid);
                for waiter in waiters {
                    // A waiter that gave up is no loss.
                    let _ = waiter.send(Ok(status.clone()));
                }
            }
            None => {
                self.host_exits.insert(pid, status);
            }
        }
    }

    /// The status of a process the host spawned, once it has exited (taken once).
    pub(crate) fn take_host_exit(&mut self, pid: Pid) -> SysResult<Option<ExitStatus>> {
        if let Some(status) = self.host_exits.remove(&pid) {
            self.table.release_pid(pid);
            return Ok(Some(status));
        }
        match self.table.slot_of(pid) {
            Some(slot) if self.table.get(slot).host_child => Ok(None),
            _ => Err(Error::new(
                Errno::ECHILD,
                format!(
                    "pid {pid} is no process the host can wait for: not spawned by the host, \
                     spawned unwaited, or collected already"
                ),
            )),
        }
    }

    /// Lets go of what may hold the kernel (registered programs) and of the host's
    /// waiters, for the kernel's drop.
    pub(crate) fn release(&mut self) -> (HashMap<String, Registered>, HostWaiters) {
        (
            std::mem::take(&mut self.programs),
            std::mem::take(&mut self.host_waiters),
        )
    }

    /// Whether the host has an uncollected status for `pid`.
    pub(crate) fn has_host_exit(&self, pid: Pid) -> bool {
        self.host_exits.contains_key(&pid)
    }

    /// How many statuses the host has not collected.
    pub(crate) fn uncollected_exits(&self) -> usize {
        self.host_exits.len()
    }

    /// Answers `waiter` when the host-spawned process `pid` exits.
    pub(crate) fn host_wait(&mut self, pid: Pid, waiter: Sender<SysResult<ExitStatus>>) {
        match self.take_host_exit(pid) {
            Ok(Some(status)) => {
                let _ = waiter.send(Ok(status));
            }
            Ok(None) => self.host_waiters.entry(pid).or_default().push(waiter),
            Err(e) => {
                let _ = waiter.send(Err(e));
            }
        }
    }

    /// Finds a child of `parent` for `waitpid`: reaps and returns a zombie, or says
    /// whether there is a child to wait for.
    pub(crate) fn wait_child(
        &mut self,
        parent: u32,
        target: WaitFor,
        flags: crate::WaitFlags,
    ) -> SysResult<Option<(Pid, ExitStatus)>> {
        let child = match target {
            WaitFor::Any => {
                let first = self.table.get(parent).first_child;
                if first == NIL {
                    return Err(Error::new(Errno::ECHILD, "the process has no children"));
                }
                first
            }
            WaitFor::Pid(pid) => match self.table.slot_of(pid) {
                Some(slot) if self.table.get(slot).parent == parent => slot,
                _ => {
                    return Err(Error::new(
                        Errno::ECHILD,
                        format!("pid {pid} is not a child of the calling process"),
                    ));
                }
            },
        };
        if self.table.get(child).is_reapable() {
            return Ok(Some(self.reap(child, parent)));
        }
        let wanted = |report: ChildReport| match report {
            ChildReport::Stopped(_) => flags.contains(crate::WaitFlags::UNTRACED),
            ChildReport::Continued => flags.contains(crate::WaitFlags::CONTINUED),
        };
        if !flags.intersects(crate::WaitFlags::UNTRACED | crate::WaitFlags::CONTINUED) {
            return Ok(None);
        }
        // A stop or continue not yet reported: the target, or the first such child.
        let mut next = match target {
            WaitFor::Pid(_) => child,
            WaitFor::Any => self.table.get(parent).first_child,
        };
        while next != NIL {
            let p = self.table.get_mut(next);
            if let Some(report) = p.sig.report.filter(|&r| wanted(r)) {
                p.sig.report = None;
                let status = match report {
                    ChildReport::Stopped(signal) => ExitStatus::Stopped(signal),
                    ChildReport::Continued => ExitStatus::Continued,
                };
                return Ok(Some((p.pid, status)));
            }
            if matches!(target, WaitFor::Pid(_)) {
                break;
            }
            next = p.next_sibling;
        }
        Ok(None)
    }
}
