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
    use proptest::prelude::*;
    use std::collections::BTreeSet;

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

    #[derive(Clone, Debug)]
    enum Op {
        Insert(u32, u64, u64),
        Enqueue(u32, u64, u64, bool),
        Remove(u32),
        Take(u32),
        Pop,
    }

    fn op() -> impl Strategy<Value = Op> {
        // Few tasks, few keys and orders: requeues and ties are common.
        prop_oneof![
            (0..24u32, 0..8u64, 0..4u64).prop_map(|(t, k, o)| Op::Insert(t, k, o)),
            (0..24u32, 0..8u64, 0..4u64, any::<bool>())
                .prop_map(|(t, k, o, y)| Op::Enqueue(t, k, o, y)),
            (0..24u32).prop_map(Op::Remove),
            (0..24u32).prop_map(Op::Take),
            Just(Op::Pop),
        ]
    }

    /// The set of (key, order, task) the ready set must hold, with the yielded task.
    #[derive(Default)]
    struct Model {
        set: BTreeSet<(u64, u64, u32)>,
        yielded: Option<u32>,
    }

    impl Model {
        fn remove(&mut self, task: u32) -> bool {
            let found = self.set.iter().find(|e| e.2 == task).copied();
            found.is_some_and(|e| self.set.remove(&e))
        }

        /// The lowest task, unless that is the one that yielded and another is queued.
        fn pop(&mut self) -> Option<u32> {
            let yielded = self.yielded.take();
            let chosen = *self
                .set
                .iter()
                .find(|e| Some(e.2) != yielded)
                .or(self.set.first())?;
            self.set.remove(&chosen);
            Some(chosen.2)
        }
    }

    proptest! {
        /// The ready set pops, removes and foresees as a sorted set of (key, order, task) does.
        #[test]
        fn matches_a_sorted_set(ops in proptest::collection::vec(op(), 0..300)) {
            let mut ready = Ordered::default();
            let mut model = Model::default();
            for op in ops {
                match op {
                    Op::Insert(t, k, o) => {
                        model.remove(t);
                        model.set.insert((k, o, t));
                        ready.insert(TaskId(t), k, o);
                    }
                    Op::Enqueue(t, k, o, y) => {
                        let why = if y { Requeue::Yielded } else { Requeue::Woken };
                        model.remove(t);
                        model.set.insert((k, o, t));
                        if y {
                            model.yielded = Some(t);
                        }
                        ready.enqueue(TaskId(t), k, o, why);
                    }
                    Op::Remove(t) => prop_assert_eq!(ready.remove(TaskId(t)), model.remove(t)),
                    Op::Take(t) => {
                        model.remove(t);
                        if model.yielded == Some(t) {
                            model.yielded = None;
                        }
                        ready.take(TaskId(t));
                    }
                    Op::Pop => prop_assert_eq!(ready.pop(), model.pop().map(TaskId)),
                }
                prop_assert_eq!(ready.len(), model.set.len());
                prop_assert_eq!(ready.first(), model.set.first().map(|e| (TaskId(e.2), e.0)));
                // Each queued task foresees its successor; the others the first.
                for t in 0..24 {
                    let expected = match model.set.iter().position(|e| e.2 == t) {
                        Some(rank) => model.set.iter().nth(rank + 1).map(|e| TaskId(e.2)),
                        None => model.set.first().map(|e| TaskId(e.2)),
                    };
                    prop_assert_eq!(ready.after(TaskId(t)), expected);
                }
            }
        }
    }
}
