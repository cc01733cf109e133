//! The kernel's state and the mechanisms every path shares: the checked state transition,
//! spawning, exit, reaping, waking and timers.

use std::borrow::Cow;
use std::collections::HashMap;
use std::rc::Rc;

use crossbeam_channel::Sender;
use vproc_ipc::{Errno, PipeReader, PipeWriter, Signal};
use vproc_sched::{NICE_MAX, NICE_MIN, Policy, Requeue, SplitMix64, TaskId, TaskParams, Tick};

use crate::arrival::{ArrivalFailure, Arrivals};
use crate::event::{Event, EventKind, EventLog};
use crate::fd::{Census, FdTable, FileObject, OpenFile};
use crate::pid::PidMap;
use crate::process::{ActionSlot, Env, NIL, Process, Program};
use crate::schedstat::Dispatch;
use crate::signal::{ChildReport, Disposition, SaFlags, SigActions};
use crate::table::ProcessTable;
use crate::timers::Timers;
use crate::vfs::{Device, Vfs};
use crate::waker::WakeId;
use crate::{
    Command, Error, ExitStatus, Fd, OpenFlags, Pid, ProcState, Stdio, SysResult, WaitFor, WaitOn,
};

/// A registered program: makes the future of a new process.
pub(crate) type Registered = Rc<dyn Fn(crate::Proc) -> Program>;

/// Threads waiting, through a handle, for host-spawned processes to exit.
pub(crate) type HostWaiters = PidMap<Vec<Sender<SysResult<ExitStatus>>>>;

/// The slot of init.
pub(crate) const INIT: u32 = 0;

pub(crate) struct Core {
    pub now: Tick,
    pub syscall_cost: Tick,
    pub table: ProcessTable,
    pub policy: Box<dyn Policy>,
    /// Sleepers by (wake tick, order of sleeping, slot).
    timers: Timers,
    timer_seq: u64,
    pub events: EventLog,
    /// The slot on the CPU, or `NIL`.
    pub current: u32,
    /// The current dispatch's slice (0 until a CPU burst asks the policy for it), and
    /// the ticks used in this dispatch.
    pub slice: Tick,
    pub ran: Tick,
    /// A process became ready while another was on the CPU (it may preempt).
    pub woke_during_dispatch: bool,
    /// What the running process asked for in the call it awaits.
    pub action: ActionSlot,
    /// The next tick the policy wants to act at (`Tick::MAX`: never).
    pub policy_event: Tick,
    /// Processes the host asked to start at a later tick.
    pub arrivals: Arrivals,
    /// Ticks the CPU spends passing from one process to another (0: none).
    pub switch_cost: Tick,
    /// Times the CPU passed from one process to another.
    pub switches: u64,
    /// The (slot, generation) of the process that ran last, if any has.
    pub last_ran: Option<(u32, u32)>,
    /// Every stretch a process held the CPU, when the host asked for the log.
    pub dispatch_log: Option<Vec<Dispatch>>,
    /// The tick the running process was put on the CPU.
    pub dispatch_start: Tick,
    pub programs: HashMap<String, Registered>,
    /// Statuses of host-spawned processes that the host has not collected.
    host_exits: PidMap<ExitStatus>,
    host_waiters: HostWaiters,
    empty_env: Rc<Env>,
    root: Rc<str>,
    rng: SplitMix64,
    /// The mount table.
    pub vfs: Vfs,
    /// Counts of open files and pipes.
    pub census: Rc<Census>,
    /// The default dispositions, shared by every process that keeps them.
    pub default_actions: Rc<SigActions>,
    /// Whether any signal was ever left pending: until then the run loop need not look
    /// at processes' signal state (kept out of the entry's hot bytes).
    pub signals_in_use: bool,
    /// Armed alarms, by tick.
    pub alarms: Timers,
    pub alarm_seq: u64,
    /// Virtual terminals, and the sessions they control.
    pub terminals: crate::tty::Terminals,
}

/// The parent's ends of a child's piped standard streams, by stream number.
pub(crate) type StdioEnds = [Option<PipeEnd>; 3];

