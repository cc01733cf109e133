//! Who waits on a pipe: ordered queues of blocked readers and writers, unordered sets of
//! watchers, and the list of wakers to call once the pipe's lock is released.

use std::collections::VecDeque;
use std::task::Waker;

/// One blocked reader or writer.
struct Waiter {
    /// Its ticket, kept by its future.
    id: u64,
    waker: Waker,
    /// For a writer, the room it needs to go on; for a reader, unused.
    need: usize,
    /// Woken and not polled since: not worth waking again.
    woken: bool,
}

/// Blocked readers (or writers) in the order they started waiting.
///
/// A future takes a ticket the first time it has to wait and keeps it, and its place, until
/// it completes or is dropped; only the head (or a newcomer when nobody waits) may take
/// data or room, so nobody is overtaken.
#[derive(Default)]
pub(super) struct WaitQueue {
    entries: VecDeque<Waiter>,
    next_id: u64,
}

impl WaitQueue {
    /// Waiters queued.
    pub(super) fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether the holder of `ticket` (`None`: not queued) may go now: it is at the head,
    /// or nobody waits at all.
    pub(super) fn is_turn(&self, ticket: Option<u64>) -> bool {
        match (self.entries.front(), ticket) {
            (None, _) => true,
            (Some(head), Some(id)) => head.id == id,
            (Some(_), None) => false,
        }
    }

    /// Queues the holder of `ticket` at the back, or, if it already waits, keeps its place
    /// and refreshes its waker and need.
    pub(super) fn wait(&mut self, ticket: &mut Option<u64>, waker: &Waker, need: usize) {
        if let Some(id) = *ticket
            && let Some(entry) = self.entries.iter_mut().find(|e| e.id == id)
        {
            if !entry.waker.will_wake(waker) {
                entry.waker = waker.clone();
            }
            entry.need = need;
            entry.woken = false;
            return;
        }
        let id = self.next_id;
        self.next_id += 1;
        self.entries.push_back(Waiter {
            id,
            waker: waker.clone(),
            need,
            woken: false,
        });
        *ticket = Some(id);
    }

    /// Takes the holder of `ticket` out of the queue (nothing if it holds none).
    pub(super) fn leave(&mut self, ticket: &mut Option<u64>) {
        if let Some(id) = ticket.take()
            && let Some(at) = self.entries.iter().position(|e| e.id == id)
        {
            self.entries.remove(at);
        }
    }

    /// Whether the holder of ticket `id` is still queued.
    pub(super) fn holds(&self, id: u64) -> bool {
        self.entries.iter().any(|e| e.id == id)
    }

    /// Takes out the waiter that `waker` wakes, wherever it is in the queue; whether
    /// there was one. Its future's ticket goes stale: its next poll queues it at the back.
    pub(super) fn leave_waker(&mut self, waker: &Waker) -> bool {
        match self.entries.iter().position(|e| e.waker.will_wake(waker)) {
            Some(at) => {
                self.entries.remove(at);
                true
            }
            None => false,
        }
    }

    /// Wakes the head if `can_go(need)` says it can go on and it is not woken already.
    pub(super) fn wake_head(&mut self, can_go: impl FnOnce(usize) -> bool, wakes: &mut WakeList) {
        if let Some(head) = self.entries.front_mut()
            && !head.woken
            && can_go(head.need)
        {
            head.woken = true;
            wakes.push(&head.waker);
        }
    }

    /// Wakes every waiter not woken already (end of file, broken pipe).
    pub(super) fn wake_all(&mut self, wakes: &mut WakeList) {
        for entry in self.entries.iter_mut().filter(|e| !e.woken) {
            entry.woken = true;
            wakes.push(&entry.waker);
        }
    }
}

/// Wakers in no particular order, each under an id: watchers, and FIFO openers waiting
/// for a partner.
#[derive(Default)]
pub(crate) struct WakerSet {
    entries: Vec<(u64, Waker)>,
    next_id: u64,
}

impl WakerSet {
    /// Wakers held.
    pub(crate) fn len(&self) -> usize {
        self.entries.len()
    }

    /// Adds `waker`, or refreshes the one under `ticket`.
    pub(crate) fn register(&mut self, ticket: &mut Option<u64>, waker: &Waker) {
        if let Some(id) = *ticket
            && let Some((_, held)) = self.entries.iter_mut().find(|(i, _)| *i == id)
        {
            if !held.will_wake(waker) {
                *held = waker.clone();
            }
            return;
        }
        let id = self.next_id;
        self.next_id += 1;
        self.entries.push((id, waker.clone()));
        *ticket = Some(id);
    }

