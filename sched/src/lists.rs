//! Intrusive FIFO lists of tasks: O(1) push, pop and removal from the middle, with room
//! for a policy's own record of each task beside its links.

use crate::TaskId;

/// The link of a task on no list.
const DETACHED: u32 = u32::MAX;

/// `END | list` stands where a task has no neighbour on its list (before the head, after
/// the tail), and as both ends of an empty list: a link names its list without a field of
/// its own for it. Task numbers are below this bit.
const END: u32 = 1 << 31;

/// Task numbers (and lists) are below this.
const MAX_TASKS: usize = END as usize;

/// The end marker of `list`.
#[inline]
fn end(list: usize) -> u32 {
    END | list as u32
}

/// Whether `link` is an end marker (not a task).
#[inline]
fn is_end(link: u32) -> bool {
    link & END != 0
}

#[derive(Clone, Copy, Debug)]
struct Link {
    /// The task before, or `END | list` for the head; `DETACHED` off any list.
    prev: u32,
    /// The task after, or `END | list` for the tail; `DETACHED` off any list.
    next: u32,
}

const UNLINKED: Link = Link {
    prev: DETACHED,
    next: DETACHED,
};

/// A task's links and its policy's record of it, side by side: the policy reads both
/// at once, from one cache line.
#[derive(Clone, Debug)]
struct Node<T> {
    link: Link,
    data: T,
}

/// The first and last task of a list, or both its end marker when it is empty.
#[derive(Clone, Copy, Debug)]
struct Ends {
    head: u32,
    tail: u32,
}

/// What follows a task on its list ([`TaskLists::after`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum After {
    /// The next task.
    Task(TaskId),
    /// Nothing: the task is the last of this list.
    End(usize),
}

/// A fixed number of FIFO lists over one arena of tasks. A task is on at most one list.
///
/// Links live in a table indexed by [`TaskId`], so moving a task between lists or
/// removing it from the middle costs O(1) and no allocation once the table has grown.
/// Each task's entry also holds a `T` of the policy's own ([`data`](TaskLists::data)),
/// which stays when the task leaves its list: a policy that keeps an account of each
/// task reads it with the links, not from a table of its own elsewhere in memory. An
/// entry is two task numbers and the `T`: with a `T` of 8 bytes, four entries share a
/// cache line.
///
/// Task numbers must be below [`MAX_TASKS`](TaskLists::MAX_TASKS) (2³¹), and so must the
/// number of lists.
#[derive(Clone, Debug)]
pub struct TaskLists<T = ()> {
    nodes: Vec<Node<T>>,
    ends: Vec<Ends>,
    /// One bit a list, set while the list holds a task: the first non-empty list is
    /// found by a scan of words, not a look at each list's ends.
    occupied: Vec<u64>,
    len: usize,
}

impl<T> TaskLists<T> {
    /// Task numbers must be below this (2³¹), and there are fewer lists.
    pub const MAX_TASKS: usize = MAX_TASKS;
}

