//! Process groups and sessions: setpgid, getpgid, getpgrp, setsid, getsid.

use vproc_ipc::Errno;

use crate::core::Core;
use crate::{Error, Pid, Proc, SysResult};

impl Core {
    /// The members of process group `pgid`. A zombie stays a member until it is reaped,
    /// as on Linux (a signal to it does nothing, but a group of zombies exists).
    pub(crate) fn group(&self, pgid: Pid) -> Vec<u32> {
        self.table
            .iter()
            .filter(|(_, p)| p.pgid == pgid)
            .map(|(slot, _)| slot)
            .collect()
    }

    /// Whether a process of session `sid` (a zombie too) belongs to group `pgid`.
    pub(crate) fn group_in_session(&self, pgid: Pid, sid: Pid) -> bool {
        self.table
            .iter()
            .any(|(_, p)| p.pgid == pgid && p.sid == sid)
    }

    /// The slot of `pid` (`None`: `me`); ESRCH when there is no such process.
    fn target(&self, me: u32, pid: Option<Pid>) -> SysResult<u32> {
        match pid {
            None => Ok(me),
            Some(pid) => self
                .table
                .slot_of(pid)
                .ok_or_else(|| Error::new(Errno::ESRCH, format!("no process with pid {pid}"))),
        }
    }
}

impl Proc {
    /// Puts process `pid` (`None`: this one) into group `pgid` (`None`: the group whose
    /// id is `pid`, made if need be). `pid` must be this process or a child of it that
    /// has not yet run (EACCES once it has: posix_spawn's children start at their
    /// program, as after exec; use [`Command::process_group`](crate::Command) to set a
    /// child's group from the start) and in this session (EPERM); ESRCH for another
    /// process; EPERM for a session leader, or a group of another session.
    pub fn setpgid(&self, pid: Option<Pid>, pgid: Option<Pid>) -> SysResult<()> {
        self.syscall(|core, me| {
            let slot = core.target(me, pid)?;
            let target = core.table.get(slot);
            let my_sid = core.table.get(me).sid;
            // Checked in Linux's order: ESRCH, then the session (EPERM), then EACCES.
            if slot != me {
                if target.parent != me {
                    return Err(Error::new(
                        Errno::ESRCH,
                        format!("pid {} is neither the caller nor its child", target.pid),
                    ));
                }
                if target.sid != my_sid {
                    return Err(Error::new(
                        Errno::EPERM,
                        format!("child {} is in another session", target.pid),
                    ));
                }
                if target.started != vproc_sched::Tick::MAX {
                    return Err(Error::new(
                        Errno::EACCES,
                        format!("child {} has already started its program", target.pid),
                    ));
                }
            }
            if target.sid == target.pid {
                return Err(Error::new(
                    Errno::EPERM,
                    format!(
                        "pid {} leads its session: its group cannot change",
                        target.pid
                    ),
                ));
            }
            let pgid = pgid.unwrap_or(target.pid);
            if pgid != target.pid && !core.group_in_session(pgid, my_sid) {
                return Err(Error::new(
                    Errno::EPERM,
                    format!("no process group {pgid} in the caller's session"),
                ));
            }
            core.table.get_mut(slot).pgid = pgid;
            Ok(())
        })
    }

    /// The process group of `pid` (`None`: this process). ESRCH.
    pub fn getpgid(&self, pid: Option<Pid>) -> SysResult<Pid> {
        self.syscall(|core, me| Ok(core.table.get(core.target(me, pid)?).pgid))
    }

    /// This process's group.
    pub fn getpgrp(&self) -> Pid {
        self.query(Pid(0), |core, me| core.table.get(me).pgid)
    }

    /// The session of `pid` (`None`: this process). ESRCH.
    pub fn getsid(&self, pid: Option<Pid>) -> SysResult<Pid> {
        self.syscall(|core, me| Ok(core.table.get(core.target(me, pid)?).sid))
    }

    /// Starts a new session, led by this process, in a new group of its own, without a
    /// controlling terminal; returns the session id (this pid). EPERM for a process that
    /// already leads a group.
    pub fn setsid(&self) -> SysResult<Pid> {
        self.syscall(|core, me| {
            let p = core.table.get(me);
            if p.pgid == p.pid || core.group_in_session_other_than(p.pid, me) {
                return Err(Error::new(
                    Errno::EPERM,
                    format!(
                        "pid {} leads a process group: it cannot start a session",
                        p.pid
                    ),
                ));
            }
            let pid = p.pid;
            let p = core.table.get_mut(me);
            (p.pgid, p.sid) = (pid, pid);
            Ok(pid)
        })
    }
}

impl Core {
    /// Whether a process other than `me` (a zombie too) is in the group numbered `pgid`.
    fn group_in_session_other_than(&self, pgid: Pid, me: u32) -> bool {
        self.table
            .iter()
            .any(|(slot, p)| slot != me && p.pgid == pgid)
    }
}
