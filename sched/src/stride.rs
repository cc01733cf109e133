//! Stride scheduling: deterministic proportional share by tickets.

use crate::ordered::Ordered;
use crate::policy::{Policy, Requeue, TaskId, TaskParams, Tick};

/// The large number strides divide (OSTEP uses 10,000).
pub const STRIDE_L: u64 = 10_000;

/// Each task has a stride `L / tickets` and a pass, starting at 0. The ready task with the
/// lowest pass runs for a quantum, ties going to the task admitted first; running adds
/// its stride to its pass, in proportion to the part of the quantum it used. Over time
/// each task gets CPU in proportion to its tickets.
#[derive(Clone, Debug)]
pub struct StridePolicy {
    quantum: Tick,
    ready: Ordered,
    /// Per task: pass, stride and order admitted.
    tasks: Vec<(u64, u64, u64)>,
    admitted: u64,
}

impl StridePolicy {
    /// Stride scheduling with a quantum of `quantum` ticks (at least 1).
    pub fn new(quantum: Tick) -> Self {
        StridePolicy {
            quantum: quantum.max(1),
            ready: Ordered::default(),
            tasks: Vec::new(),
            admitted: 0,
        }
    }

    /// A task's pass value.
    pub fn pass(&self, task: TaskId) -> Option<u64> {
        self.tasks.get(task.index()).map(|t| t.0)
    }
}

impl Policy for StridePolicy {
    fn name(&self) -> &'static str {
        "stride"
    }

    fn admit(&mut self, task: TaskId, params: &TaskParams, _now: Tick) {
        self.ready.remove(task);
        let i = task.index();
        if i >= self.tasks.len() {
            self.tasks.resize(i + 1, (0, STRIDE_L, u64::MAX));
        }
        let stride = STRIDE_L / u64::from(params.tickets.max(1));
        self.tasks[i] = (0, stride.max(1), self.admitted);
        self.admitted += 1;
    }

    fn enqueue(&mut self, task: TaskId, _why: Requeue, _now: Tick) {
        if let Some(&(pass, _, order)) = self.tasks.get(task.index()) {
            self.ready.insert_ordered(task, pass, order);
        }
    }

    fn pick_next(&mut self, _now: Tick) -> Option<TaskId> {
        self.ready.pop()
    }

    fn slice(&self, _task: TaskId) -> Tick {
        self.quantum
    }

    fn charge(&mut self, task: TaskId, ran: Tick, _now: Tick) {
        if let Some(t) = self.tasks.get_mut(task.index()) {
            // A whole quantum adds one stride; a partial one, its share (at least 1 when
            // the task ran at all, so that a task that always blocks early still moves).
            let add = (t.1.saturating_mul(ran) / self.quantum).max(u64::from(ran > 0));
            t.0 = t.0.saturating_add(add);
        }
    }

    fn dequeue(&mut self, task: TaskId) {
        self.ready.remove(task);
    }

    fn set_nice(&mut self, _task: TaskId, _nice: i8, _now: Tick) {}

    fn retire(&mut self, task: TaskId) {
        self.ready.remove(task);
    }

    fn ready_len(&self) -> usize {
        self.ready.len()
    }
}
