//! `Kernel`: owns the processes and runs them, one poll at a time.

use std::any::Any;
use std::cell::RefCell;
use std::future::Future;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::rc::Rc;
use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use crossbeam_utils::sync::Parker;
use vproc_ipc::{Errno, Signal};
use vproc_sched::{Policy, PriorityPolicy, Requeue, TaskId, Tick};

use crate::core::{Core, INIT, Registered};
use crate::event::{Event, Subscriber};
use crate::handle::{Injected, Shared};
use crate::proc::program_of;
use crate::process::{Action, NIL};
use crate::{
    Command, DeadlockReport, Error, ExitStatus, ExitValue, KernelHandle, Pid, Proc, ProcInfo,
    ProcState, SysResult, WaitOn, waker,
};

static NEXT_KERNEL_ID: AtomicU32 = AtomicU32::new(1);

/// How the clock advances.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ClockMode {
    /// Simulation: when nothing is ready and only sleepers remain, the clock jumps to the
    /// next wake-up. Runs are deterministic.
    Virtual,
    /// Each tick lasts `tick` of wall-clock time and sleeping waits for real. The clock
    /// never falls behind the wall clock (it may run ahead of it while processes compute).
    Real {
        /// The length of a tick.
        tick: Duration,
    },
}

/// Why `run` (or one of its variants) returned.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Stop {
    /// Every process but init has exited.
    AllExited,
    /// The process `run_until` waited for has exited.
    TargetExited(Pid),
    /// `run_for`'s ticks have passed.
    TimeLimit,
    /// Processes remain but none can ever run again.
    Deadlock(DeadlockReport),
    /// A handle asked for shutdown.
    Shutdown,
}

/// Counts of what the kernel holds, to prove that nothing is left behind.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct LiveObjects {
    /// Processes in the table, init and zombies included.
    pub processes: usize,
    /// Program futures not yet dropped.
    pub programs: usize,
    /// Timers of sleeping processes.
    pub timers: usize,
    /// Processes in the policy's ready set.
    pub ready: usize,
    /// Exit statuses the host has not collected.
    pub uncollected_exits: usize,
}

/// Builds a [`Kernel`].
pub struct KernelBuilder {
    policy: Box<dyn Policy>,
    clock: ClockMode,
    syscall_cost: Tick,
    pid_max: u32,
    event_ring: usize,
    seed: u64,
}

impl Default for KernelBuilder {
    fn default() -> Self {
        KernelBuilder {
            policy: Box::new(PriorityPolicy::default()),
            clock: ClockMode::Virtual,
            syscall_cost: 1,
            pid_max: crate::pid::PID_MAX_LIMIT,
            event_ring: 1024,
            seed: 0,
        }
    }
}

impl KernelBuilder {
    /// The scheduling policy (default: [`PriorityPolicy`] with quantum 10 and aging).
    pub fn policy(mut self, policy: impl Policy + 'static) -> Self {
        self.policy = Box::new(policy);
        self
    }

    /// The clock mode (default: virtual).
    pub fn clock(mut self, clock: ClockMode) -> Self {
        self.clock = clock;
        self
    }

    /// A real-time clock with ticks of `tick` (1 ms is what a shell wants).
    pub fn real_time(self, tick: Duration) -> Self {
        self.clock(ClockMode::Real {
            tick: tick.max(Duration::from_nanos(1)),
        })
    }

    /// Ticks each system call costs (default 1).
    pub fn syscall_cost(mut self, ticks: Tick) -> Self {
        self.syscall_cost = ticks;
        self
    }

    /// One more than the largest pid (default 4194304, Linux's limit; at least 3).
    pub fn pid_max(mut self, pid_max: u32) -> Self {
        self.pid_max = pid_max.clamp(3, crate::pid::PID_MAX_LIMIT);
        self
    }

    /// How many recent events the ring keeps (default 1024; 0 keeps none).
    pub fn event_ring(mut self, events: usize) -> Self {
        self.event_ring = events;
        self
    }

    /// The seed of the kernel's random numbers (for policies and `Proc::random`).
    pub fn seed(mut self, seed: u64) -> Self {
        self.seed = seed;
        self
    }

