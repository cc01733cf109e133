//! Building a [`Kernel`]: its policy, clock, costs and limits.

use std::cell::RefCell;
use std::rc::Rc;
use std::sync::Arc;
use std::time::{Duration, Instant};

use crossbeam_utils::sync::Parker;
use vproc_sched::{Policy, PriorityPolicy, Tick};

use crate::core::Core;
use crate::handle::Shared;
use crate::waker;

use super::Kernel;

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
    log_capacity: usize,
    processes: usize,
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
            log_capacity: 0,
            processes: 0,
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

    /// Keeps the dispatch log, as [`dispatch_log(true)`](KernelBuilder::dispatch_log)
    /// does, with room for `stretches` entries made up front: a run that logs no more
    /// never copies the log to a bigger one. A hint: the log grows past it as needed.
    pub fn dispatch_log_capacity(mut self, stretches: usize) -> Self {
        self.dispatch_log = true;
        self.log_capacity = stretches;
        self
    }

    /// Makes room up front for `processes` processes at once besides init, so that a run
    /// that reaches that many never grows the process table as it goes (each growth
    /// copies the whole table). A hint: the table grows past it as needed.
    pub fn processes(mut self, processes: usize) -> Self {
        self.processes = processes;
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
        core.dispatch_log = self
            .dispatch_log
            .then(|| Vec::with_capacity(self.log_capacity));
        core.table.reserve(self.processes);
        // Tasks are slots: init's and the processes'.
        core.policy.reserve(self.processes.saturating_add(1));
        let parker = Parker::new();
        let shared = Arc::new(Shared::new(parker.unparker().clone()));
        let id = waker::register(&shared);
        core.table.set_kernel(id);
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
