//! A CFS-like fair share: virtual runtime weighted by nice value, as modern Linux does.

use crate::ordered::Ordered;
use crate::policy::{Policy, Requeue, TaskId, TaskParams, Tick, nice_level};

/// Linux's `sched_prio_to_weight`: the weight of nice -20 ..= 19; nice 0 weighs 1024 and
/// each step is about 1.25×.
pub const NICE_WEIGHTS: [u64; 40] = [
    88761, 71755, 56483, 46273, 36291, 29154, 23254, 18705, 14949, 11916, 9548, 7620, 6100, 4904,
    3906, 3121, 2501, 1991, 1586, 1277, 1024, 820, 655, 526, 423, 335, 272, 215, 172, 137, 110, 87,
    70, 56, 45, 36, 29, 23, 18, 15,
];

/// Virtual runtime grows by ran × 1024 / weight, in units of 1/1024 tick; the ready task
/// with the least runs next (ties by job order), for a slice of `latency / ready`
/// (at least `min_slice`). As in Linux (not as OSTEP's simpler text), a task that wakes
/// starts no further behind than `latency / 2` below the least virtual runtime, so a
/// sleeper cannot hoard credit, and a woken task preempts the running one when it is
/// ahead by more than `min_slice`. CPU shares follow the weights of the nice values. A
/// task that yields lets the next ready task run first.
#[derive(Clone, Debug)]
pub struct FairPolicy {
    latency: Tick,
    min_slice: Tick,
    ready: Ordered,
    /// Per task: virtual runtime (1/1024 ticks), weight, job order.
    tasks: Vec<(u64, u64, u64)>,
    admitted: u64,
    /// The least virtual runtime seen, never going back.
    min_vruntime: u64,
}

impl FairPolicy {
    /// A fair-share policy: `latency` ticks shared by all ready tasks, slices of at least
    /// `min_slice` ticks.
    pub fn new(latency: Tick, min_slice: Tick) -> Self {
        FairPolicy {
            latency: latency.max(1),
            min_slice: min_slice.max(1),
            ready: Ordered::default(),
            tasks: Vec::new(),
            admitted: 0,
            min_vruntime: 0,
        }
    }

    /// A task's virtual runtime, in 1/1024 ticks.
    pub fn vruntime(&self, task: TaskId) -> Option<u64> {
        self.tasks.get(task.index()).map(|t| t.0)
    }
}

impl Policy for FairPolicy {
    fn name(&self) -> &'static str {
        "cfs"
    }

    fn admit(&mut self, task: TaskId, params: &TaskParams, _now: Tick) {
        self.ready.take(task);
        let i = task.index();
        if i >= self.tasks.len() {
            self.tasks.resize(i + 1, (0, 1024, u64::MAX));
        }
        let weight = NICE_WEIGHTS[nice_level(params.nice)];
        self.tasks[i] = (self.min_vruntime, weight, self.admitted);
        self.admitted += 1;
    }

    fn enqueue(&mut self, task: TaskId, why: Requeue, now: Tick) {
        if task.index() >= self.tasks.len() {
            self.admit(task, &TaskParams::default(), now);
        }
        let t = &mut self.tasks[task.index()];
        if why == Requeue::Woken {
            let floor = self
                .min_vruntime
                .saturating_sub(self.latency.saturating_mul(1024) / 2);
            t.0 = t.0.max(floor);
        }
        let (vruntime, _, order) = *t;
        self.ready.enqueue(task, vruntime, order, why);
    }

    fn pick_next(&mut self, _now: Tick) -> Option<TaskId> {
        let task = self.ready.pop()?;
        let vruntime = self.tasks[task.index()].0;
        self.min_vruntime = self.min_vruntime.max(vruntime);
        Some(task)
    }

    fn slice(&self, _task: TaskId) -> Tick {
        let ready = self.ready.len() as Tick + 1;
        (self.latency / ready).max(self.min_slice)
    }

    fn charge(&mut self, task: TaskId, ran: Tick, _now: Tick) {
        if let Some(t) = self.tasks.get_mut(task.index()) {
            t.0 = t.0.saturating_add(ran.saturating_mul(1024 * 1024) / t.1);
        }
    }

    fn dequeue(&mut self, task: TaskId) {
        self.ready.take(task);
    }

    fn set_nice(&mut self, task: TaskId, nice: i8, _now: Tick) {
        if let Some(t) = self.tasks.get_mut(task.index()) {
            t.1 = NICE_WEIGHTS[nice_level(nice)];
        }
    }

    fn should_preempt(&self, running: TaskId, ran: Tick, _now: Tick) -> bool {
        let Some(&(vruntime, weight, _)) = self.tasks.get(running.index()) else {
            return false;
        };
        // Its virtual runtime now, counting this dispatch (Linux's `update_curr`).
        let current = vruntime.saturating_add(ran.saturating_mul(1024 * 1024) / weight);
        // Linux's wake-up preemption: the woken task must be ahead by a minimum slice.
        let margin = self.min_slice.saturating_mul(1024);
        self.ready
            .first()
            .is_some_and(|(_, best)| best.saturating_add(margin) < current)
    }

    fn peek_after(&self, task: TaskId) -> Option<TaskId> {
        self.ready.after(task)
    }

    fn ready_len(&self) -> usize {
        self.ready.len()
    }
}