/// One end of a pipe made for a child's standard stream.
pub(crate) enum PipeEnd {
    /// The parent reads (the child's output).
    Reader(PipeReader),
    /// The parent writes (the child's input).
    Writer(PipeWriter),
}

impl Core {
    pub(crate) fn new(policy: Box<dyn Policy>, pid_max: u32, events: usize, seed: u64) -> Self {
        let first_event = policy.next_event(0).unwrap_or(Tick::MAX);
        let mut core = Core {
            now: 0,
            syscall_cost: 1,
            table: ProcessTable::new(pid_max),
            policy,
            timers: Timers::default(),
            timer_seq: 0,
            events: EventLog::new(events),
            current: NIL,
            slice: 0,
            ran: 0,
            woke_during_dispatch: false,
            action: ActionSlot::default(),
            policy_event: first_event,
            arrivals: Arrivals::new(),
            switch_cost: 0,
            switches: 0,
            last_ran: None,
            dispatch_log: None,
            dispatch_start: 0,
            programs: HashMap::new(),
            host_exits: PidMap::default(),
            host_waiters: PidMap::default(),
            empty_env: Rc::new(Vec::new()),
            root: Rc::from("/"),
            rng: SplitMix64::new(seed),
            vfs: Vfs::in_memory(),
            census: Rc::new(Census::default()),
            default_actions: Rc::new(SigActions::default()),
            signals_in_use: false,
            alarms: Timers::default(),
            alarm_seq: 0,
            terminals: crate::tty::Terminals::default(),
        };
        let pid = core
            .table
            .allocate_pid()
            .expect("pid 1 is free in a new table");
        let slot = core.claim(pid);
        debug_assert_eq!(slot, INIT);
        let (env, cwd) = (core.empty_env.clone(), core.root.clone());
        core.table.get_mut(slot).fill(
            pid,
            0,
            ProcState::Waiting(WaitOn::Child(WaitFor::Any)),
            0,
            "init".into(),
            Vec::new(),
            env,
            cwd,
        );
        let init = core.table.get_mut(slot);
        init.sig.actions = core.default_actions.clone();
        (init.pgid, init.sid) = (pid, pid);
        core.publish(pid, EventKind::Spawned { parent: Pid(0) });
        core
    }

    /// A slot for `pid`, to fill in.
    #[inline]
    fn claim(&mut self, pid: Pid) -> u32 {
        let (env, cwd, actions) = (&self.empty_env, &self.root, &self.default_actions);
        self.table.claim(pid, || {
            Process::vacant(env.clone(), cwd.clone(), actions.clone())
        })
    }

    #[inline]
    pub(crate) fn publish(&mut self, pid: Pid, kind: EventKind) {
        if self.events.is_active() {
            let tick = self.now;
            self.events.publish(Event { tick, pid, kind });
        }
    }

    /// The one place a process changes state: checks the move, applies it, publishes it.
    #[inline(always)]
    pub(crate) fn transition(&mut self, slot: u32, to: ProcState) -> Result<(), Error> {
        let now = self.now;
        let process = self.table.get_mut(slot);
        let from = process.state;
        if !from.can_become(to) {
            return Err(illegal(process.pid, from, to));
        }
        process.state = to;
        let spent = now - process.since;
        match from {
            ProcState::Ready => process.run_delay += spent,
            ProcState::Waiting(_) => process.blocked += spent,
            _ => {}
        }
        process.since = now;
        if self.events.is_active() {
            let pid = process.pid;
            self.publish_transition(pid, from, to);
        }
        Ok(())
    }

    #[inline(never)]
    fn publish_transition(&mut self, pid: Pid, from: ProcState, to: ProcState) {
        let tick = self.now;
        self.events.publish_transition(tick, pid, from, to);
    }

    /// Makes a process ready and hands it to the policy.
    #[inline]
    pub(crate) fn make_ready(&mut self, slot: u32, why: Requeue) -> Result<(), Error> {
        self.transition(slot, ProcState::Ready)?;
        self.policy.enqueue(TaskId(slot), why, self.now);
        if self.current != NIL {
            self.woke_during_dispatch = true;
        }
        Ok(())
    }

