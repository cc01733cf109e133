//! `Kernel`: owns the processes and runs them, one poll at a time.

use std::any::Any;
use std::cell::RefCell;
use std::future::Future;
use std::mem::ManuallyDrop;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::rc::Rc;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use crossbeam_utils::sync::Parker;
use vproc_ipc::{Errno, Signal};
use vproc_sched::{Policy, PriorityPolicy, Requeue, TaskId, Tick};

use crate::core::{Core, INIT, Registered};
use crate::event::{Event, Subscriber};
use crate::handle::{Injected, Shared};
use crate::process::{Action, NIL};
use crate::program::program_of;
use crate::signal::Delivery;
use crate::tty::{Tty, TtyEvent};
use crate::waker::WakeId;
use crate::{
    Command, DeadlockReport, Error, ExitStatus, ExitValue, HostChild, KernelHandle, Pid, Proc,
    ProcInfo, ProcState, SysResult, TtyHandle, WaitOn, waker,
};

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
    /// Arrivals not yet due.
    pub arrivals: usize,
    /// Open descriptors, in every process's table.
    pub descriptors: usize,
    /// Open file descriptions (what descriptors point at), wherever they are held.
    pub open_files: usize,
    /// Pipes and FIFO buffers with an end open.
    pub pipes: usize,
    /// Virtual terminals alive (held by a host handle, an open file or a session).
    pub terminals: usize,
}

/// Builds a [`Kernel`].
pub struct KernelBuilder {
    policy: Box<dyn Policy>,
    clock: ClockMode,
    syscall_cost: Tick,
    pid_max: u32,
    event_ring: usize,
    seed: u64,
    switch_cost: Tick,
    dispatch_log: bool,
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
            switch_cost: 0,
            dispatch_log: false,
        }
    }
}

impl KernelBuilder {
    /// The scheduling policy (default: [`PriorityPolicy`] with quantum 10 and aging).
    pub fn policy(self, policy: impl Policy + 'static) -> Self {
        self.policy_boxed(Box::new(policy))
    }