impl<T: Clone + Default> TaskLists<T> {
    /// `lists` empty lists.
    ///
    /// # Panics
    /// If `lists` is [`MAX_TASKS`](TaskLists::MAX_TASKS) or more.
    pub fn new(lists: usize) -> Self {
        assert!(lists < MAX_TASKS, "{lists} lists: at most {MAX_TASKS}");
        TaskLists {
            nodes: Vec::new(),
            ends: (0..lists)
                .map(|list| Ends {
                    head: end(list),
                    tail: end(list),
                })
                .collect(),
            occupied: vec![0; lists.div_ceil(64)],
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

    /// Whether `task` is on a list.
    #[inline]
    pub fn contains(&self, task: TaskId) -> bool {
        self.nodes
            .get(task.index())
            .is_some_and(|node| node.link.next != DETACHED)
    }

    /// The policy's record of `task`, if the table has grown to it (a task never given
    /// a record nor put on a list has none).
    #[inline]
    pub fn data(&self, task: TaskId) -> Option<&T> {
        self.nodes.get(task.index()).map(|node| &node.data)
    }

    /// The policy's record of `task`, made (as `T::default()`) if it has none yet.
    ///
    /// # Panics
    /// If `task` is not below [`MAX_TASKS`](TaskLists::MAX_TASKS).
    #[inline]
    pub fn data_mut(&mut self, task: TaskId) -> &mut T {
        let i = self.grow_to(task);
        &mut self.nodes[i].data
    }

    /// The policy's record of `task`, if it has one (as [`data`](TaskLists::data)).
    #[inline]
    pub fn existing_data_mut(&mut self, task: TaskId) -> Option<&mut T> {
        self.nodes.get_mut(task.index()).map(|node| &mut node.data)
    }

    /// Every record, in task order.
    pub fn data_iter_mut(&mut self) -> impl Iterator<Item = &mut T> + '_ {
        self.nodes.iter_mut().map(|node| &mut node.data)
    }

    /// The first task of `list`.
    #[inline]
    pub fn front(&self, list: usize) -> Option<TaskId> {
        let head = self.ends[list].head;
        (!is_end(head)).then_some(TaskId(head))
    }

    /// The task after `task` on its list, if `task` is on one and is not the last.
    #[inline]
    pub fn next(&self, task: TaskId) -> Option<TaskId> {
        match self.after(task)? {
            After::Task(next) => Some(next),
            After::End(_) => None,
        }
    }

    /// What follows `task` on its list: the next task, or the end of the list (which
    /// names the list); `None` if `task` is on no list.
    #[inline]
    pub fn after(&self, task: TaskId) -> Option<After> {
        let next = self.nodes.get(task.index())?.link.next;
        Some(match next {
            DETACHED => return None,
            next if is_end(next) => After::End((next & !END) as usize),
            next => After::Task(TaskId(next)),
        })
    }

    /// Starts fetching the entry of `task` (its links and record) into the cache (a hint).
    #[inline]
    pub fn prefetch(&self, task: TaskId) {
        crate::prefetch::prefetch(&self.nodes, task.index());
    }

    /// Whether `list` is empty.
    #[inline]
    pub fn list_is_empty(&self, list: usize) -> bool {
        is_end(self.ends[list].head)
    }

    /// The first list, from `list` on, that holds a task.
    #[inline]
    pub fn first_occupied(&self, list: usize) -> Option<usize> {
        let mut word = list / 64;
        // The bits of the lists before `list` in its word are left out.
        let mut bits = self.occupied.get(word)? & (u64::MAX << (list % 64));
        loop {
            if bits != 0 {
                return Some(word * 64 + bits.trailing_zeros() as usize);
            }
            word += 1;
            bits = *self.occupied.get(word)?;
        }
    }

    /// Whether a list before `list` holds a task.
    #[inline]
    pub fn occupied_before(&self, list: usize) -> bool {
        self.first_occupied(0).is_some_and(|first| first < list)
    }

    #[inline(always)]
    fn mark_occupied(&mut self, list: usize) {
        self.occupied[list / 64] |= 1 << (list % 64);
    }

    #[inline(always)]
    fn mark_empty(&mut self, list: usize) {
        self.occupied[list / 64] &= !(1 << (list % 64));
    }

    /// Appends `task` to `list`, taking it off the list it was on.
    ///
    /// # Panics
    /// If `list` is not below the number of lists, as slice indexing does, or `task` is
    /// not below [`MAX_TASKS`](TaskLists::MAX_TASKS).
    #[inline]
    pub fn push_back(&mut self, list: usize, task: TaskId) {
        self.insert(list, task, false);
    }

    /// Puts `task` at the head of `list`, taking it off the list it was on.
    ///
    /// # Panics
    /// As [`push_back`](TaskLists::push_back).
    #[inline]
    pub fn push_front(&mut self, list: usize, task: TaskId) {
        self.insert(list, task, true);
    }

    /// The index of `task`'s entry, growing the table to it.
    #[inline]
    fn grow_to(&mut self, task: TaskId) -> usize {
        let i = task.index();
        if i >= self.nodes.len() {
            self.grow(i);
        }
        i
    }

    /// Makes room for the tasks numbered below `tasks` at once, in huge pages where the
    /// table is big (see [`huge_pages`](crate::huge_pages)): none of them grows the table
    /// when it is first linked. Room for more than [`MAX_TASKS`](TaskLists::MAX_TASKS) is room for that many.
    pub fn reserve(&mut self, tasks: usize) {
        let tasks = tasks.min(MAX_TASKS);
        let more = tasks.saturating_sub(self.nodes.len());
        if more > 0 {
            crate::huge_pages::reserve(&mut self.nodes, more);
            self.grow(tasks - 1);
        }
    }

    #[cold]
    fn grow(&mut self, i: usize) {
        assert!(
            i < MAX_TASKS,
            "task {i}: task numbers are below {MAX_TASKS}"
        );
        self.nodes.resize(
            i + 1,
            Node {
                link: UNLINKED,
                data: T::default(),
            },
        );
    }

    #[inline]
    fn insert(&mut self, list: usize, task: TaskId, front: bool) {
        let i = self.grow_to(task);
        // A task on a list moves: it is never on two.
        self.remove(task);
        if front {
            self.link_front(list, i);
        } else {
            self.link_back(list, i);
        }
    }

    #[inline]
    fn link_front(&mut self, list: usize, i: usize) {
        let ends = &mut self.ends[list];
        let id = i as u32;
        let head = ends.head;
        ends.head = id;
        if is_end(head) {
            ends.tail = id;
            self.mark_occupied(list);
        } else {
            self.nodes[head as usize].link.prev = id;
        }
        self.nodes[i].link = Link {
            prev: end(list),
            next: head,
        };
        self.len += 1;
    }

    /// Appends `task`, which has a record and is on no list, to `list`: a `push_back`
    /// that skips the checks a caller has made already.
    ///
    /// # Panics
    /// If `list` is not below the number of lists or `task` has no record (in debug
    /// builds also if it is on a list).
    #[inline]
    pub fn push_back_unlinked(&mut self, list: usize, task: TaskId) {
        debug_assert!(!self.contains(task), "{task:?} is on a list");
        self.link_back(list, task.index());
    }

    #[inline]
    fn link_back(&mut self, list: usize, i: usize) {
        let ends = &mut self.ends[list];
        let id = i as u32;
        let tail = ends.tail;
        ends.tail = id;
        if is_end(tail) {
            ends.head = id;
            self.mark_occupied(list);
        } else {
            self.nodes[tail as usize].link.next = id;
        }
        self.nodes[i].link = Link {
            prev: tail,
            next: end(list),
        };
        self.len += 1;
    }

    /// Removes and returns the first task of `list`.
    #[inline(always)]
    pub fn pop_front(&mut self, list: usize) -> Option<TaskId> {
        let head = self.front(list)?;
        self.unlink(head);
        Some(head)
    }

    /// Removes `task` from whatever list it is on. Returns whether it was on one.
    #[inline]
    pub fn remove(&mut self, task: TaskId) -> bool {
        if !self.contains(task) {
            return false;
        }
        self.unlink(task);
        true
    }

    #[inline(always)]
    fn unlink(&mut self, task: TaskId) {
        let link = std::mem::replace(&mut self.nodes[task.index()].link, UNLINKED);
        // A neighbour's link, or the end of the list the marker names.
        if is_end(link.prev) {
            self.ends[(link.prev & !END) as usize].head = link.next;
        } else {
            self.nodes[link.prev as usize].link.next = link.next;
        }
        if is_end(link.next) {
            let list = (link.next & !END) as usize;
            self.ends[list].tail = link.prev;
            if is_end(link.prev) {
                // It was the only task of its list.
                self.mark_empty(list);
            }
        } else {
            self.nodes[link.next as usize].link.prev = link.prev;
        }
        self.len -= 1;
    }

    /// The tasks of `list`, first to last.
    pub fn iter(&self, list: usize) -> impl Iterator<Item = TaskId> + '_ {
        let mut at = self.ends[list].head;
        std::iter::from_fn(move || {
            if is_end(at) {
                return None;
            }
            let task = TaskId(at);
            at = self.nodes[at as usize].link.next;
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
        /// `push_back_unlinked` when the task has a record and is on no list, else
        /// `push_back`.
        PushBackUnlinked(usize, u32),
        Pop(usize),
        Remove(u32),
        Mark(u32, u8),
        /// Room made up front for this many tasks: nothing visible changes.
        Reserve(usize),
    }

    fn op() -> impl Strategy<Value = Op> {
        prop_oneof![
            (0..3usize, 0..16u32).prop_map(|(l, t)| Op::PushBack(l, t)),
            (0..3usize, 0..16u32).prop_map(|(l, t)| Op::PushFront(l, t)),
            (0..3usize, 0..16u32).prop_map(|(l, t)| Op::PushBackUnlinked(l, t)),
            (0..3usize).prop_map(Op::Pop),
            (0..16u32).prop_map(Op::Remove),
            (0..16u32, 1..=255u8).prop_map(|(t, v)| Op::Mark(t, v)),
            (0..20usize).prop_map(Op::Reserve),
        ]
    }

    #[test]
    fn an_entry_is_two_task_numbers_and_the_record() {
        assert_eq!(std::mem::size_of::<Node<()>>(), 8);
        assert_eq!(std::mem::size_of::<Node<[u32; 2]>>(), 16);
    }

    #[test]
    fn reserved_tasks_are_linked_without_growing_the_table() {
        let mut lists: TaskLists<u8> = TaskLists::new(2);
        lists.reserve(1000);
        let table = lists.nodes.as_ptr();
        for t in (0..1000).rev() {
            lists.push_back(t % 2, TaskId(t as u32));
        }
        assert_eq!(lists.nodes.as_ptr(), table, "the table was not moved");
        assert_eq!(lists.len(), 1000);
        assert_eq!(lists.pop_front(1), Some(TaskId(999)));
        assert_eq!(lists.pop_front(0), Some(TaskId(998)));
        // Less room than there is already asked for: nothing changes.
        lists.reserve(10);
        assert_eq!(lists.nodes.len(), 1000);
    }

    #[test]
    fn the_first_occupied_list_is_found_across_words_of_bits() {
        let mut lists: TaskLists = TaskLists::new(130);
        assert_eq!(lists.first_occupied(0), None);
        lists.push_back(129, TaskId(0));
        lists.push_back(64, TaskId(1));
        lists.push_front(63, TaskId(2));
        assert_eq!(lists.first_occupied(0), Some(63));
        assert_eq!(lists.first_occupied(64), Some(64));
        assert_eq!(lists.first_occupied(65), Some(129));
        assert_eq!(lists.first_occupied(130), None, "past the last list");
        assert!(lists.occupied_before(64) && !lists.occupied_before(63));
        // A list emptied by a pop, a removal or a move is no longer found.
        assert_eq!(lists.pop_front(63), Some(TaskId(2)));
        assert!(lists.remove(TaskId(1)));
        assert_eq!(lists.first_occupied(0), Some(129));
        lists.push_back(5, TaskId(0));
        assert_eq!(lists.first_occupied(0), Some(5));
        assert_eq!(lists.first_occupied(6), None, "the task left list 129");
    }

    proptest! {
        /// The lists behave exactly like three VecDeques with a membership rule, and each
        /// task's record keeps what was last written to it, wherever the task moves.
        #[test]
        fn matches_vecdeque_model(ops in proptest::collection::vec(op(), 0..200)) {
            let mut lists: TaskLists<u8> = TaskLists::new(3);
            let mut model: Vec<VecDeque<u32>> = vec![VecDeque::new(); 3];
            let mut marks = [0u8; 16];
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
                    Op::PushBackUnlinked(l, t) => {
                        let task = TaskId(t);
                        if lists.data(task).is_some() && !lists.contains(task) {
                            lists.push_back_unlinked(l, task);
                        } else {
                            lists.push_back(l, task);
                        }
                        model.iter_mut().for_each(|q| q.retain(|&x| x != t));
                        model[l].push_back(t);
                    }
                    Op::Pop(l) => {
                        prop_assert_eq!(lists.pop_front(l).map(|t| t.0), model[l].pop_front());
                    }
                    Op::Remove(t) => {
                        let expected = model.iter().position(|q| q.contains(&t));
                        if let Some(l) = expected {
                            model[l].retain(|&x| x != t);
                        }
                        prop_assert_eq!(lists.remove(TaskId(t)), expected.is_some());
                    }
                    Op::Mark(t, v) => {
                        match lists.existing_data_mut(TaskId(t)) {
                            Some(mark) => *mark = v,
                            None => *lists.data_mut(TaskId(t)) = v,
                        }
                        marks[t as usize] = v;
                    }
                    Op::Reserve(tasks) => lists.reserve(tasks),
                }
                for (l, q) in model.iter().enumerate() {
                    let got: Vec<u32> = lists.iter(l).map(|t| t.0).collect();
                    prop_assert_eq!(&got, &q.iter().copied().collect::<Vec<_>>());
                }
                prop_assert_eq!(lists.len(), model.iter().map(VecDeque::len).sum::<usize>());
                // The first list holding a task, from each list on, and before each.
                for from in 0..=model.len() {
                    let first = (from..model.len()).find(|&l| !model[l].is_empty());
                    prop_assert_eq!(lists.first_occupied(from), first);
                    let before = model[..from].iter().any(|q| !q.is_empty());
                    prop_assert_eq!(lists.occupied_before(from), before);
                }
                // Each task knows what follows it, and the end names its list.
                for t in 0..16u32 {
                    let expected = model.iter().enumerate().find_map(|(l, q)| {
                        let at = q.iter().position(|&x| x == t)?;
                        Some(q.get(at + 1).map_or(After::End(l), |&n| After::Task(TaskId(n))))
                    });
                    prop_assert_eq!(lists.after(TaskId(t)), expected);
                    prop_assert_eq!(lists.contains(TaskId(t)), expected.is_some());
                }
                for (t, &mark) in marks.iter().enumerate() {
                    let got = lists.data(TaskId(t as u32)).copied().unwrap_or_default();
                    prop_assert_eq!(got, mark);
                }
            }
        }
    }
}