    /// The pid of the process in `slot`.
    #[inline]
    pub(crate) fn pid(&self, slot: u32) -> Pid {
        self.table.get(slot).pid
    }

    /// Charges one system call to the running process (to none when a destructor makes
    /// it outside any process's turn).
    #[inline]
    pub(crate) fn charge_syscall(&mut self) {
        if self.current == NIL {
            return;
        }
        let cost = self.syscall_cost;
        self.now += cost;
        self.ran += cost;
        let current = self.current;
        self.table.get_mut(current).sys += cost;
    }

    /// A number from the kernel's seeded generator.
    pub(crate) fn next_random(&mut self) -> u64 {
        self.rng.next_u64()
    }

    /// Sets a process's nice value, clamped to -20..=19 as Linux does; returns it.
    pub(crate) fn renice(&mut self, slot: u32, nice: i32) -> i8 {
        let nice = nice.clamp(i32::from(NICE_MIN), i32::from(NICE_MAX)) as i8;
        let process = self.table.get_mut(slot);
        if process.nice != nice {
            process.nice = nice;
            let now = self.now;
            self.policy.set_nice(TaskId(slot), nice, now);
        }
        nice
    }

    /// The program registered as `name`; ENOENT when there is none.
    pub(crate) fn registered(&self, name: &str) -> SysResult<Registered> {
        self.programs.get(name).cloned().ok_or_else(|| {
            Error::new(
                Errno::ENOENT,
                format!("no program named '{name}' is registered"),
            )
        })
    }

    /// Creates a process running `make(proc)`, as a child of `parent` (init for the host).
    ///
    /// Takes `command` by reference (moving its name and arguments out): a `Command` is
    /// large, and copying it costs a measurable part of a spawn.
    #[inline]
    pub(crate) fn spawn(
        &mut self,
        parent: u32,
        command: &mut Command,
        make: impl FnOnce(Pid, u32, u32) -> SysResult<Program>,
    ) -> SysResult<Pid> {
        let cwd = self.child_cwd(parent, command)?;
        // A child that inherits its three streams (most do) needs no pipe ends made and
        // none handed back.
        let fds = if command.stdio == [Stdio::Inherit; 3] {
            self.table.get(parent).fds.inherited()
        } else {
            self.child_fds(parent, command)?.0
        };
        self.create(parent, command, cwd, fds, make)
    }

    /// Spawns as [`spawn`](Core::spawn) does, and gives back the parent's ends of the
    /// child's piped standard streams.
    pub(crate) fn spawn_with_stdio(
        &mut self,
        parent: u32,
        command: &mut Command,
        make: impl FnOnce(Pid, u32, u32) -> SysResult<Program>,
    ) -> SysResult<(Pid, StdioEnds)> {
        let cwd = self.child_cwd(parent, command)?;
        let (fds, ends) = self.child_fds(parent, command)?;
        let pid = self.create(parent, command, cwd, fds, make)?;
        Ok((pid, ends))
    }

    /// The working directory of a child of `parent`: the parent's, or the one `command`
    /// names.
    #[inline(always)]
    fn child_cwd(&self, parent: u32, command: &Command) -> SysResult<Rc<str>> {
        match &command.cwd {
            None => Ok(self.table.get(parent).cwd.clone()),
            Some(dir) => self.child_dir(parent, dir),
        }
    }

    /// A directory a command names for its child, resolved from `parent`'s.
    fn child_dir(&self, parent: u32, dir: &str) -> SysResult<Rc<str>> {
        Ok(Rc::from(self.directory(parent, dir)?))
    }