    /// The scheduling policy, already boxed (as `vproc_sched::by_name` gives it).
    pub fn policy_boxed(mut self, policy: Box<dyn Policy>) -> Self {
        self.policy = policy;
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

    /// Ticks the CPU spends passing from one process to another (default 0): they count
    /// as no process's CPU time, and the process about to run stays ready meanwhile.
    /// A switch is a dispatch of another process than the one that ran last.
    pub fn switch_cost(mut self, ticks: Tick) -> Self {
        self.switch_cost = ticks;
        self
    }

    /// Keeps a log of every stretch of CPU time a process held (default off): see
    /// [`Kernel::take_dispatch_log`].
    pub fn dispatch_log(mut self, on: bool) -> Self {
        self.dispatch_log = on;
        self
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
        core.switch_cost = self.switch_cost;
        core.dispatch_log = self.dispatch_log.then(Vec::new);
        let parker = Parker::new();
        let shared = Arc::new(Shared::new(parker.unparker().clone()));
        let id = waker::register(&shared);
        Kernel {
            core: Rc::new(RefCell::new(core)),
            shared,
            parker,
            id,
            clock: self.clock,
            started: Instant::now(),
            wakes: Vec::new(),
            shutdown: false,
            paused: None,
            has_subscribers: false,
        }
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Limit {
    None,
    Pid(Pid),
    For(Tick),
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
    id: u16,
    clock: ClockMode,
    started: Instant,
    wakes: Vec<WakeId>,
    shutdown: bool,
    /// A process whose dispatch a `run_for` limit cut short: still Running.
    paused: Option<u32>,
    /// Whether events must be delivered to subscribers.
    has_subscribers: bool,
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
        let pid = self.spawn_host(command, None);
        self.deliver_events();
        pid
    }

    /// Spawns a program given as a closure, as a child of init, when the clock reaches
    /// `at` (at once if it has). Arrivals due at one tick come after the policy's own
    /// events of that tick (an MLFQ boost) and before the processes that wake then, in
    /// the order they were asked for; the pid is given at arrival.
    ///
    /// EINVAL for a nice value out of range. A spawn that fails when its time comes (no
    /// pid left) is reported by [`failed_arrivals`](Kernel::failed_arrivals).
    pub fn spawn_fn_at<F, Fut>(&mut self, at: Tick, command: Command, program: F) -> SysResult<()>
    where
        F: FnOnce(Proc) -> Fut + 'static,
        Fut: Future + 'static,
        Fut::Output: ExitValue,
    {
        if let Some(n) = command.nice {
            crate::core::nice_value(n)?;
        }
        if at <= self.now() {
            return self.spawn_fn(command, program).map(drop);
        }
        let rc = self.core.clone();
        let make: crate::arrival::Make = Box::new(move |pid, slot, generation| {
            Ok(program_of(program, Proc::new(rc, pid, slot, generation)))
        });
        self.core
            .borrow_mut()
            .arrivals
            .add(at, crate::arrival::Arrival { command, make });
        Ok(())
    }

    /// The arrivals ([`spawn_fn_at`](Kernel::spawn_fn_at)) that could not be spawned
    /// when their time came, since the last call.
    pub fn failed_arrivals(&mut self) -> Vec<crate::ArrivalFailure> {
        self.core.borrow_mut().arrivals.take_failures()
    }

    /// The stretches of CPU time processes held since the last call, in time order
    /// (empty unless the kernel was built with
    /// [`dispatch_log`](KernelBuilder::dispatch_log)). Stretches of no time are left out.
    pub fn take_dispatch_log(&mut self) -> Vec<crate::Dispatch> {
        match &mut self.core.borrow_mut().dispatch_log {
            Some(log) => std::mem::take(log),
            None => Vec::new(),
        }
    }

    /// How many times the CPU passed from one process to another.
    pub fn context_switches(&self) -> u64 {
        self.core.borrow().switches
    }

    /// Spawns a registered program as a child of init, with its standard streams as
    /// `command` sets them; the host gets its ends of the [`Stdio::Piped`](crate::Stdio)
    /// ones. (The host has no descriptors: `Stdio::Inherit` leaves a stream closed and
    /// `Stdio::Fd` fails with EBADF.)
    pub fn spawn_child(&mut self, mut command: Command) -> SysResult<HostChild> {
        let rc = self.core.clone();
        let spawned = {
            let mut core = self.core.borrow_mut();
            let registered = core.registered(&command.program)?;
            core.spawn_with_stdio(INIT, &mut command, move |pid, slot, generation| {
                Ok(registered(Proc::new(rc, pid, slot, generation)))
            })
        };
        self.deliver_events();
        spawned.map(host_child)
    }

    /// As [`spawn_child`](Kernel::spawn_child), running `program`.
    pub fn spawn_fn_child<F, Fut>(
        &mut self,
        mut command: Command,
        program: F,
    ) -> SysResult<HostChild>
    where
        F: FnOnce(Proc) -> Fut + 'static,
        Fut: Future + 'static,
        Fut::Output: ExitValue,
    {
        let rc = self.core.clone();
        let spawned = self.core.borrow_mut().spawn_with_stdio(
            INIT,
            &mut command,
            move |pid, slot, generation| {
                Ok(program_of(program, Proc::new(rc, pid, slot, generation)))
            },
        );
        self.deliver_events();
        spawned.map(host_child)
    }

    /// A new virtual terminal, and the host's handle on it (see [`TtyHandle`]): give it to
    /// a process with [`Stdio::Tty`](crate::Stdio::Tty) (`Command::terminal`).
    pub fn open_tty(&mut self) -> TtyHandle {
        let tty = self.core.borrow_mut().terminals.open();
        TtyHandle::new(tty, self.shared.clone())
    }

    /// Mounts the host directory `dir` at `at` (an existing directory of the virtual
    /// tree; `/` makes the host's tree the root, with /dev and /proc still on top).
    /// Processes see the host's files there, and cannot leave `dir` through `..` or a
    /// symbolic link. ENOENT, ENOTDIR.
    pub fn mount_host(&mut self, at: &str, dir: impl AsRef<std::path::Path>) -> SysResult<()> {
        let mut core = self.core.borrow_mut();
        let at = crate::vfs::components(&core.directory(INIT, at)?);
        let dev = core.vfs.new_dev();
        let fs = crate::vfs::HostFs::new(dir.as_ref(), dev)?;
        core.vfs
            .mount(at, crate::vfs::Backend::Fs(Rc::new(fs)), dev);
        Ok(())
    }

    /// Mounts a new, empty in-memory filesystem at `at` (an existing directory).
    pub fn mount_memory(&mut self, at: &str) -> SysResult<()> {
        let mut core = self.core.borrow_mut();
        let at = crate::vfs::components(&core.directory(INIT, at)?);
        let dev = core.vfs.new_dev();
        let fs = crate::vfs::MemFs::new(dev);
        core.vfs
            .mount(at, crate::vfs::Backend::Fs(Rc::new(fs)), dev);
        Ok(())
    }

    /// Spawns a program given as a closure, as a child of init.
    pub fn spawn_fn<F, Fut>(&mut self, mut command: Command, program: F) -> SysResult<Pid>
    where
        F: FnOnce(Proc) -> Fut + 'static,
        Fut: Future + 'static,
        Fut::Output: ExitValue,
    {
        let rc = self.core.clone();
        let pid = self
            .core
            .borrow_mut()
            .spawn(INIT, &mut command, move |pid, slot, generation| {
                Ok(program_of(program, Proc::new(rc, pid, slot, generation)))
            });
        self.deliver_events();
        pid
    }

    fn spawn_host(
        &mut self,
        mut command: Command,
        program: Option<crate::handle::SendProgram>,
    ) -> SysResult<Pid> {
        let rc = self.core.clone();
        let mut core = self.core.borrow_mut();
        match program {
            Some(program) => core.spawn(INIT, &mut command, move |pid, slot, generation| {
                Ok(program(Proc::new(rc, pid, slot, generation)))
            }),
            None => {
                let registered = core.registered(&command.program)?;
                core.spawn(INIT, &mut command, move |pid, slot, generation| {
                    Ok(registered(Proc::new(rc, pid, slot, generation)))
                })
            }
        }
    }

    /// Sends a signal to `pid`, as `kill(2)` from outside any process: the target's
    /// disposition and mask apply (a handler runs at its next dispatch). A signal whose
    /// action ends the process ends it at once (a stopped one only for SIGKILL; other
    /// signals wait for SIGCONT). ESRCH for an unknown pid.
    pub fn kill(&mut self, pid: Pid, signal: Signal) -> SysResult<()> {
        let result = self.deliver(pid, signal);
        self.deliver_events();
        result
    }

    /// Delivers a signal; ends the process if the signal terminates it.
    fn deliver(&mut self, pid: Pid, signal: Signal) -> SysResult<()> {
        self.unpause()?;
        let mut core = self.core.borrow_mut();
        let slot = core
            .table
            .slot_of(pid)
            .ok_or_else(|| Error::new(Errno::ESRCH, format!("no process with pid {pid}")))?;
        core.send_signal(slot, signal)?;
        // Outside any dispatch, the host delivers a fatal signal at once (a process that
        // is not stopped, or SIGKILL).
        let p = core.table.get(slot);
        let fatal = p.state != ProcState::Zombie
            && (p.state != ProcState::Stopped || signal == Signal::SIGKILL)
            && p.sig.deliverable().contains_signal(signal)
            && p.sig.actions.get(signal).kills(signal);
        if fatal {
            core.table.get_mut(slot).sig.pending.remove_signal(signal);
            let core_dumped = signal.default_action() == vproc_ipc::DefaultAction::Core;
            drop(core);
            self.terminate(
                slot,
                ExitStatus::Signaled {
                    signal,
                    core_dumped,
                },
            )?;
        }
        Ok(())
    }

    /// Ends the process in `slot`: zombie first, then its program is dropped outside any
    /// borrow (destructors may make system calls), then its parent and children learn.
    #[inline]
    fn terminate(&mut self, slot: u32, status: ExitStatus) -> Result<(), Error> {
        let (program, fds) = self.core.borrow_mut().begin_exit(slot, status)?;
        contain(move || drop(program));
        fds.close_all();
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

    /// The clock (in real time, never behind the wall clock).
    pub fn now(&self) -> Tick {
        let now = self.core.borrow().now;
        match self.clock {
            ClockMode::Virtual => now,
            ClockMode::Real { tick } => now.max(wall_ticks(self.started, tick)),
        }
    }

    /// The policy's name.
    pub fn policy_name(&self) -> &'static str {
        self.core.borrow().policy.name()
    }

    /// A snapshot of the process table, by pid.
    pub fn ps(&self) -> Vec<ProcInfo> {
        crate::ps::snapshot(&self.core.borrow())
    }

    /// Calls `subscriber` with every event from now on, in order, on the kernel's thread.
    ///
    /// Subscribers are called between the kernel's own steps (after each dispatch, and at
    /// the end of the `Kernel` call that caused the event), never inside them, so a
    /// subscriber may make calls of its own.
    pub fn subscribe(&mut self, subscriber: impl FnMut(&Event) + 'static) {
        let subscriber: Subscriber = Box::new(subscriber);
        self.core.borrow_mut().events.subscribe(subscriber);
        self.has_subscribers = true;
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
            arrivals: core.arrivals.len(),
            descriptors: core.table.iter().map(|(_, p)| p.fds.len()).sum(),
            open_files: core.census.open_files(),
            pipes: core.census.pipes(),
            terminals: core.terminals.live(),
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
    ///
    /// A process whose CPU burst the limit cuts stays on the CPU, with what is left of its
    /// slice, until the next run: running for a+b ticks in two calls gives the same
    /// schedule as in one.
    pub fn run_for(&mut self, ticks: Tick) -> Result<Stop, Error> {
        self.run_loop(Limit::For(ticks))
    }

    /// Runs until a handle asks for shutdown, serving handle requests even when no
    /// process is left. Returns as `run` does once no handle is left (nothing could ask).
    pub fn serve(&mut self) -> Result<Stop, Error> {
        self.run_loop(Limit::Serve)
    }

    fn run_loop(&mut self, limit: Limit) -> Result<Stop, Error> {
        let stop = self.steps(limit);
        self.deliver_events();
        stop
    }

    /// Gives the subscribers the events they have not seen, outside any borrow.
    #[inline(always)]
    fn deliver_events(&mut self) {
        if self.has_subscribers {
            self.call_subscribers();
        }
    }

    fn call_subscribers(&mut self) {
        loop {
            let Some((events, mut subscribers)) = self.core.borrow_mut().events.take_pending()
            else {
                return;
            };
            for event in &events {
                for subscriber in &mut subscribers {
                    subscriber(event);
                }
            }
            self.core.borrow_mut().events.restore(subscribers);
        }
    }

    fn steps(&mut self, limit: Limit) -> Result<Stop, Error> {
        let _running = waker::RunningGuard::enter(self.id);
        self.sync_clock();
        let until = match limit {
            Limit::For(ticks) => Some(self.core.borrow().now.saturating_add(ticks)),
            _ => None,
        };
        loop {
            self.deliver_events();
            self.absorb()?;
            if std::mem::take(&mut self.shutdown) {
                return Ok(Stop::Shutdown);
            }
            if matches!(self.clock, ClockMode::Real { .. }) && self.sync_clock() {
                // It waited: take in what came meanwhile first.
                continue;
            }
            let mut core = self.core.borrow_mut();
            if let Limit::Pid(pid) = limit {
                let gone = match core.table.slot_of(pid) {
                    None => true,
                    Some(slot) => core.table.get(slot).is_zombie(),
                };
                if gone {
                    return Ok(Stop::TargetExited(pid));
                }
            }
            if core.table.len() == 1 && core.arrivals.len() == 0 && limit != Limit::Serve {
                return Ok(Stop::AllExited);
            }
            if until.is_some_and(|until| core.now >= until) {
                return Ok(Stop::TimeLimit);
            }
            if let Some(slot) = self.paused.take() {
                drop(core);
                self.resume(slot, until)?;
                continue;
            }
            core.due()?;
            let now = core.now;
            if let Some(task) = core.policy.pick_next(now) {
                drop(core);
                self.dispatch(task.0, until)?;
                continue;
            }
            // Idle: nothing is ready. Wait for the next timer or the limit, whichever is
            // first; with neither, for a handle; with no handle either, nothing can ever
            // happen again.
            let next = core.next_wakeup().unwrap_or(Tick::MAX);
            let next = next.min(core.arrivals.next_at());
            let wake = match ((next != Tick::MAX).then_some(next), until) {
                (Some(a), Some(b)) => Some(a.min(b)),
                (a, b) => a.or(b),
            };
            match wake {
                Some(at) => match self.clock {
                    ClockMode::Virtual => core.now = core.now.max(at),
                    ClockMode::Real { tick } => {
                        drop(core);
                        self.park_until(tick, at);
                    }
                },
                None if self.shared.has_handles() => {
                    drop(core);
                    if !self.shared.has_pending() {
                        self.parker.park();
                    }
                }
                None if core.table.len() == 1 => return Ok(Stop::AllExited),
                None => return Ok(Stop::Deadlock(deadlock_report(&core))),
            }
        }
    }

    /// In real time, brings the clock up to the wall clock; if CPU bursts took it past
    /// the wall clock, waits until the wall clock catches up, as a real CPU would have
    /// taken that long. Returns whether it waited.
    fn sync_clock(&mut self) -> bool {
        let ClockMode::Real { tick } = self.clock else {
            return false;
        };
        let wall = wall_ticks(self.started, tick);
        let now = {
            let mut core = self.core.borrow_mut();
            core.now = core.now.max(wall);
            core.now
        };
        if now > wall {
            self.park_until(tick, now);
            return true;
        }
        false
    }

    /// Parks the kernel's thread until the wall-clock instant of tick `at`, or until a
    /// handle or a waker on another thread unparks it.
    fn park_until(&self, tick: Duration, at: Tick) {
        if self.shared.has_pending() {
            return;
        }
        match tick_instant(self.started, tick, at) {
            Some(deadline) => self.parker.park_deadline(deadline),
            None => self.parker.park(),
        }
    }

    /// Takes in what came from outside the run loop: wakes and handle requests.
    fn absorb(&mut self) -> Result<(), Error> {
        waker::take_local_wakes(self.id, &mut self.wakes);
        if !self.wakes.is_empty() {
            let mut core = self.core.borrow_mut();
            for id in self.wakes.drain(..) {
                core.wake(id)?;
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
            Injected::Wake(id) => self.core.borrow_mut().wake(id)?,
            Injected::Tty { tty, event } => self.tty_event(&tty, event)?,
            Injected::Shutdown => self.shutdown = true,
        }
        Ok(())
    }

    /// What a terminal's host asked: a signal key's signal to the foreground group, or
    /// after a hang-up SIGHUP and SIGCONT to the controlling process. Fatal signals end
    /// their targets at once, as [`kill`](Kernel::kill) does.
    fn tty_event(&mut self, tty: &Tty, event: TtyEvent) -> Result<(), Error> {
        let (targets, signals): (Vec<Pid>, Vec<Signal>) = {
            let mut core = self.core.borrow_mut();
            match event {
                TtyEvent::Key(signal) => {
                    let members = match tty.owner() {
                        (Some(_), Some(fg)) => core.group(fg),
                        _ => Vec::new(),
                    };
                    let pids = members.into_iter().map(|slot| core.pid(slot)).collect();
                    (pids, vec![signal])
                }
                TtyEvent::Hangup => {
                    let leader = core.disown_tty(tty);
                    let signals = vec![Signal::SIGHUP, Signal::SIGCONT];
                    (leader.into_iter().collect(), signals)
                }
            }
        };
        for pid in targets {
            for &signal in &signals {
                match self.deliver(pid, signal) {
                    Err(bug) if bug.is_kernel_bug() => return Err(bug),
                    // A target gone meanwhile is no error.
                    _ => {}
                }
            }
        }
        Ok(())
    }

    /// Ends the dispatch that a `run_for` limit cut short, as a preemption: the host is
    /// about to act on processes.
    fn unpause(&mut self) -> Result<(), Error> {
        if let Some(slot) = self.paused.take() {
            let mut core = self.core.borrow_mut();
            core.current = slot;
            preempt(&mut core, slot)?;
        }
        Ok(())
    }

    /// Runs the process in `slot` until it blocks, yields, is preempted or exits.
    fn dispatch(&mut self, slot: u32, until: Option<Tick>) -> Result<(), Error> {
        let (generation, in_burst) = {
            let mut guard = self.core.borrow_mut();
            let core = &mut *guard;
            // The next two processes, most likely: the entry of the second and the
            // program of the first (whose entry came in during the last dispatch) start
            // their way into the cache while this one runs. A small table stays in the
            // cache anyway.
            if core.table.len() >= crate::prefetch::MIN_PROCESSES
                && let Some(next) = core.policy.peek_after(TaskId(slot))
            {
                core.table.prefetch_program(next.0);
                if let Some(after) = core.policy.peek_after(next) {
                    core.table.prefetch(after.0);
                }
            }
            let generation = core.table.get(slot).generation;
            let paid_switch = core.switch_to(slot, generation)?;
            core.transition(slot, ProcState::Running)?;
            core.dispatch_start = core.now;
            core.current = slot;
            core.ran = 0;
            core.slice = 0;
            // Processes that became ready during a paid switch may preempt the newcomer.
            core.woke_during_dispatch = paid_switch;
            // An action left by a call made outside any dispatch belongs to no one.
            core.action.take();
            let now = core.now;
            let signals = core.has_deliverable(slot);
            let process = core.table.get_mut(slot);
            if process.started == Tick::MAX {
                process.started = now;
            }
            (generation, process.compute_left > 0 || signals)
        };
        if in_burst && !self.deliver_signals(slot, generation)? {
            return Ok(());
        }
        self.run_dispatch(slot, generation, until, in_burst)
    }

    /// Delivers the signals the process in `slot` can take, as its dispatch begins:
    /// handlers run (in its context, with their masks), default actions end or stop it.
    /// Returns whether it goes on running.
    #[cold]
    fn deliver_signals(&mut self, slot: u32, generation: u32) -> Result<bool, Error> {
        loop {
            let delivery = self.core.borrow_mut().take_signal(slot)?;
            match delivery {
                None => return Ok(true),
                Some(Delivery::Terminate(status)) => {
                    end_dispatch(&mut self.core.borrow_mut(), slot);
                    self.terminate(slot, status)?;
                    return Ok(false);
                }
                Some(Delivery::Stop) => {
                    end_dispatch(&mut self.core.borrow_mut(), slot);
                    return Ok(false);
                }
                Some(Delivery::Handle {
                    handler,
                    signal,
                    restore,
                }) => {
                    let pid = self.core.borrow().table.get(slot).pid;
                    let proc = Proc::new(self.core.clone(), pid, slot, generation);
                    let ran = catch_unwind(AssertUnwindSafe(|| handler(&proc, signal)));
                    drop(proc);
                    if let Err(payload) = ran {
                        end_dispatch(&mut self.core.borrow_mut(), slot);
                        let message = panic_message(payload);
                        self.terminate(slot, ExitStatus::Panicked(message.into()))?;
                        return Ok(false);
                    }
                    self.core.borrow_mut().table.get_mut(slot).sig.blocked = restore;
                }
            }
        }
    }

    /// Goes on with a dispatch that a `run_for` limit cut short.
    fn resume(&mut self, slot: u32, until: Option<Tick>) -> Result<(), Error> {
        let generation = {
            let mut core = self.core.borrow_mut();
            core.current = slot;
            // Processes may have become ready meanwhile; let the policy judge.
            core.woke_during_dispatch = true;
            core.table.get(slot).generation
        };
        self.run_dispatch(slot, generation, until, true)
    }

    /// The body of a dispatch: CPU bursts (`in_burst`: one is under way) and polls, until
    /// the process blocks, yields, is preempted, pauses or exits.
    fn run_dispatch(
        &mut self,
        slot: u32,
        generation: u32,
        until: Option<Tick>,
        mut in_burst: bool,
    ) -> Result<(), Error> {
        // Its drop does nothing (a process's waker owns nothing): it is not run.
        let waker = ManuallyDrop::new(waker::for_process(WakeId::new(self.id, slot, generation)));
        let mut cx = Context::from_waker(&waker);
        loop {
            if std::mem::take(&mut in_burst) {
                let mut core = self.core.borrow_mut();
                {
                    match run_burst(&mut core, slot, until)? {
                        Burst::Done => {}
                        Burst::Preempted => return Ok(()),
                        Burst::Paused => {
                            core.current = NIL;
                            self.paused = Some(slot);
                            return Ok(());
                        }
                        Burst::Signaled => {
                            drop(core);
                            if !self.deliver_signals(slot, generation)? {
                                return Ok(());
                            }
                            in_burst = true;
                            continue;
                        }
                    }
                }
            }
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
                Err(payload) => Some(ExitStatus::Panicked(panic_message(payload).into())),
                Ok(Poll::Pending) => match action {
                    Action::Exit(code) => Some(ExitStatus::Exited(code)),
                    _ => None,
                },
            };
            core.table.get_mut(slot).program = Some(program);
            if let Some(mut status) = status {
                // A fatal signal the process sent itself just before it ended (kill of its
                // own pid or group) still ends it, as it would have before kill returned.
                if matches!(status, ExitStatus::Exited(_)) && core.has_deliverable(slot) {
                    status = core.fatal_pending(slot).unwrap_or(status);
                }
                end_dispatch(core, slot);
                drop(guard);
                return self.terminate(slot, status);
            }
            if action.blocks() && core.has_deliverable(slot) {
                // A signal came during the call: take it before blocking.
                core.table.get_mut(slot).voluntary += 1;
                end_dispatch(core, slot);
                core.make_ready(slot, Requeue::Yielded)?;
                return Ok(());
            }
            match action {
                Action::Compute(ticks) => {
                    core.table.get_mut(slot).compute_left = ticks;
                    in_burst = true;
                    continue;
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
                Action::None => block(core, slot, WaitOn::Event)?,
                Action::Block(on) => block(core, slot, on)?,
                Action::Poll(until) => {
                    block(core, slot, WaitOn::Poll)?;
                    core.add_timer(slot, until);
                }
                Action::Exit(_) => unreachable!("handled with the other endings above"),
            }
            return Ok(());
        }
    }
}

/// The host's side of a spawned child's streams.
fn host_child((pid, ends): (Pid, crate::core::StdioEnds)) -> HostChild {
    let [stdin, stdout, stderr] = ends;
    let reader = |end: Option<crate::core::PipeEnd>| match end {
        Some(crate::core::PipeEnd::Reader(r)) => Some(r),
        _ => None,
    };
    HostChild {
        pid,
        stdin: match stdin {
            Some(crate::core::PipeEnd::Writer(w)) => Some(w),
            _ => None,
        },
        stdout: reader(stdout),
        stderr: reader(stderr),
    }
}

/// Ends the dispatch of the running process: the policy learns how long it ran.
#[inline]
fn end_dispatch(core: &mut Core, slot: u32) {
    let (ran, now) = (core.ran, core.now);
    core.policy.charge(TaskId(slot), ran, now);
    core.current = NIL;
    if let Some(log) = &mut core.dispatch_log
        && now > core.dispatch_start
    {
        log.push(crate::Dispatch {
            pid: core.table.get(slot).pid,
            start: core.dispatch_start,
            end: now,
        });
    }
}

/// The running process blocks.
#[inline]
fn block(core: &mut Core, slot: u32, on: WaitOn) -> Result<(), Error> {
    core.table.get_mut(slot).voluntary += 1;
    end_dispatch(core, slot);
    core.transition(slot, ProcState::Waiting(on))
}

/// The running process loses the CPU and is ready again.
fn preempt(core: &mut Core, slot: u32) -> Result<(), Error> {
    core.table.get_mut(slot).involuntary += 1;
    end_dispatch(core, slot);
    core.make_ready(slot, Requeue::Preempted)
}

/// How a CPU burst stopped.
enum Burst {
    /// It is over; the process runs on.
    Done,
    /// The process lost the CPU (end of slice, or a more favoured process woke).
    Preempted,
    /// The `run_for` limit came: the process stays on the CPU until the next run.
    Paused,
    /// A signal came for it (its alarm): deliver it, then go on with the burst.
    Signaled,
}

/// Runs the running process's CPU burst, in chunks that end at the slice's end, the next
/// timer and the limit.
fn run_burst(core: &mut Core, slot: u32, until: Option<Tick>) -> Result<Burst, Error> {
    loop {
        let left = core.table.get(slot).compute_left;
        if left == 0 {
            return Ok(Burst::Done);
        }
        if core.slice == 0 {
            core.slice = core.policy.slice(TaskId(slot)).max(1);
        }
        let slice_left = core.slice.saturating_sub(core.ran);
        if slice_left == 0 {
            preempt(core, slot)?;
            return Ok(Burst::Preempted);
        }
        if core.due()? {
            core.woke_during_dispatch = true;
        }
        if core.has_deliverable(slot) {
            return Ok(Burst::Signaled);
        }
        let woken_better = core.woke_during_dispatch
            && core.policy.should_preempt(TaskId(slot), core.ran, core.now);
        if woken_better {
            preempt(core, slot)?;
            return Ok(Burst::Preempted);
        }
        let mut chunk = left.min(slice_left);
        if let Some(until) = until {
            if core.now >= until {
                return Ok(Burst::Paused);
            }
            chunk = chunk.min(until - core.now);
        }
        // What was due by now is done: the chunk ends where the next thing falls due.
        if let Some(at) = core.next_due()
            && at > core.now
        {
            chunk = chunk.min(at - core.now);
        }
        core.now += chunk;
        core.ran += chunk;
        let process = core.table.get_mut(slot);
        process.user += chunk;
        process.compute_left -= chunk;
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

/// The message of a panic; the payload is dropped here, and a payload whose own drop
/// panics is leaked rather than let that second panic out of the kernel.
fn panic_message(payload: Box<dyn Any + Send>) -> String {
    let message = if let Some(text) = payload.downcast_ref::<&str>() {
        (*text).to_string()
    } else if let Some(text) = payload.downcast_ref::<String>() {
        text.clone()
    } else {
        "panic with a non-text payload".to_string()
    };
    contain(move || drop(payload));
    message
}

/// Runs `f` (a drop of program code), keeping a panic in it from unwinding through the
/// kernel; a panic's own payload is leaked, as dropping it could panic again.
fn contain(f: impl FnOnce()) {
    if let Err(payload) = catch_unwind(AssertUnwindSafe(f)) {
        std::mem::forget(payload);
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
        // Registered programs may hold what holds the kernel; waiters must learn it is
        // gone rather than wait on.
        let (registered, waiters) = self.core.borrow_mut().release();
        drop(registered);
        drop(waiters);
        let arrivals = self.core.borrow_mut().arrivals.release();
        drop(arrivals);
    }
}
