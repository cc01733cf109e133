//! First come, first served, and round-robin: one FIFO, with or without a quantum.

use crate::lists::TaskLists;
use crate::policy::{Policy, Requeue, TaskId, TaskParams, Tick};

/// One FIFO of ready tasks: a task runs until it blocks or ends (`fifo`), or for at most a
/// quantum, then goes to the back (`rr`). Nice values are ignored.
#[derive(Clone, Debug)]
pub struct FifoPolicy {
    queue: TaskLists,
    quantum: Option<Tick>,
}

impl FifoPolicy {
    /// First come, first served: no preemption.
    pub fn fifo() -> Self {
        FifoPolicy {
            queue: TaskLists::new(1),
            quantum: None,
        }
    }

    /// Round-robin with a quantum of `quantum` ticks (at least 1).
    pub fn round_robin(quantum: Tick) -> Self {
        FifoPolicy {
            queue: TaskLists::new(1),
            quantum: Some(quantum.max(1)),
        }
    }
}

impl Policy for FifoPolicy {
    fn name(&self) -> &'static str {
        if self.quantum.is_some() { "rr" } else { "fifo" }
    }

    fn admit(&mut self, task: TaskId, _params: &TaskParams, _now: Tick) {
        self.queue.remove(task);
    }

    fn enqueue(&mut self, task: TaskId, _why: Requeue, _now: Tick) {
        if !self.queue.contains(task) {
            self.queue.push_back(0, task);
        }
    }

    fn pick_next(&mut self, _now: Tick) -> Option<TaskId> {
        self.queue.pop_front(0)
    }

    fn slice(&self, _task: TaskId) -> Tick {
        self.quantum.unwrap_or(Tick::MAX)
    }

    fn charge(&mut self, _task: TaskId, _ran: Tick, _now: Tick) {}

    fn needs_charge(&self) -> bool {
        false
    }

    fn dequeue(&mut self, task: TaskId) {
        self.queue.remove(task);
    }

    fn peek_after(&self, task: TaskId) -> Option<TaskId> {
        // The running task has left the queue: its successor is the head.
        let next = if self.queue.contains(task) {
            self.queue.next(task)
        } else {
            self.queue.front(0)
        }?;
        self.queue.prefetch(next);
        Some(next)
    }

    fn ready_len(&self) -> usize {
        self.queue.len()
    }

    fn reserve(&mut self, tasks: usize) {
        self.queue.reserve(tasks);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn peek_after_foresees_the_next_picks() {
        let mut rr = FifoPolicy::round_robin(10);
        for t in 0..3 {
            rr.admit(TaskId(t), &TaskParams::default(), 0);
            rr.enqueue(TaskId(t), Requeue::New, 0);
        }
        assert_eq!(rr.pick_next(0), Some(TaskId(0)));
        assert_eq!(rr.peek_after(TaskId(0)), Some(TaskId(1)));
        assert_eq!(rr.peek_after(TaskId(1)), Some(TaskId(2)));
        assert_eq!(rr.peek_after(TaskId(2)), None);
        rr.charge(TaskId(0), 10, 10);
        rr.enqueue(TaskId(0), Requeue::Preempted, 10);
        assert_eq!(rr.peek_after(TaskId(2)), Some(TaskId(0)));
        assert_eq!(rr.pick_next(10), Some(TaskId(1)));
    }
}