    /// The rest of a spawn, once the child's directory and descriptors are made: checks
    /// the rest of `command`, fills a slot and hands the child to the policy.
    #[inline]
    fn create(
        &mut self,
        parent: u32,
        command: &mut Command,
        cwd: Rc<str>,
        fds: FdTable,
        make: impl FnOnce(Pid, u32, u32) -> SysResult<Program>,
    ) -> SysResult<Pid> {
        let (blocked, actions, pgid, sid) = {
            let p = self.table.get(parent);
            let actions = p
                .sig
                .child_actions(&self.default_actions, command.sigdefault);
            (p.sig.blocked, actions, p.pgid, p.sid)
        };
        if let Some(group) = command.pgroup
            && group != Pid(0)
            && !command.setsid
            && !self.group_in_session(group, sid)
        {
            return Err(Error::new(
                Errno::EPERM,
                format!("no process group {group} in the session to start the child in"),
            ));
        }
        let (env, nice, umask) = {
            let p = self.table.get(parent);
            let nice = match command.nice {
                // The host is no process: its children start at nice 0, whatever init's.
                None if parent == INIT => 0,
                None => p.nice,
                Some(n) => nice_value(n)?,
            };
            let env = if command.inherit_env {
                p.env.clone()
            } else {
                self.empty_env.clone()
            };
            (env, nice, p.umask)
        };
        let env = if command.env.is_empty() {
            env
        } else {
            let mut env = env;
            let vars = Rc::make_mut(&mut env);
            for (key, value) in &command.env {
                crate::path::check_env_name(key)?;
                set_var(vars, key, value);
            }
            env
        };
        let pid = self.table.allocate_pid().ok_or_else(|| {
            Error::new(
                Errno::EAGAIN,
                format!("all {} pids are in use", self.table.pid_max() - 1),
            )
        })?;
        let params = TaskParams {
            nice,
            length: command.length,
            tickets: command.tickets.unwrap_or(TaskParams::default().tickets),
        };
        let slot = self.claim(pid);
        let now = self.now;
        let process = self.table.get_mut(slot);
        process.fill(
            pid,
            now,
            ProcState::Ready,
            nice,
            std::mem::replace(&mut command.program, Cow::Borrowed("")),
            std::mem::take(&mut command.args),
            env,
            cwd,
        );
        process.host_child = parent == INIT;
        process.umask = umask;
        std::mem::replace(&mut process.fds, fds).close_all();
        process.sig.start(blocked, actions);
        (process.pgid, process.sid) = if command.setsid {
            (pid, pid)
        } else {
            match command.pgroup {
                Some(Pid(0)) => (pid, sid),
                Some(group) => (group, sid),
                None => (pgid, sid),
            }
        };
        let generation = self.table.get(slot).generation;
        let program = match make(pid, slot, generation) {
            Ok(program) => program,
            Err(e) => {
                let fds = std::mem::take(&mut self.table.get_mut(slot).fds);
                self.table.remove(slot, false);
                drop(fds);
                return Err(e);
            }
        };
        self.table.get_mut(slot).program = Some(program);
        if command.setsid {
            self.take_terminal_of_stdio(slot, command);
        }
        self.table.link_child(parent, slot);
        let parent_pid = self.pid(parent);
        self.publish(pid, EventKind::Spawned { parent: parent_pid });
        self.policy.admit(TaskId(slot), &params, self.now);
        self.policy.enqueue(TaskId(slot), Requeue::New, self.now);
        if self.current != NIL {
            // A child more favoured than its parent may take the CPU from it.
            self.woke_during_dispatch = true;
        }
        Ok(pid)
    }