    /// The kernel, with init as pid 1.
    pub fn build(self) -> Kernel {
        let mut core = Core::new(self.policy, self.pid_max, self.event_ring, self.seed);
        core.syscall_cost = self.syscall_cost;
        let parker = Parker::new();
        let shared = Arc::new(Shared::new(parker.unparker().clone()));
        let id = NEXT_KERNEL_ID.fetch_add(1, Ordering::Relaxed);
        waker::register(id, &shared);
        Kernel {
            core: Rc::new(RefCell::new(core)),
            shared,
            parker,
            id,
            clock: self.clock,
            started: Instant::now(),
            wakes: Vec::new(),
            shutdown: false,
        }
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Limit {
    None,
    Pid(Pid),
    Until(Tick),
    Serve,
}

/// The kernel: a process table, a policy, a clock, and the loop that runs processes.
///
/// Processes are futures polled one at a time on the thread that calls [`run`](Kernel::run).
/// A `Kernel` stays on the thread that built it; other threads use a [`KernelHandle`].
pub struct Kernel {
    core: Rc<RefCell<Core>>,
    shared: Arc<Shared>,
    parker: Parker,
    id: u32,
    clock: ClockMode,
    started: Instant,
    wakes: Vec<u32>,
    shutdown: bool,
}

impl Default for Kernel {
    fn default() -> Self {
        Kernel::new()
    }
}

impl Kernel {
    /// A kernel with the default settings: priority policy, virtual clock.
    pub fn new() -> Self {
        KernelBuilder::default().build()
    }

    /// A builder for a kernel with other settings.
    pub fn builder() -> KernelBuilder {
        KernelBuilder::default()
    }

    /// Registers a program by name, for `spawn` and `Proc::spawn`.
    pub fn register<F, Fut>(&mut self, name: impl Into<String>, program: F)
    where
        F: Fn(Proc) -> Fut + 'static,
        Fut: Future + 'static,
        Fut::Output: ExitValue,
    {
        let program = Rc::new(program);
        let registered: Registered = Rc::new(move |proc| {
            let program = program.clone();
            program_of(move |proc| program(proc), proc)
        });
        self.core
            .borrow_mut()
            .programs
            .insert(name.into(), registered);
    }

    /// Spawns a registered program as a child of init. Its status waits for the host in
    /// [`exit_status`](Kernel::exit_status).
    pub fn spawn(&mut self, command: Command) -> SysResult<Pid> {
        self.spawn_host(command, None)
    }

    /// Spawns a program given as a closure, as a child of init.
    pub fn spawn_fn<F, Fut>(&mut self, mut command: Command, program: F) -> SysResult<Pid>
    where
        F: FnOnce(Proc) -> Fut + 'static,
        Fut: Future + 'static,
        Fut::Output: ExitValue,
    {
        let rc = self.core.clone();
        self.core
            .borrow_mut()
            .spawn(INIT, &mut command, move |pid, slot| {
                Ok(program_of(program, Proc::new(rc, pid, slot)))
            })
    }

    fn spawn_host(
        &mut self,
        mut command: Command,
        program: Option<crate::handle::SendProgram>,
    ) -> SysResult<Pid> {
        let rc = self.core.clone();
        let mut core = self.core.borrow_mut();
        match program {
            Some(program) => core.spawn(INIT, &mut command, move |pid, slot| {
                Ok(program(Proc::new(rc, pid, slot)))
            }),
            None => {
                let registered = core.registered(&command.program)?;
                core.spawn(INIT, &mut command, move |pid, slot| {
                    Ok(registered(Proc::new(rc, pid, slot)))
                })
            }
        }
    }

    /// Sends a signal with its default action (handlers come with signal dispositions):
    /// terminate, stop, continue or ignore. ESRCH for an unknown pid.
    pub fn kill(&mut self, pid: Pid, signal: Signal) -> SysResult<()> {
        self.deliver(pid, signal)
    }

    /// Delivers a signal; ends the process if the signal terminates it.
    fn deliver(&mut self, pid: Pid, signal: Signal) -> SysResult<()> {
        let terminate = self.core.borrow_mut().signal(pid, signal)?;
        if let Some((slot, status)) = terminate {
            self.terminate(slot, status)?;
        }
        Ok(())
    }

    /// Ends the process in `slot`: zombie first, then its program is dropped outside any
    /// borrow (destructors may make system calls), then its parent and children learn.
    #[inline]
    fn terminate(&mut self, slot: u32, status: ExitStatus) -> Result<(), Error> {
        let program = self.core.borrow_mut().begin_exit(slot, status)?;
        drop(program);
        self.core.borrow_mut().finish_exit(slot)
    }

    /// The status of a process the host spawned, once it has exited; `None` while it
    /// runs. Taken once: the pid may then be reused. ECHILD for any other pid.
    pub fn exit_status(&mut self, pid: Pid) -> SysResult<Option<ExitStatus>> {
        self.core.borrow_mut().take_host_exit(pid)
    }

    /// A handle for other threads.
    pub fn handle(&self) -> KernelHandle {
        KernelHandle::new(self.shared.clone())
    }

    /// The clock.
    pub fn now(&self) -> Tick {
        self.core.borrow().now
    }

    /// The policy's name.
    pub fn policy_name(&self) -> &'static str {
        self.core.borrow().policy.name()
    }

    /// A snapshot of the process table, by pid.
    pub fn ps(&self) -> Vec<ProcInfo> {
        crate::ps::snapshot(&self.core.borrow())
    }

    /// Calls `subscriber` with every event from now on, on the kernel's thread.
    pub fn subscribe(&mut self, subscriber: impl FnMut(&Event) + 'static) {
        let subscriber: Subscriber = Box::new(subscriber);
        self.core.borrow_mut().events.subscribe(subscriber);
    }

    /// The most recent events, oldest first (as many as the ring keeps).
    pub fn recent_events(&self) -> Vec<Event> {
        self.core.borrow().events.recent()
    }

    /// What the kernel holds now.
    pub fn live_objects(&self) -> LiveObjects {
        let core = self.core.borrow();
        LiveObjects {
            processes: core.table.len(),
            programs: core
                .table
                .iter()
                .filter(|(_, p)| p.program.is_some())
                .count(),
            timers: core.live_timers(),
            ready: core.policy.ready_len(),
            uncollected_exits: core.uncollected_exits(),
        }
    }

    /// Runs until every process but init has exited, or until none can run again
    /// ([`Stop::Deadlock`]). While a [`KernelHandle`] exists, a kernel whose processes are
    /// all blocked waits for the handle's requests instead.
    pub fn run(&mut self) -> Result<Stop, Error> {
        self.run_loop(Limit::None)
    }

    /// Runs until `pid` has exited (or as `run`). ESRCH if there is no such process.
    pub fn run_until(&mut self, pid: Pid) -> Result<Stop, Error> {
        {
            let core = self.core.borrow();
            if core.table.slot_of(pid).is_none() && !core.has_host_exit(pid) {
                return Err(Error::new(
                    Errno::ESRCH,
                    format!("no process with pid {pid}"),
                ));
            }
        }
        self.run_loop(Limit::Pid(pid))
    }

    /// Runs for `ticks` ticks of the clock at most (or as `run`).
    pub fn run_for(&mut self, ticks: Tick) -> Result<Stop, Error> {
        let until = self.now().saturating_add(ticks);
        self.run_loop(Limit::Until(until))
    }

    /// Runs until a handle asks for shutdown, serving handle requests even when no
    /// process is left.
    pub fn serve(&mut self) -> Result<Stop, Error> {
        self.run_loop(Limit::Serve)
    }

    fn run_loop(&mut self, limit: Limit) -> Result<Stop, Error> {
        let _running = waker::RunningGuard::enter(self.id);
        let until = match limit {
            Limit::Until(until) => until,
            _ => Tick::MAX,
        };
        loop {
            self.absorb()?;
            if std::mem::take(&mut self.shutdown) {
                return Ok(Stop::Shutdown);
            }
            let mut core = self.core.borrow_mut();
            if let ClockMode::Real { tick } = self.clock {
                let wall = wall_ticks(self.started, tick);
                core.now = core.now.max(wall);
            }
            if let Limit::Pid(pid) = limit {
                let gone = match core.table.slot_of(pid) {
                    None => true,
                    Some(slot) => core.table.get(slot).is_zombie(),
                };
                if gone {
                    return Ok(Stop::TargetExited(pid));
                }
            }
            if core.table.len() == 1 && limit != Limit::Serve {
                return Ok(Stop::AllExited);
            }
            if core.now >= until {
                return Ok(Stop::TimeLimit);
            }
            core.fire_timers()?;
            let now = core.now;
            if let Some(task) = core.policy.pick_next(now) {
                drop(core);
                self.dispatch(task.0, until)?;
                continue;
            }
            // Idle: nothing is ready.
            match core.next_wakeup() {
                Some(at) => match self.clock {
                    ClockMode::Virtual => core.now = core.now.max(at.min(until)),
                    ClockMode::Real { tick } => {
                        drop(core);
                        match tick_instant(self.started, tick, at.min(until)) {
                            Some(wake) => self.parker.park_deadline(wake),
                            None => self.parker.park(),
                        }
                    }
                },
                None if limit == Limit::Serve || self.shared.has_handles() => {
                    drop(core);
                    self.parker.park();
                }
                None => {
                    let report = deadlock_report(&core);
                    return Ok(Stop::Deadlock(report));
                }
            }
        }
    }

    /// Takes in what came from outside the run loop: wakes and handle requests.
    fn absorb(&mut self) -> Result<(), Error> {
        waker::take_local_wakes(&mut self.wakes);
        if !self.wakes.is_empty() {
            let mut core = self.core.borrow_mut();
            for slot in self.wakes.drain(..) {
                core.wake(slot)?;
            }
        }
        if self.shared.has_pending() {
            for item in self.shared.drain() {
                self.serve_request(item)?;
            }
        }
        Ok(())
    }

    fn serve_request(&mut self, item: Injected) -> Result<(), Error> {
        match item {
            Injected::Spawn {
                command,
                program,
                reply,
            } => {
                let _ = reply.send(self.spawn_host(command, program));
            }
            Injected::Kill { pid, signal, reply } => {
                let result = match self.deliver(pid, signal) {
                    Err(bug) if bug.is_kernel_bug() => return Err(bug),
                    other => other,
                };
                let _ = reply.send(result);
            }
            Injected::Ps { reply } => {
                let _ = reply.send(self.ps());
            }
            Injected::Wait { pid, reply } => self.core.borrow_mut().host_wait(pid, reply),
            Injected::Wake(slot) => self.core.borrow_mut().wake(slot)?,
            Injected::Shutdown => self.shutdown = true,
        }
        Ok(())
    }

    /// Runs the process in `slot` until it blocks, yields, is preempted or exits.
    fn dispatch(&mut self, slot: u32, until: Tick) -> Result<(), Error> {
        {
            let mut core = self.core.borrow_mut();
            let core = &mut *core;
            core.transition(slot, ProcState::Running)?;
            core.current = slot;
            core.ran = 0;
            core.current_woken = false;
            core.woke_during_dispatch = false;
            core.slice = 0;
            let now = core.now;
            let process = core.table.get_mut(slot);
            if process.started == Tick::MAX {
                process.started = now;
            }
            if process.compute_left > 0 && !run_burst(core, slot, until)? {
                return Ok(());
            }
        }
        let waker = waker::for_process(self.id, slot);
        let mut cx = Context::from_waker(&waker);
        loop {
            let mut program = self
                .core
                .borrow_mut()
                .table
                .get_mut(slot)
                .program
                .take()
                .expect("a running process has its program");
            let polled = catch_unwind(AssertUnwindSafe(|| program.as_mut().poll(&mut cx)));
            let mut guard = self.core.borrow_mut();
            let core = &mut *guard;
            let action = core.action.take();
            let status = match polled {
                Ok(Poll::Ready(code)) => Some(ExitStatus::Exited(code)),
                Err(payload) => Some(ExitStatus::Panicked(panic_message(&*payload).into())),
                Ok(Poll::Pending) => match action {
                    Action::Exit(code) => Some(ExitStatus::Exited(code)),
                    _ => None,
                },
            };
            if let Some(status) = status {
                end_dispatch(core, slot);
                // The program goes back so that `terminate` drops it outside the borrow.
                core.table.get_mut(slot).program = Some(program);
                drop(guard);
                return self.terminate(slot, status);
            }
            core.table.get_mut(slot).program = Some(program);
            match action {
                Action::Compute(ticks) => {
                    core.table.get_mut(slot).compute_left = ticks;
                    if run_burst(core, slot, until)? {
                        continue;
                    }
                    return Ok(());
                }
                Action::Yield => {
                    core.table.get_mut(slot).voluntary += 1;
                    end_dispatch(core, slot);
                    core.make_ready(slot, Requeue::Yielded)?;
                }
                Action::Sleep(until) => {
                    block(core, slot, WaitOn::Sleep)?;
                    core.add_timer(slot, until);
                }
                Action::Wait(target) => block(core, slot, WaitOn::Child(target))?,
                Action::None if core.current_woken => {
                    core.table.get_mut(slot).voluntary += 1;
                    end_dispatch(core, slot);
                    core.make_ready(slot, Requeue::Yielded)?;
                }
                Action::None => block(core, slot, WaitOn::Event)?,
                Action::Exit(_) => unreachable!("handled with the other endings above"),
            }
            return Ok(());
        }
    }
}

/// Ends the dispatch of the running process: the policy learns how long it ran.
#[inline]
fn end_dispatch(core: &mut Core, slot: u32) {
    let (ran, now) = (core.ran, core.now);
    core.policy.charge(TaskId(slot), ran, now);
    core.current = NIL;
}

/// The running process blocks.
#[inline]
fn block(core: &mut Core, slot: u32, on: WaitOn) -> Result<(), Error> {
    core.table.get_mut(slot).voluntary += 1;
    end_dispatch(core, slot);
    core.transition(slot, ProcState::Waiting(on))
}

/// Runs the running process's CPU burst. Returns true when the burst is over and the
/// process still runs, false when it was preempted (it is then ready again).
fn run_burst(core: &mut Core, slot: u32, until: Tick) -> Result<bool, Error> {
    loop {
        let left = core.table.get(slot).compute_left;
        if left == 0 {
            return Ok(true);
        }
        if core.slice == 0 {
            core.slice = core.policy.slice(TaskId(slot)).max(1);
        }
        let slice_left = core.slice.saturating_sub(core.ran);
        let woken_better =
            core.woke_during_dispatch && core.policy.should_preempt(TaskId(slot), core.now);
        if slice_left == 0 || core.now >= until || woken_better {
            core.table.get_mut(slot).involuntary += 1;
            end_dispatch(core, slot);
            core.make_ready(slot, Requeue::Preempted)?;
            return Ok(false);
        }
        let mut chunk = left.min(slice_left).min(until - core.now);
        if let Some(at) = core.next_wakeup()
            && at > core.now
        {
            chunk = chunk.min(at - core.now);
        }
        core.now += chunk;
        core.ran += chunk;
        let process = core.table.get_mut(slot);
        process.user += chunk;
        process.compute_left -= chunk;
        core.fire_timers()?;
    }
}

/// The wall-clock instant of tick `at`, if it can be represented.
fn tick_instant(started: Instant, tick: Duration, at: Tick) -> Option<Instant> {
    let nanos = tick.as_nanos().checked_mul(u128::from(at))?;
    started.checked_add(Duration::from_nanos(u64::try_from(nanos).ok()?))
}

fn wall_ticks(started: Instant, tick: Duration) -> Tick {
    (started.elapsed().as_nanos() / tick.as_nanos().max(1)) as Tick
}

fn panic_message(payload: &(dyn Any + Send)) -> String {
    if let Some(text) = payload.downcast_ref::<&str>() {
        (*text).to_string()
    } else if let Some(text) = payload.downcast_ref::<String>() {
        text.clone()
    } else {
        "panic with a non-text payload".to_string()
    }
}

fn deadlock_report(core: &Core) -> DeadlockReport {
    let blocked = core
        .table
        .iter()
        .filter(|(slot, p)| {
            *slot != INIT && matches!(p.state, ProcState::Waiting(_) | ProcState::Stopped)
        })
        .map(|(_, p)| (p.pid, p.name.to_string(), p.state))
        .collect();
    DeadlockReport {
        tick: core.now,
        blocked,
    }
}

impl Drop for Kernel {
    fn drop(&mut self) {
        self.shared.close();
        waker::unregister(self.id);
        // Programs hold `Proc`s, which hold the kernel: drop them outside any borrow to
        // break the cycle.
        let programs: Vec<_> = {
            let mut core = self.core.borrow_mut();
            let slots = core.table.slots();
            slots
                .into_iter()
                .filter_map(|slot| core.table.get_mut(slot).program.take())
                .collect()
        };
        drop(programs);
    }
}
