//! A ready set ordered by a key, ties in job order: the shared core of
//! shortest-job-first, shortest-time-to-completion and stride scheduling.

use std::collections::BTreeSet;

use crate::TaskId;

/// Ready tasks by (key, job order). O(log n) per operation.
#[derive(Clone, Debug, Default)]
pub(crate) struct Ordered {
    set: BTreeSet<(u64, u64, u32)>,
    /// The entry of each queued task, to remove it.
    entries: Vec<Option<(u64, u64)>>,
}

impl Ordered {
    /// Queues `task` with `key`, at position `seq` among equal keys (the job's order:
    /// ties go by job). Queues it afresh if it was queued.
    pub(crate) fn insert_ordered(&mut self, task: TaskId, key: u64, seq: u64) {
        self.remove(task);
        let i = task.index();
        if i >= self.entries.len() {
            self.entries.resize(i + 1, None);
        }
        self.entries[i] = Some((key, seq));
        self.set.insert((key, seq, task.0));
    }

    /// Takes `task` out; whether it was queued.
    pub(crate) fn remove(&mut self, task: TaskId) -> bool {
        match self.entries.get_mut(task.index()).and_then(Option::take) {
            Some((key, seq)) => self.set.remove(&(key, seq, task.0)),
            None => false,
        }
    }

    /// The task with the lowest key, and its key.
    pub(crate) fn first(&self) -> Option<(TaskId, u64)> {
        self.set.first().map(|&(key, _, task)| (TaskId(task), key))
    }

    /// Takes the task with the lowest key.
    pub(crate) fn pop(&mut self) -> Option<TaskId> {
        let (key, seq, task) = self.set.pop_first()?;
        debug_assert_eq!(self.entries[task as usize], Some((key, seq)));
        self.entries[task as usize] = None;
        Some(TaskId(task))
    }

    pub(crate) fn len(&self) -> usize {
        self.set.len()
    }
}