    /// The descriptor table of a child of `parent`: the parent's descriptors without
    /// close-on-exec, then the standard streams as `command` asks; with the parent's ends
    /// of new pipes.
    fn child_fds(&self, parent: u32, command: &Command) -> SysResult<(FdTable, StdioEnds)> {
        let parent_fds = &self.table.get(parent).fds;
        let mut fds = parent_fds.inherited();
        let mut ends: StdioEnds = [None, None, None];
        let mut tty: Option<Rc<OpenFile>> = None;
        for (n, stdio) in command.stdio.iter().enumerate() {
            let file = match *stdio {
                Stdio::Inherit => continue,
                Stdio::Tty(id) => match &tty {
                    Some(file) if matches!(&file.object, FileObject::Tty(t) if t.id() == id) => {
                        file.clone()
                    }
                    _ => {
                        let object = FileObject::Tty(self.terminals.get(id)?);
                        let file =
                            OpenFile::new(&self.census, object, OpenFlags::RDWR, id.to_string());
                        tty = Some(file.clone());
                        file
                    }
                },
                Stdio::Fd(fd) => parent_fds.get(fd)?.file.clone(),
                Stdio::Null => {
                    let null = FileObject::Device(Device::Null);
                    OpenFile::new(&self.census, null, OpenFlags::RDWR, "/dev/null")
                }
                Stdio::Piped => {
                    let (reader, writer) = vproc_ipc::pipe();
                    let (object, flags) = if n == 0 {
                        ends[n] = Some(PipeEnd::Writer(writer));
                        (FileObject::PipeRead(reader), OpenFlags::RDONLY)
                    } else {
                        ends[n] = Some(PipeEnd::Reader(reader));
                        (FileObject::PipeWrite(writer), OpenFlags::WRONLY)
                    };
                    OpenFile::new(&self.census, object, flags, "")
                }
            };
            // Descriptors 0 to 2 are below the limit: the replaced entry is dropped.
            fds.replace(Fd(n as u32), file, false)?;
        }
        Ok((fds, ends))
    }

    /// A new session leader opened a terminal among its standard streams: the first one
    /// that controls no session becomes its controlling terminal.
    fn take_terminal_of_stdio(&mut self, slot: u32, command: &Command) {
        for stdio in command.stdio {
            // The child's descriptors hold the terminal: it is there.
            if let Stdio::Tty(id) = stdio
                && let Ok(tty) = self.terminals.get(id)
                && self.acquire_ctty(slot, &tty)
            {
                break;
            }
        }
    }

    /// Ends a process, first half: it becomes a zombie and its program and descriptors
    /// are handed back. The caller drops the program outside any borrow of the kernel (its
    /// destructors may make system calls, as the zombie they then are), then the
    /// descriptors (peers see end of file or EPIPE at once), then calls `finish_exit`.
    pub(crate) fn begin_exit(
        &mut self,
        slot: u32,
        status: ExitStatus,
    ) -> Result<(Option<Program>, FdTable), Error> {
        let state = self.table.get(slot).state;
        if state == ProcState::Ready {
            self.policy.dequeue(TaskId(slot));
        }
        self.transition(slot, ProcState::Zombie)?;
        self.policy.retire(TaskId(slot));
        let (pid, program, fds) = {
            let p = self.table.get_mut(slot);
            p.compute_left = 0;
            (p.pid, p.program.take(), std::mem::take(&mut p.fds))
        };
        if self.events.is_active() {
            self.publish(pid, EventKind::Exited(status.clone()));
        }
        self.table.get_mut(slot).status = Some(status);
        Ok((program, fds))
    }