    /// Removes the waker under `ticket` (nothing if it holds none).
    pub(crate) fn remove(&mut self, ticket: &mut Option<u64>) {
        if let Some(id) = ticket.take()
            && let Some(at) = self.entries.iter().position(|(i, _)| *i == id)
        {
            self.entries.swap_remove(at);
        }
    }

    /// Wakes every waker held; they stay registered.
    pub(crate) fn wake_all(&self, wakes: &mut WakeList) {
        for (_, waker) in &self.entries {
            wakes.push(waker);
        }
    }
}

/// Wakers to call after the pipe's lock is released, so that a waker that touches the
/// pipe again cannot deadlock. Allocates nothing when nobody is to be woken.
#[derive(Default)]
pub(crate) struct WakeList(Vec<Waker>);

impl WakeList {
    /// An empty list.
    pub(crate) fn new() -> Self {
        WakeList(Vec::new())
    }

    fn push(&mut self, waker: &Waker) {
        self.0.push(waker.clone());
    }

    /// Wakes them all. Call it with no lock held.
    pub(crate) fn wake(self) {
        for waker in self.0 {
            waker.wake();
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::task::Wake;

    use super::*;

    #[derive(Default)]
    struct Counter(AtomicUsize);

    impl Wake for Counter {
        fn wake(self: Arc<Self>) {
            self.0.fetch_add(1, Ordering::SeqCst);
        }
    }

    fn counter() -> (Arc<Counter>, Waker) {
        let c = Arc::new(Counter::default());
        (c.clone(), Waker::from(c))
    }

    fn count(c: &Counter) -> usize {
        c.0.load(Ordering::SeqCst)
    }

    #[test]
    fn turns_go_in_arrival_order_and_places_are_kept() {
        let (_, w) = counter();
        let mut q = WaitQueue::default();
        assert!(q.is_turn(None));
        let (mut a, mut b) = (None, None);
        q.wait(&mut a, &w, 1);
        q.wait(&mut b, &w, 1);
        assert!(q.is_turn(a) && !q.is_turn(b) && !q.is_turn(None));
        // Waiting again keeps the place.
        q.wait(&mut a, &w, 1);
        q.wait(&mut b, &w, 1);
        assert_eq!(q.len(), 2);
        assert!(q.is_turn(a));
        q.leave(&mut a);
        assert_eq!(a, None);
        assert!(q.is_turn(b));
        q.leave(&mut b);
        assert!(q.is_turn(None));
        assert_eq!(q.len(), 0);
    }

    #[test]
    fn the_head_is_woken_once_until_it_waits_again() {
        let (ca, wa) = counter();
        let (cb, wb) = counter();
        let mut q = WaitQueue::default();
        let (mut a, mut b) = (None, None);
        q.wait(&mut a, &wa, 10);
        q.wait(&mut b, &wb, 1);
        let mut wakes = WakeList::new();
        q.wake_head(|need| need <= 5, &mut wakes);
        assert_eq!(wakes.0.len(), 0);
        q.wake_head(|need| need <= 10, &mut wakes);
        q.wake_head(|need| need <= 10, &mut wakes);
        wakes.wake();
        assert_eq!((count(&ca), count(&cb)), (1, 0));
        // Polled and still waiting: it can be woken again, with its new waker.
        let (ca2, wa2) = counter();
        q.wait(&mut a, &wa2, 10);
        let mut wakes = WakeList::new();
        q.wake_head(|_| true, &mut wakes);
        wakes.wake();
        assert_eq!((count(&ca), count(&ca2)), (1, 1));
        let mut wakes = WakeList::new();
        q.wake_all(&mut wakes);
        wakes.wake();
        assert_eq!((count(&ca2), count(&cb)), (1, 1));
    }

    #[test]
    fn waker_sets_register_refresh_and_remove() {
        let (c1, w1) = counter();
        let (c2, w2) = counter();
        let mut set = WakerSet::default();
        let (mut t1, mut t2) = (None, None);
        set.register(&mut t1, &w1);
        set.register(&mut t2, &w2);
        set.register(&mut t1, &w1);
        assert_eq!(set.len(), 2);
        let mut wakes = WakeList::new();
        set.wake_all(&mut wakes);
        wakes.wake();
        assert_eq!((count(&c1), count(&c2)), (1, 1));
        set.remove(&mut t1);
        assert_eq!((set.len(), t1), (1, None));
        let mut wakes = WakeList::new();
        set.wake_all(&mut wakes);
        wakes.wake();
        assert_eq!((count(&c1), count(&c2)), (1, 2));
    }
}
