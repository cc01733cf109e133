//! The processes foreseen to run next, in order: the run loop prefetches their entries
//! and programs well before they run.
//!
//! A ring of slots, so that a dispatch the last one foresaw drops it from the front and
//! keeps the rest where they are. Copying them down instead would write them one by one
//! and read them back several at a time, which the CPU cannot serve from its store
//! buffer: the read waits until the writes reach the cache, on every dispatch.

use crate::process::NIL;

/// How many processes the run loop keeps foreseen.
pub(crate) const AHEAD: usize = 6;

/// The ring's size: a power of two, at least [`AHEAD`], so that a place wraps with a mask.
const RING: usize = AHEAD.next_power_of_two();

/// The slots foreseen to run next, in order.
pub(crate) struct LookAhead {
    ring: [u32; RING],
    /// The ring's place of the first slot foreseen.
    start: usize,
    /// How many slots are foreseen, from `start` on.
    known: usize,
}

impl LookAhead {
    /// Nothing foreseen.
    pub(crate) const fn new() -> Self {
        LookAhead {
            ring: [NIL; RING],
            start: 0,
            known: 0,
        }
    }

    /// `slot` is dispatched now: if it was foreseen first, what was foreseen after it
    /// still holds; otherwise the guess was wrong and nothing is foreseen any more.
    #[inline]
    pub(crate) fn dispatched(&mut self, slot: u32) {
        if self.known > 0 && self.ring[self.start] == slot {
            self.start = (self.start + 1) % RING;
            self.known -= 1;
        } else {
            self.known = 0;
        }
    }

    /// How many slots are foreseen.
    #[inline]
    pub(crate) fn len(&self) -> usize {
        self.known
    }

    /// The last slot foreseen, if any.
    #[inline]
    pub(crate) fn last(&self) -> Option<u32> {
        self.get(self.known.checked_sub(1)?)
    }

    /// Foresees `slot` after the last one (no more than [`AHEAD`] are kept).
    #[inline]
    pub(crate) fn push(&mut self, slot: u32) {
        debug_assert!(self.known < AHEAD, "no more than AHEAD slots are foreseen");
        self.ring[(self.start + self.known) % RING] = slot;
        self.known += 1;
    }

    /// The slot foreseen at `place` (0: the next to run), if that far is foreseen.
    #[inline]
    pub(crate) fn get(&self, place: usize) -> Option<u32> {
        (place < self.known).then(|| self.ring[(self.start + place) % RING])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_foreseen_dispatch_keeps_the_rest_and_a_wrong_guess_forgets_all() {
        let mut ahead = LookAhead::new();
        assert_eq!(ahead.last(), None);
        for slot in 10..10 + AHEAD as u32 {
            ahead.push(slot);
        }
        assert_eq!(ahead.len(), AHEAD);
        ahead.dispatched(10);
        assert_eq!(ahead.get(0), Some(11));
        assert_eq!(ahead.last(), Some(15));
        ahead.push(16);
        assert_eq!(ahead.get(AHEAD - 1), Some(16));
        // Around the ring more than once, in order.
        for slot in 11..40 {
            ahead.dispatched(slot);
            assert_eq!(ahead.get(0), Some(slot + 1));
            ahead.push(slot + AHEAD as u32);
        }
        assert_eq!(ahead.len(), AHEAD);
        ahead.dispatched(7);
        assert_eq!(ahead.len(), 0);
        assert_eq!(ahead.get(0), None);
    }

    #[derive(Clone, Debug)]
    enum Op {
        /// A slot is dispatched.
        Dispatch(u32),
        /// A slot is foreseen after the last (when there is room).
        Push(u32),
    }

    fn op() -> impl proptest::strategy::Strategy<Value = Op> {
        use proptest::prelude::*;
        // Few slots, so that dispatches often are the one foreseen first.
        prop_oneof![
            (0..4u32).prop_map(Op::Dispatch),
            (0..4u32).prop_map(Op::Push)
        ]
    }

    proptest::proptest! {
        /// Any mix of dispatches and guesses leaves foreseen what a plain queue would: a
        /// dispatch of the front drops it, any other dispatch forgets all.
        #[test]
        fn matches_a_queue(ops in proptest::collection::vec(op(), 0..200)) {
            let mut ahead = LookAhead::new();
            let mut model = std::collections::VecDeque::new();
            for op in ops {
                match op {
                    Op::Dispatch(slot) => {
                        ahead.dispatched(slot);
                        if model.front() == Some(&slot) {
                            model.pop_front();
                        } else {
                            model.clear();
                        }
                    }
                    Op::Push(slot) if model.len() < AHEAD => {
                        ahead.push(slot);
                        model.push_back(slot);
                    }
                    Op::Push(_) => {}
                }
                proptest::prop_assert_eq!(ahead.len(), model.len());
                proptest::prop_assert_eq!(ahead.last(), model.back().copied());
                for place in 0..=AHEAD {
                    proptest::prop_assert_eq!(ahead.get(place), model.get(place).copied());
                }
            }
        }
    }
}