    /// Ends a process, second half: its children go to init, its parent learns.
    pub(crate) fn finish_exit(&mut self, slot: u32) -> Result<(), Error> {
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
            if self.table.get(child).is_zombie() {
                self.reap(child, INIT);
            }
        }
        self.hang_up_orphans(groups)?;
        if parent == INIT {
            self.reap(slot, INIT);
            return Ok(());
        }
        let _ = pid;
        let wakes = self.waits_for(parent, slot);
        // With SIGCHLD ignored (or SA_NOCLDWAIT) children leave no zombie, as POSIX says.
        let action = self.table.get(parent).sig.actions.get(Signal::SIGCHLD);
        let auto_reap = matches!(action.disposition, Disposition::Ignore)
            || action.flags.contains(SaFlags::NOCLDWAIT);
        if auto_reap {
            self.reap(slot, parent);
        } else {
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
        self.table.unlink_child(slot);
        let (pid, host_child, status, user, sys) = {
            let p = self.table.get_mut(slot);
            let status = p.status.take().expect("a zombie has an exit status");
            (
                p.pid,
                p.host_child,
                status,
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
                format!("pid {pid} is not a process the host spawned and has not collected"),
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
        if self.table.get(child).is_zombie() {
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

    /// Arms the timer that wakes a sleeping process at `until` (once: a sleeper polled
    /// again, after a stop, keeps the timer it has). `Tick::MAX` is never: no timer.
    /// A timer left armed for another tick (a sleep a signal ended early) is disarmed.
    pub(crate) fn add_timer(&mut self, slot: u32, until: Tick) {
        let process = self.table.get_mut(slot);
        if process.timer != 0 && process.wake_at == until {
            return;
        }
        process.wake_at = until;
        if until == Tick::MAX {
            process.timer = 0;
            return;
        }
        self.timer_seq += 1;
        process.timer = self.timer_seq;
        process.wake_at = until;
        self.timers.push(until, self.timer_seq, slot);
    }

    /// Whether the timer (`seq`, `slot`) is the one its process has armed.
    #[inline]
    fn timer_is_armed(&self, seq: u64, slot: u32) -> bool {
        self.table.try_get(slot).is_some_and(|p| p.timer == seq)
    }

    /// Pops the earliest timer, disarming it. Returns the slot it wakes, if its process
    /// still sleeps until then (a killed, stopped or re-armed sleeper's timer wakes no one).
    fn pop_timer(&mut self) -> Option<u32> {
        let (until, seq, slot) = self.timers.pop()?;
        if !self.timer_is_armed(seq, slot) {
            return None;
        }
        let process = self.table.get_mut(slot);
        process.timer = 0;
        (on_timer(process.state) && process.wake_at == until).then_some(slot)
    }

    /// The tick of the next timer that wakes a process, dropping those that wake none.
    #[inline]
    pub(crate) fn next_wakeup(&mut self) -> Option<Tick> {
        if self.alarms.is_empty() {
            return self.next_timer();
        }
        let alarm = self.next_alarm();
        let timer = self.next_timer();
        match (alarm, timer) {
            (Some(a), Some(t)) => Some(a.min(t)),
            (a, t) => a.or(t),
        }
    }

    /// The tick of the next timer that wakes a process, dropping those that wake none.
    #[inline]
    fn next_timer(&mut self) -> Option<Tick> {
        while let Some((until, seq, slot)) = self.timers.peek() {
            if self.timer_is_armed(seq, slot) && on_timer(self.table.get(slot).state) {
                return Some(until);
            }
            self.pop_timer();
        }
        None
    }

    /// Lets the policy act on what is due by now (an MLFQ boost); returns whether it did.
    #[inline(always)]
    pub(crate) fn policy_tick(&mut self) -> bool {
        if self.now < self.policy_event {
            return false;
        }
        self.policy_act();
        true
    }

    #[cold]
    #[inline(never)]
    fn policy_act(&mut self) {
        let now = self.now;
        self.policy.advance(now);
        self.policy_event = self.policy.next_event(now).unwrap_or(Tick::MAX);
    }

    /// Does what is due at `now`, in OSTEP's order: the policy's own events (an MLFQ
    /// boost), then arrivals (in the order they were asked for), then wake-ups (in the
    /// order the sleepers went to sleep). Returns whether the policy acted.
    #[inline(always)]
    pub(crate) fn due(&mut self) -> Result<bool, Error> {
        let acted = self.policy_tick();
        if self.arrivals.next_at() <= self.now {
            self.admit_arrivals()?;
        }
        if !self.timers.is_empty() {
            self.fire_timers()?;
        }
        if !self.alarms.is_empty() {
            self.fire_alarms()?;
        }
        Ok(acted)
    }

    /// The first tick after `now` at which a wake-up, an arrival or a policy event is due.
    #[inline]
    pub(crate) fn next_due(&mut self) -> Option<Tick> {
        let at = self
            .next_wakeup()
            .unwrap_or(Tick::MAX)
            .min(self.arrivals.next_at())
            .min(self.policy_event);
        (at != Tick::MAX).then_some(at)
    }

    /// Spawns the arrivals due by now, as children of init. One that cannot be spawned
    /// (no pid left, say) is recorded as a failure for the host.
    #[cold]
    fn admit_arrivals(&mut self) -> Result<(), Error> {
        while let Some(mut arrival) = self.arrivals.pop_due(self.now) {
            let program = arrival.command.program.to_string();
            if let Err(error) = self.spawn(INIT, &mut arrival.command, arrival.make) {
                if error.is_kernel_bug() {
                    return Err(error);
                }
                let tick = self.now;
                self.arrivals.fail(ArrivalFailure {
                    tick,
                    program,
                    error,
                });
            }
        }
        Ok(())
    }

    /// Puts `slot` on the CPU's books before its dispatch: a dispatch of another process
    /// than the one that ran last is a context switch, and costs `switch_cost` ticks
    /// during which the newcomer stays ready. Returns whether time passed.
    pub(crate) fn switch_to(&mut self, slot: u32, generation: u32) -> Result<bool, Error> {
        let this = Some((slot, generation));
        if self.last_ran == this {
            return Ok(false);
        }
        let switched = self.last_ran.is_some();
        self.last_ran = this;
        if !switched {
            return Ok(false);
        }
        self.switches += 1;
        if self.switch_cost == 0 {
            return Ok(false);
        }
        self.pass(self.switch_cost)?;
        Ok(true)
    }

    /// Lets `ticks` pass with no process on the CPU (a context switch), doing what falls
    /// due meanwhile at its own tick.
    pub(crate) fn pass(&mut self, ticks: Tick) -> Result<(), Error> {
        let end = self.now.saturating_add(ticks);
        loop {
            self.due()?;
            if self.now >= end {
                return Ok(());
            }
            // What was due by now is done: the next due tick lies ahead.
            let at = self.next_due().unwrap_or(end).clamp(self.now + 1, end);
            self.now = at;
        }
    }

    /// Wakes every sleeper whose time has come, in the order they went to sleep.
    #[inline]
    pub(crate) fn fire_timers(&mut self) -> Result<(), Error> {
        while let Some((until, _, _)) = self.timers.peek() {
            if until > self.now {
                break;
            }
            if let Some(slot) = self.pop_timer() {
                self.make_ready(slot, Requeue::Woken)?;
            }
        }
        Ok(())
    }

    /// Armed timers of sleeping processes.
    pub(crate) fn live_timers(&self) -> usize {
        self.timers
            .iter()
            .filter(|&(_, seq, slot)| {
                self.timer_is_armed(seq, slot) && on_timer(self.table.get(slot).state)
            })
            .count()
    }

    /// A process's waker fired: a waiting process runs again, whatever it waits on (the
    /// calls it awaits check their own conditions, and block again if they must).
    pub(crate) fn wake(&mut self, id: WakeId) -> Result<(), Error> {
        let Some(process) = self.table.try_get(id.slot) else {
            return Ok(());
        };
        if !id.names(process.generation) {
            return Ok(());
        }
        match process.state {
            ProcState::Waiting(_) => self.make_ready(id.slot, Requeue::Woken),
            _ => Ok(()),
        }
    }
}

/// Whether a process in `state` waits for its timer (a sleep, or a poll's timeout).
#[inline]
fn on_timer(state: ProcState) -> bool {
    matches!(state, ProcState::Waiting(WaitOn::Sleep | WaitOn::Poll))
}

/// A nice value as given to spawn or renice: EINVAL outside -20..=19.
pub(crate) fn nice_value(n: i32) -> SysResult<i8> {
    if (i32::from(NICE_MIN)..=i32::from(NICE_MAX)).contains(&n) {
        Ok(n as i8)
    } else {
        Err(Error::new(
            Errno::EINVAL,
            format!("nice value {n} is out of range {NICE_MIN}..={NICE_MAX}"),
        ))
    }
}

#[cold]
fn illegal(pid: Pid, from: ProcState, to: ProcState) -> Error {
    Error::illegal_transition(pid, from, to)
}

/// Sets or replaces a variable, keeping the order variables were first set in.
pub(crate) fn set_var(env: &mut Env, key: &str, value: &str) {
    match env.iter_mut().find(|(k, _)| k == key) {
        Some((_, v)) => *v = value.to_string(),
        None => env.push((key.to_string(), value.to_string())),
    }
}
