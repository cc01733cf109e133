//! Sleepers' timers: timers of one tick fire in the order they were armed.
//!
//! Simulated workloads arm timers mostly in the order of their ticks (every I/O of a
//! workload lasts the same, and the clock only goes forward), so those go to a plain
//! queue, O(1) to arm and fire and 24 bytes each. A timer that falls before the last one
//! queued goes to a map of FIFO buckets by tick instead, which keeps arming and firing
//! cheap in the number of sleepers where a binary heap would pay O(log n) cache misses.
//! The next timer is the earlier of the two heads, by (tick, order armed).

use std::collections::{BTreeMap, VecDeque};

use vproc_sched::Tick;

/// (order armed, slot) of each timer of a tick.
type Bucket = VecDeque<(u64, u32)>;

pub(crate) struct Timers {
    /// Timers armed at or after the tick of the one queued before: (tick, seq, slot).
    in_order: VecDeque<(Tick, u64, u32)>,
    /// The others, by tick.
    buckets: BTreeMap<Tick, Bucket>,
    /// Emptied buckets, kept for their allocations.
    spare: Vec<Bucket>,
    /// The tick of the earliest timer (`Tick::MAX`: none), which the run loop asks for
    /// far more often than timers are armed or fire.
    first_at: Tick,
    /// The tick of the last timer queued in order, while the queue holds any: where
    /// arming looks, rather than at the queue's back.
    last_queued: Tick,
}

impl Default for Timers {
    fn default() -> Self {
        Timers {
            in_order: VecDeque::new(),
            buckets: BTreeMap::new(),
            spare: Vec::new(),
            first_at: Tick::MAX,
            last_queued: 0,
        }
    }
}

impl Timers {
    /// Arms a timer; `seq` must grow from one call to the next.
    #[inline(always)]
    pub fn push(&mut self, until: Tick, seq: u64, slot: u32) {
        self.first_at = self.first_at.min(until);
        if until >= self.last_queued || self.in_order.is_empty() {
            self.last_queued = until;
            self.in_order.push_back((until, seq, slot));
        } else {
            self.push_bucketed(until, seq, slot);
        }
    }

    /// Arms a timer that falls before the last one queued.
    #[cold]
    #[inline(never)]
    fn push_bucketed(&mut self, until: Tick, seq: u64, slot: u32) {
        let spare = &mut self.spare;
        self.buckets
            .entry(until)
            .or_insert_with(|| spare.pop().unwrap_or_default())
            .push_back((seq, slot));
    }

    /// The earliest timer: (tick, seq, slot).
    #[inline]
    pub fn peek(&self) -> Option<(Tick, u64, u32)> {
        let queued = self.in_order.front().copied();
        match (queued, self.first_bucketed()) {
            (Some(q), Some(b)) => Some(if (b.0, b.1) < (q.0, q.1) { b } else { q }),
            (q, b) => q.or(b),
        }
    }

    /// The tick of the earliest timer, if any: [`peek`](Timers::peek)'s, in one load.
    /// (A timer at `Tick::MAX`, which no clock reaches, counts as none.)
    #[inline(always)]
    pub fn first_at(&self) -> Option<Tick> {
        (self.first_at != Tick::MAX).then_some(self.first_at)
    }

    /// Takes the earliest timer.
    #[inline]
    pub fn pop(&mut self) -> Option<(Tick, u64, u32)> {
        let first = self.take_first()?;
        self.first_at = self.peek().map_or(Tick::MAX, |(at, _, _)| at);
        Some(first)
    }

    /// Takes the earliest timer, leaving `first_at` for the caller to set.
    #[inline]
    fn take_first(&mut self) -> Option<(Tick, u64, u32)> {
        let first = self.peek()?;
        if self.in_order.front() == Some(&first) {
            return self.in_order.pop_front();
        }
        let mut entry = self.buckets.first_entry()?;
        entry.get_mut().pop_front();
        if entry.get().is_empty() {
            let bucket = entry.remove();
            if self.spare.len() < 64 {
                self.spare.push(bucket);
            }
        }
        Some(first)
    }

