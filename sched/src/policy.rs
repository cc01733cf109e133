//! The [`Policy`] trait and the vocabulary a kernel and a policy share.

/// Virtual time, in ticks.
pub type Tick = u64;

/// The lowest (most favoured) nice value.
pub const NICE_MIN: i8 = -20;
/// The highest (least favoured) nice value.
pub const NICE_MAX: i8 = 19;

/// Maps a nice value to a priority level: -20 is level 0 (runs first), 19 is level 39.
/// Values outside -20..=19 are clamped, as Linux's `setpriority` does.
pub fn nice_level(nice: i8) -> usize {
    (nice.clamp(NICE_MIN, NICE_MAX) - NICE_MIN) as usize
}

/// A task as a policy knows it: a dense index chosen by the kernel.
///
/// The kernel reuses an id only after it called [`Policy::retire`] on it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct TaskId(pub u32);

impl TaskId {
    /// The id as an index into per-task tables.
    #[inline]
    pub fn index(self) -> usize {
        self.0 as usize
    }
}

/// What a task declares about itself when it is admitted.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TaskParams {
    /// Nice value, -20 (favoured) ..= 19.
    pub nice: i8,
    /// Expected CPU length in ticks, for policies that use it (shortest-job-first).
    pub length: Option<Tick>,
    /// Lottery or stride tickets.
    pub tickets: u32,
}

impl Default for TaskParams {
    fn default() -> Self {
        TaskParams {
            nice: 0,
            length: None,
            tickets: 100,
        }
    }
}

impl TaskParams {
    /// Default parameters with the given nice value.
    pub fn with_nice(nice: i8) -> Self {
        TaskParams {
            nice,
            ..TaskParams::default()
        }
    }
}

/// Why a task enters the ready set.
///
/// A policy must let another ready task run before a `Yielded` one that would otherwise
/// come first again, as `sched_yield` does: with system calls that cost no time, a
/// process that yields while waiting for another would else be picked forever.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Requeue {
    /// Just created.
    New,
    /// Woken from a wait (sleep, I/O, child exit) or continued after a stop.
    Woken,
    /// Gave the CPU away voluntarily.
    Yielded,
    /// Used up its slice, or was preempted by a more urgent task.
    Preempted,
}

/// A scheduling policy: the kernel asks it which ready task runs next.
///
/// The kernel drives a policy through this protocol, for each task:
/// `admit`, then any number of rounds of `enqueue` → `pick_next` (returns the task) →
/// `slice` → `charge` (only if [`needs_charge`](Policy::needs_charge)), with `dequeue`
/// when a ready task leaves the ready set without
/// running (it was stopped or killed), and finally `retire`. A task is in the ready set
/// from `enqueue` until it is picked or dequeued; it is never enqueued twice.
pub trait Policy {
    /// The policy's name, as a user selects it (`"priority"`, `"rr"`, ...).
    fn name(&self) -> &'static str;

    /// A new task exists; it is not ready yet.
    fn admit(&mut self, task: TaskId, params: &TaskParams, now: Tick);

    /// The task becomes ready.
    fn enqueue(&mut self, task: TaskId, why: Requeue, now: Tick);

    /// Removes and returns the ready task that runs next, or `None` when none is ready.
    fn pick_next(&mut self, now: Tick) -> Option<TaskId>;

    /// How many ticks the task just picked may run before the kernel preempts it.
    fn slice(&self, task: TaskId) -> Tick;

    /// The task ran `ran` ticks since it was picked (called once per dispatch, before it
    /// is enqueued again or blocks), if [`needs_charge`](Policy::needs_charge).
    fn charge(&mut self, task: TaskId, ran: Tick, now: Tick);

    /// Whether [`charge`](Policy::charge) does anything: a policy that keeps no account
    /// of CPU time says no, and the kernel spares the call at every switch. Asked once.
    /// A policy that wraps another and does something in its own `charge` (counts,
    /// traces) must say yes, whatever the wrapped one says.
    fn needs_charge(&self) -> bool {
        true
    }

    /// A ready task leaves the ready set without running. Does nothing if it is not ready.
    fn dequeue(&mut self, task: TaskId);

    /// The task's nice value changed; a ready task moves to its new place at once.
    /// Policies that ignore nice values leave this as it is.
    fn set_nice(&mut self, task: TaskId, nice: i8, now: Tick) {
        let _ = (task, nice, now);
    }

    /// The task is gone; its id may be admitted again. By default, as `dequeue`.
    fn retire(&mut self, task: TaskId) {
        self.dequeue(task);
    }

    /// Whether a task that became ready while `running` was on the CPU (for `ran` ticks
    /// since it was picked, not charged yet) should take the CPU from it now rather than
    /// at the end of its slice.
    fn should_preempt(&self, running: TaskId, ran: Tick, now: Tick) -> bool {
        let _ = (running, ran, now);
        false
    }

    /// The next tick at which the policy itself changes its mind (an MLFQ boost), if
    /// any: the kernel ends CPU bursts there, calls [`advance`](Policy::advance) and asks
    /// [`should_preempt`](Policy::should_preempt).
    fn next_event(&self, now: Tick) -> Option<Tick> {
        let _ = now;
        None
    }

    /// The clock reached `now`: apply what is due by then (called before the processes
    /// woken at `now` are enqueued).
    fn advance(&mut self, now: Tick) {
        let _ = now;
    }

    /// A hint, for prefetching: the ready task that would run after `task` (the running
    /// task, or one this method returned) if nothing changed meanwhile. `None` when the
    /// policy cannot tell cheaply; a wrong guess costs nothing but the prefetch.
    fn peek_after(&self, task: TaskId) -> Option<TaskId> {
        let _ = task;
        None
    }

    /// Number of ready tasks.
    fn ready_len(&self) -> usize;

    /// Makes room up front for the tasks numbered below `tasks` (a hint, from a kernel
    /// told how many processes it will hold): a policy that keeps a table by task then
    /// does not grow it, and copy it, as they come. By default, nothing; a policy that
    /// wraps another passes it on.
    fn reserve(&mut self, tasks: usize) {
        let _ = tasks;
    }
}
