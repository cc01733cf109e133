//! Sleepers' timers, in buckets by wake tick: timers of one tick fire in the order they
//! were armed.
//!
//! Simulated workloads arm many timers for few distinct ticks (every I/O of a workload
//! lasts the same), so a map of FIFO buckets keeps arming and firing O(1) in the number
//! of sleepers, where a binary heap would pay O(log n) cache misses per timer.

use std::collections::{BTreeMap, VecDeque};

use vproc_sched::Tick;

/// (order armed, slot) of each timer of a tick.
type Bucket = VecDeque<(u64, u32)>;

#[derive(Default)]
pub(crate) struct Timers {
    buckets: BTreeMap<Tick, Bucket>,
    /// Emptied buckets, kept for their allocations.
    spare: Vec<Bucket>,
}

impl Timers {
    /// Arms a timer; `seq` must grow from one call to the next.
    #[inline]
    pub fn push(&mut self, until: Tick, seq: u64, slot: u32) {
        let spare = &mut self.spare;
        self.buckets
            .entry(until)
            .or_insert_with(|| spare.pop().unwrap_or_default())
            .push_back((seq, slot));
    }

    /// The earliest timer: (tick, seq, slot).
    #[inline]
    pub fn peek(&self) -> Option<(Tick, u64, u32)> {
        let (&until, bucket) = self.buckets.first_key_value()?;
        let &(seq, slot) = bucket.front()?;
        Some((until, seq, slot))
    }

    /// Takes the earliest timer.
    #[inline]
    pub fn pop(&mut self) -> Option<(Tick, u64, u32)> {
        let mut entry = self.buckets.first_entry()?;
        let until = *entry.key();
        let (seq, slot) = entry.get_mut().pop_front()?;
        if entry.get().is_empty() {
            let bucket = entry.remove();
            if self.spare.len() < 64 {
                self.spare.push(bucket);
            }
        }
        Some((until, seq, slot))
    }

    /// Whether no timer is armed.
    #[inline]
    pub fn is_empty(&self) -> bool {
        self.buckets.is_empty()
    }

    /// Every timer, in no particular order.
    pub fn iter(&self) -> impl Iterator<Item = (Tick, u64, u32)> + '_ {
        self.buckets
            .iter()
            .flat_map(|(&until, b)| b.iter().map(move |&(seq, slot)| (until, seq, slot)))
    }
}