    /// Takes the earliest timer if it is due by `now`. Timers armed in order (all of
    /// them, most of the time) are looked at once, not peeked at and then popped.
    #[inline]
    pub fn pop_due(&mut self, now: Tick) -> Option<(Tick, u64, u32)> {
        if self.first_at > now {
            return None;
        }
        if !self.buckets.is_empty() {
            return self.pop();
        }
        let first = self.in_order.pop_front();
        self.first_at = self.in_order.front().map_or(Tick::MAX, |&(at, _, _)| at);
        first
    }

    /// The earliest timer of the buckets.
    #[inline]
    fn first_bucketed(&self) -> Option<(Tick, u64, u32)> {
        let (&until, bucket) = self.buckets.first_key_value()?;
        let &(seq, slot) = bucket.front()?;
        Some((until, seq, slot))
    }

    /// Every timer, in no particular order.
    pub fn iter(&self) -> impl Iterator<Item = (Tick, u64, u32)> + '_ {
        let bucketed = self
            .buckets
            .iter()
            .flat_map(|(&until, b)| b.iter().map(move |&(seq, slot)| (until, seq, slot)));
        self.in_order.iter().copied().chain(bucketed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fire_by_tick_then_by_order_armed() {
        let mut timers = Timers::default();
        // (tick, slot), armed in this order: in order, then earlier ticks, then ties.
        let armed = [
            (5, 0),
            (7, 1),
            (7, 2),
            (3, 3),
            (6, 4),
            (7, 5),
            (3, 6),
            (9, 7),
        ];
        for (seq, &(until, slot)) in armed.iter().enumerate() {
            timers.push(until, seq as u64, slot);
        }
        assert_eq!(timers.iter().count(), armed.len());
        let mut expected: Vec<(Tick, u64, u32)> = armed
            .iter()
            .enumerate()
            .map(|(seq, &(until, slot))| (until, seq as u64, slot))
            .collect();
        expected.sort();
        let fired: Vec<_> = std::iter::from_fn(|| timers.pop()).collect();
        assert_eq!(fired, expected);
        assert_eq!(timers.peek(), None);
    }

    /// What a test does to the timers.
    #[derive(Clone, Debug)]
    enum Op {
        Arm(Tick),
        Pop,
        PopDue(Tick),
    }

    fn op() -> impl proptest::strategy::Strategy<Value = Op> {
        use proptest::prelude::*;
        prop_oneof![
            (0..20u64).prop_map(Op::Arm),
            Just(Op::Pop),
            (0..20u64).prop_map(Op::PopDue),
        ]
    }

    proptest::proptest! {
        /// Any mix of arming (at ticks in or out of order) and firing, all at once or only
        /// what is due, gives the timers by (tick, order armed), as a sorted list would.
        #[test]
        fn matches_a_sorted_model(ops in proptest::collection::vec(op(), 0..200)) {
            let mut timers = Timers::default();
            let mut model: Vec<(Tick, u64, u32)> = Vec::new();
            for (seq, op) in ops.into_iter().enumerate() {
                match op {
                    Op::Arm(until) => {
                        timers.push(until, seq as u64, seq as u32);
                        model.push((until, seq as u64, seq as u32));
                        model.sort();
                    }
                    Op::Pop => {
                        let expected = (!model.is_empty()).then(|| model.remove(0));
                        proptest::prop_assert_eq!(timers.pop(), expected);
                    }
                    Op::PopDue(now) => {
                        let due = model.first().is_some_and(|t| t.0 <= now);
                        let expected = due.then(|| model.remove(0));
                        proptest::prop_assert_eq!(timers.pop_due(now), expected);
                    }
                }
                proptest::prop_assert_eq!(timers.peek(), model.first().copied());
                proptest::prop_assert_eq!(timers.first_at(), model.first().map(|t| t.0));
                proptest::prop_assert_eq!(timers.iter().count(), model.len());
            }
        }
    }
}
