//! Shortest job first (non-preemptive) and shortest time-to-completion first
//! (preemptive), by the lengths tasks declare.

use crate::ordered::Ordered;
use crate::policy::{Policy, Requeue, TaskId, TaskParams, Tick};

/// Runs the ready task with the least work left first; ties go to the task admitted
/// first (a stable sort by length, as OSTEP's `scheduler.py` does).
///
/// `sjf` compares declared lengths and never preempts. `stcf` compares what is left of
/// them (length less CPU used) and preempts the running task when a task with less left
/// becomes ready. A task that declared no length counts as `Tick::MAX` long.
#[derive(Clone, Debug)]
pub struct ShortestPolicy {
    ready: Ordered,
    /// Per task: ticks left, and the order it was admitted in.
    left: Vec<(Tick, u64)>,
    admitted: u64,
    preemptive: bool,
    /// When the task picked last was picked: it has run since, uncharged.
    picked_at: Tick,
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
            left: Vec::new(),
            admitted: 0,
            preemptive,
            picked_at: 0,
        }
    }

    fn left(&self, task: TaskId) -> (Tick, u64) {
        self.left
            .get(task.index())
            .copied()
            .unwrap_or((Tick::MAX, u64::MAX))
    }
}

impl Policy for ShortestPolicy {
    fn name(&self) -> &'static str {
        if self.preemptive { "stcf" } else { "sjf" }
    }

    fn admit(&mut self, task: TaskId, params: &TaskParams, _now: Tick) {
        self.ready.remove(task);
        let i = task.index();
        if i >= self.left.len() {
            self.left.resize(i + 1, (Tick::MAX, u64::MAX));
        }
        self.left[i] = (params.length.unwrap_or(Tick::MAX), self.admitted);
        self.admitted += 1;
    }

    fn enqueue(&mut self, task: TaskId, _why: Requeue, _now: Tick) {
        let (left, order) = self.left(task);
        self.ready.insert_ordered(task, left, order);
    }

    fn pick_next(&mut self, now: Tick) -> Option<TaskId> {
        self.picked_at = now;
        self.ready.pop()
    }

    fn slice(&self, _task: TaskId) -> Tick {
        Tick::MAX
    }

    fn charge(&mut self, task: TaskId, ran: Tick, _now: Tick) {
        if self.preemptive
            && let Some((left, _)) = self.left.get_mut(task.index())
        {
            *left = left.saturating_sub(ran);
        }
    }

    fn dequeue(&mut self, task: TaskId) {
        self.ready.remove(task);
    }

    fn set_nice(&mut self, _task: TaskId, _nice: i8, _now: Tick) {}

    fn retire(&mut self, task: TaskId) {
        self.ready.remove(task);
    }

    /// `stcf` only: whether a ready task has strictly less left than the running one has
    /// now (what it had when picked, less the ticks since).
    fn should_preempt(&self, running: TaskId, now: Tick) -> bool {
        let running_left = self
            .left(running)
            .0
            .saturating_sub(now.saturating_sub(self.picked_at));
        self.preemptive
            && self
                .ready
                .first()
                .is_some_and(|(_, left)| left < running_left)
    }

    fn ready_len(&self) -> usize {
        self.ready.len()
    }
}
