//! The kernel's state and the mechanisms every path shares: the checked state transition
//! and making a process ready here; spawning in `spawn`, exit and reaping in `exit`, the
//! clock, timers and wakers' wake-ups in `clock`.

use std::collections::HashMap;
use std::rc::Rc;

use crossbeam_channel::Sender;
use vproc_ipc::Errno;
use vproc_sched::{NICE_MAX, NICE_MIN, Policy, Requeue, SplitMix64, TaskId, Tick};

use crate::arrival::Arrivals;
use crate::event::{Event, EventKind, EventLog};
use crate::fd::Census;
use crate::look_ahead::LookAhead;
use crate::pid::PidMap;
use crate::process::{ActionSlot, Cwd, Env, NIL, Process, Program};
use crate::schedstat::Dispatch;
use crate::signal::SigActions;
use crate::table::ProcessTable;
use crate::timers::Timers;
use crate::vfs::Vfs;
use crate::{Error, ExitStatus, Pid, ProcState, SysResult, WaitFor, WaitOn};

mod burst;
mod clock;
mod exit;
mod spawn;

pub(crate) use burst::Burst;
pub(crate) use spawn::{PipeEnd, StdioEnds};

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
    /// The tick a `run_for` limit stops the clock at (`Tick::MAX`: no limit).
    pub until: Tick,
    /// A kernel bug met inside a system call, for the run loop to report.
    pub fault: Option<Error>,
    /// A process became ready while another was on the CPU (it may preempt).
    pub woke_during_dispatch: bool,
    /// What the running process asked for in the call it awaits.
    pub action: ActionSlot,
    /// The next tick the policy wants to act at (`Tick::MAX`: never).
    pub policy_event: Tick,
    /// Nothing falls due before this tick (a timer, an alarm, an arrival, a policy
    /// event): what is armed lowers it at once, and [`due`](Core::due) sets it afresh.
    /// It may lie early (a timer disarmed meanwhile), never late.
    pub horizon: Tick,
    /// Whether the policy keeps an account of CPU time ([`Policy::needs_charge`]).
    pub policy_charges: bool,
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
    /// The slots the last dispatch foresaw running after it, in order.
    pub ahead: LookAhead,
    pub programs: HashMap<String, Registered>,
    /// Statuses of host-spawned processes that the host has not collected.
    host_exits: PidMap<ExitStatus>,
    host_waiters: HostWaiters,
    empty_env: Rc<Env>,
    root: Cwd,
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

impl Core {
    pub(crate) fn new(policy: Box<dyn Policy>, pid_max: u32, events: usize, seed: u64) -> Self {
        let policy_charges = policy.needs_charge();
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
            until: Tick::MAX,
            fault: None,
            woke_during_dispatch: false,
            action: ActionSlot::default(),
            policy_event: first_event,
            horizon: first_event,
            policy_charges,
            arrivals: Arrivals::new(),
            switch_cost: 0,
            switches: 0,
            last_ran: None,
            dispatch_log: None,
            dispatch_start: 0,
            ahead: LookAhead::new(),
            programs: HashMap::new(),
            host_exits: PidMap::default(),
            host_waiters: PidMap::default(),
            empty_env: Rc::new(Vec::new()),
            root: Rc::new(String::from("/")),
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
        if self.syscall_cost == 0 || self.current == NIL {
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
}

/// A nice value as given to spawn or renice: EINVAL outside -20..=19.
#[inline]
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

/// The number after `seq` for a timer or an alarm, skipping those whose low 32 bits (what
/// a process keeps of it) are 0, which means none.
#[inline]
pub(crate) fn next_seq(seq: u64) -> u64 {
    let next = seq.wrapping_add(1);
    if next as u32 == 0 { next + 1 } else { next }
}

#[cfg(test)]
mod tests {
    use super::next_seq;

    #[test]
    fn timer_numbers_skip_those_a_process_would_read_as_none() {
        assert_eq!(next_seq(0), 1);
        assert_eq!(next_seq(41), 42);
        // The low 32 bits of 1 << 32 are 0, which a process reads as no timer.
        assert_eq!(next_seq(u64::from(u32::MAX)), (1 << 32) + 1);
        let mut seq = u64::from(u32::MAX) - 3;
        for _ in 0..8 {
            seq = next_seq(seq);
            assert_ne!(seq as u32, 0);
        }
    }
}
