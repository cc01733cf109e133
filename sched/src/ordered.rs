//! A ready set ordered by a key, ties in job order: the shared core of shortest-job-first,
//! shortest-time-to-completion, stride and fair-share scheduling.

use std::collections::BTreeSet;

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

    pub(crate) fn len(&self) -> usize {
        self.set.len()
    }
}
