//! A ready set ordered by a key, ties in job order: the shared core of shortest-job-first,
//! shortest-time-to-completion, stride and fair-share scheduling.

use std::collections::BTreeSet;
use std::ops::Bound::{Excluded, Unbounded};

use crate::{Requeue, TaskId};

/// Ready tasks by (key, job order). O(log n) per operation.
#[derive(Clone, Debug, Default)]
pub(crate) struct Ordered {
    set: BTreeSet<(u64, u64, u32)>,
    /// The entry of each queued task, to remove it.
    entries: Vec<Option<(u64, u64)>>,
    /// A task that yielded: the next pop passes it over if anything else is ready.
    yielded: Option<u32>,
}

impl Ordered {
    /// Queues `task` with `key`, at position `order` among equal keys (the job's order:
    /// ties go by job). Queues it afresh if it was queued.
    pub(crate) fn insert(&mut self, task: TaskId, key: u64, order: u64) {
        self.remove(task);
        let i = task.index();
        if i >= self.entries.len() {
            self.entries.resize(i + 1, None);
        }
        self.entries[i] = Some((key, order));
        self.set.insert((key, order, task.0));
    }

    /// Queues a task becoming ready for `why`; one that gave the CPU away (`Yielded`) is
    /// passed over by the next pop if another task is ready, even one with a higher key.
    pub(crate) fn enqueue(&mut self, task: TaskId, key: u64, order: u64, why: Requeue) {
        self.insert(task, key, order);
        if why == Requeue::Yielded {
            self.yielded = Some(task.0);
        }
    }

    /// Takes `task` out; whether it was queued.
    pub(crate) fn remove(&mut self, task: TaskId) -> bool {
        match self.entries.get_mut(task.index()).and_then(Option::take) {
            Some((key, order)) => self.set.remove(&(key, order, task.0)),
            None => false,
        }
    }

    /// The task with the lowest key, and its key.
    pub(crate) fn first(&self) -> Option<(TaskId, u64)> {
        self.set.first().map(|&(key, _, task)| (TaskId(task), key))
    }

    /// Takes the task with the lowest key (passing over one that just yielded).
    pub(crate) fn pop(&mut self) -> Option<TaskId> {
        let yielded = self.yielded.take();
        let mut lowest = self.set.iter();
        let first = *lowest.next()?;
        let chosen = match lowest.next() {
            Some(&second) if Some(first.2) == yielded => second,
            _ => first,
        };
        self.set.remove(&chosen);
        self.entries[chosen.2 as usize] = None;
        Some(TaskId(chosen.2))
    }

    /// Takes `task`, which must be queued.
    pub(crate) fn take(&mut self, task: TaskId) {
        self.remove(task);
        if self.yielded == Some(task.0) {
            self.yielded = None;
        }
    }

    /// A hint for prefetching: the task after `task` in key order if it is queued, else
    /// (the running task) the first one.
    pub(crate) fn after(&self, task: TaskId) -> Option<TaskId> {
        let next = match self.entries.get(task.index()).copied().flatten() {
            Some((key, order)) => self
                .set
                .range((Excluded((key, order, task.0)), Unbounded))
                .next(),
            None => self.set.first(),
        };
        next.map(|&(_, _, task)| TaskId(task))
    }

    pub(crate) fn len(&self) -> usize {
        self.set.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn after_foresees_the_next_pops() {
        let mut ready = Ordered::default();
        // Keys 30, 10, 20: pops go 1, 2, 0.
        for (task, key) in [(0, 30), (1, 10), (2, 20)] {
            ready.insert(TaskId(task), key, u64::from(task));
        }
        assert_eq!(ready.pop(), Some(TaskId(1)));
        // The popped (running) task is not queued: the next pop is the first.
        assert_eq!(ready.after(TaskId(1)), Some(TaskId(2)));
        assert_eq!(ready.after(TaskId(2)), Some(TaskId(0)));
        assert_eq!(ready.after(TaskId(0)), None);
        // An equal key goes by job order.
        ready.insert(TaskId(1), 20, 1);
        assert_eq!(ready.after(TaskId(1)), Some(TaskId(2)));
        assert_eq!(ready.pop(), Some(TaskId(1)));
    }
}
