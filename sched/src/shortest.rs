//! Shortest job first (non-preemptive) and shortest time-to-completion first
//! (preemptive), by the lengths tasks declare.

use crate::ordered::Ordered;
use crate::policy::{Policy, Requeue, TaskId, TaskParams, Tick};

#[derive(Clone, Copy, Debug)]
struct Job {
    /// Ticks of declared work not yet charged (`Tick::MAX` when none was declared).
    left: Tick,
    /// The order it was admitted in: ties go to the earlier job.
    order: u64,
}

/// Runs the ready task with the least work left first; ties go to the task admitted
/// first (a stable sort by length, as OSTEP's `scheduler.py` does).
///
/// `sjf` compares declared lengths and never preempts. `stcf` compares what is left of
/// them (length less CPU used) and preempts the running task when a task with less left
/// becomes ready. A task that declared no length counts as `Tick::MAX` long. A task that
/// yields lets the next ready task run first.
#[derive(Clone, Debug)]
pub struct ShortestPolicy {
    ready: Ordered,
    jobs: Vec<Job>,
    admitted: u64,
    preemptive: bool,
}

impl ShortestPolicy {
    /// Shortest job first, non-preemptive.
    pub fn sjf() -> Self {
        ShortestPolicy::new(false)
    }

    /// Shortest time-to-completion first, preemptive.
    pub fn stcf() -> Self {
        ShortestPolicy::new(true)
    }

    fn new(preemptive: bool) -> Self {
        ShortestPolicy {
            ready: Ordered::default(),
            jobs: Vec::new(),
            admitted: 0,
            preemptive,
        }
    }
}

impl Policy for ShortestPolicy {
    fn name(&self) -> &'static str {
        if self.preemptive { "stcf" } else { "sjf" }
    }

    fn admit(&mut self, task: TaskId, params: &TaskParams, _now: Tick) {
        self.ready.take(task);
        let i = task.index();
        if i >= self.jobs.len() {
            self.jobs.resize(
                i + 1,
                Job {
                    left: Tick::MAX,
                    order: u64::MAX,
                },
            );
        }
        self.jobs[i] = Job {
            left: params.length.unwrap_or(Tick::MAX),
            order: self.admitted,
        };
        self.admitted += 1;
    }

    fn enqueue(&mut self, task: TaskId, why: Requeue, now: Tick) {
        if task.index() >= self.jobs.len() {
            self.admit(task, &TaskParams::default(), now);
        }
        let job = self.jobs[task.index()];
        self.ready.enqueue(task, job.left, job.order, why);
    }

    fn pick_next(&mut self, _now: Tick) -> Option<TaskId> {
        self.ready.pop()
    }

    fn slice(&self, _task: TaskId) -> Tick {
        Tick::MAX
    }

    fn charge(&mut self, task: TaskId, ran: Tick, _now: Tick) {
        if self.preemptive
            && let Some(job) = self.jobs.get_mut(task.index())
        {
            job.left = job.left.saturating_sub(ran);
        }
    }

    fn dequeue(&mut self, task: TaskId) {
        self.ready.take(task);
    }

    /// `stcf` only: whether a ready task has strictly less left than the running one
    /// has now (what it had when picked, less the `ran` ticks since).
    fn should_preempt(&self, running: TaskId, ran: Tick, _now: Tick) -> bool {
        if !self.preemptive {
            return false;
        }
        let left = self
            .jobs
            .get(running.index())
            .map_or(Tick::MAX, |job| job.left.saturating_sub(ran));
        self.ready.first().is_some_and(|(_, best)| best < left)
    }

    fn ready_len(&self) -> usize {
        self.ready.len()
    }
}
