//! Intrusive FIFO lists of tasks: O(1) push, pop and removal from the middle.

use crate::TaskId;

const NIL: u32 = u32::MAX;

#[derive(Clone, Copy, Debug)]
struct Link {
    prev: u32,
    next: u32,
    /// The list the task is on, or `NIL`.
    list: u32,
}

const UNLINKED: Link = Link {
    prev: NIL,
    next: NIL,
    list: NIL,
};

#[derive(Clone, Copy, Debug)]
struct Ends {
    head: u32,
    tail: u32,
}

/// A fixed number of FIFO lists over one arena of tasks. A task is on at most one list.
///
/// Links live in a table indexed by [`TaskId`], so moving a task between lists or
/// removing it from the middle costs O(1) and no allocation once the table has grown.
#[derive(Clone, Debug)]
pub struct TaskLists {
    links: Vec<Link>,
    ends: Vec<Ends>,
    len: usize,
}

impl TaskLists {
    /// `lists` empty lists.
    pub fn new(lists: usize) -> Self {
        TaskLists {
            links: Vec::new(),
            ends: vec![
                Ends {
                    head: NIL,
                    tail: NIL
                };
                lists
            ],
            len: 0,
        }
    }

    /// Total number of tasks on all lists.
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether every list is empty.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The list `task` is on, if any.
    #[inline]
    pub fn list_of(&self, task: TaskId) -> Option<usize> {
        match self.links.get(task.index()) {
            Some(link) if link.list != NIL => Some(link.list as usize),
            _ => None,
        }
    }

    /// The first task of `list`.
    #[inline]
    pub fn front(&self, list: usize) -> Option<TaskId> {
        let head = self.ends[list].head;
        (head != NIL).then_some(TaskId(head))
    }

    /// The task after `task` on its list, if `task` is on one and is not the last.
    #[inline]
    pub fn next(&self, task: TaskId) -> Option<TaskId> {
        let link = self.links.get(task.index())?;
        (link.list != NIL && link.next != NIL).then_some(TaskId(link.next))
    }

    /// Starts fetching the links of `task` into the cache (a hint).
    #[inline]
    pub fn prefetch(&self, task: TaskId) {
        crate::prefetch::prefetch(&self.links, task.index());
    }

    /// Whether `list` is empty.
    #[inline]
    pub fn list_is_empty(&self, list: usize) -> bool {
        self.ends[list].head == NIL
    }

    /// Appends `task` to `list`, taking it off the list it was on.
    ///
    /// # Panics
    /// If `list` is not below the number of lists, as slice indexing does.
    #[inline]
    pub fn push_back(&mut self, list: usize, task: TaskId) {
        self.insert(list, task, false);
    }

    /// Puts `task` at the head of `list`, taking it off the list it was on.
    ///
    /// # Panics
    /// If `list` is not below the number of lists, as slice indexing does.
    #[inline]
    pub fn push_front(&mut self, list: usize, task: TaskId) {
        self.insert(list, task, true);
    }

    #[inline]
    fn insert(&mut self, list: usize, task: TaskId, front: bool) {
        let i = task.index();
        if i >= self.links.len() {
            self.links.resize(i + 1, UNLINKED);
        }
        // A task on a list moves: it is never on two.
        self.remove(task);
        let ends = &mut self.ends[list];
        let id = task.0;
        if front {
            self.links[i] = Link {
                prev: NIL,
                next: ends.head,
                list: list as u32,
            };
            if ends.head == NIL {
                ends.tail = id;
            } else {
                self.links[ends.head as usize].prev = id;
            }
            ends.head = id;
        } else {
            self.links[i] = Link {
                prev: ends.tail,
                next: NIL,
                list: list as u32,
            };
            if ends.tail == NIL {
                ends.head = id;
            } else {
                self.links[ends.tail as usize].next = id;
            }
            ends.tail = id;
        }
        self.len += 1;
    }

    /// Removes and returns the first task of `list`.
    #[inline]
    pub fn pop_front(&mut self, list: usize) -> Option<TaskId> {
        let head = self.front(list)?;
        self.unlink(head);
        Some(head)
    }

    /// Removes `task` from whatever list it is on. Returns the list, or `None` if it was on
    /// none.
    #[inline]
    pub fn remove(&mut self, task: TaskId) -> Option<usize> {
        let list = self.list_of(task)?;
        self.unlink(task);
        Some(list)
    }

    #[inline]
    fn unlink(&mut self, task: TaskId) {
        let link = std::mem::replace(&mut self.links[task.index()], UNLINKED);
        let ends = &mut self.ends[link.list as usize];
        if link.prev == NIL {
            ends.head = link.next;
        } else {
            self.links[link.prev as usize].next = link.next;
        }
        if link.next == NIL {
            ends.tail = link.prev;
        } else {
            self.links[link.next as usize].prev = link.prev;
        }
        self.len -= 1;
    }

    /// The tasks of `list`, first to last.
    pub fn iter(&self, list: usize) -> impl Iterator<Item = TaskId> + '_ {
        let mut at = self.ends[list].head;
        std::iter::from_fn(move || {
            if at == NIL {
                return None;
            }
            let task = TaskId(at);
            at = self.links[at as usize].next;
            Some(task)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use std::collections::VecDeque;

    #[derive(Debug, Clone)]
    enum Op {
        PushBack(usize, u32),
        PushFront(usize, u32),
        Pop(usize),
        Remove(u32),
    }

    fn op() -> impl Strategy<Value = Op> {
        prop_oneof![
            (0..3usize, 0..16u32).prop_map(|(l, t)| Op::PushBack(l, t)),
            (0..3usize, 0..16u32).prop_map(|(l, t)| Op::PushFront(l, t)),
            (0..3usize).prop_map(Op::Pop),
            (0..16u32).prop_map(Op::Remove),
        ]
    }

    proptest! {
        /// The lists behave exactly like three VecDeques with a membership rule.
        #[test]
        fn matches_vecdeque_model(ops in proptest::collection::vec(op(), 0..200)) {
            let mut lists = TaskLists::new(3);
            let mut model: Vec<VecDeque<u32>> = vec![VecDeque::new(); 3];
            for op in ops {
                match op {
                    Op::PushBack(l, t) => {
                        lists.push_back(l, TaskId(t));
                        model.iter_mut().for_each(|q| q.retain(|&x| x != t));
                        model[l].push_back(t);
                    }
                    Op::PushFront(l, t) => {
                        lists.push_front(l, TaskId(t));
                        model.iter_mut().for_each(|q| q.retain(|&x| x != t));
                        model[l].push_front(t);
                    }
                    Op::Pop(l) => {
                        prop_assert_eq!(lists.pop_front(l).map(|t| t.0), model[l].pop_front());
                    }
                    Op::Remove(t) => {
                        let expected = model.iter().position(|q| q.contains(&t));
                        if let Some(l) = expected {
                            model[l].retain(|&x| x != t);
                        }
                        prop_assert_eq!(lists.remove(TaskId(t)), expected);
                    }
                }
                for (l, q) in model.iter().enumerate() {
                    let got: Vec<u32> = lists.iter(l).map(|t| t.0).collect();
                    prop_assert_eq!(&got, &q.iter().copied().collect::<Vec<_>>());
                }
                prop_assert_eq!(lists.len(), model.iter().map(VecDeque::len).sum::<usize>());
            }
        }
    }
}
