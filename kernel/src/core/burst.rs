//! CPU bursts: how far the running process's `compute` goes before something stops it
//! (the end of its slice, a signal, a better process woken, a `run_for` limit), with
//! what falls due meanwhile done at its tick. The `compute` call runs its burst itself,
//! as far as it goes, so that a burst nothing stops costs no trip through the run loop.

use vproc_sched::{TaskId, Tick};

use super::Core;
use crate::Error;

impl Core {
    /// Ticks left of the running process's slice, asking the policy for the slice at the
    /// first burst of a dispatch.
    #[inline]
    fn slice_left(&mut self, slot: u32) -> Tick {
        if self.slice == 0 {
            self.slice = self.policy.slice(TaskId(slot)).max(1);
        }
        self.slice.saturating_sub(self.ran)
    }

    /// Whether a process that became ready during this dispatch should take the CPU
    /// from the running one.
    #[inline]
    fn woken_better(&self, slot: u32) -> bool {
        self.woke_during_dispatch && self.policy.should_preempt(TaskId(slot), self.ran, self.now)
    }

    /// The ticks the burst runs before something cuts it, of the `want` it could run:
    /// the `run_for` limit and the next tick anything falls due end it (0 at the limit).
    #[inline]
    fn stretch(&mut self, want: Tick) -> Tick {
        let mut chunk = want.min(self.until.saturating_sub(self.now));
        // What was due by now is done: the chunk ends where the next thing falls due.
        if let Some(at) = self.next_due()
            && at > self.now
        {
            chunk = chunk.min(at - self.now);
        }
        chunk
    }

    /// The running process computes for `ticks`: the clock and its accounts move on.
    #[inline]
    fn advance_burst(&mut self, slot: u32, ticks: Tick) {
        self.now += ticks;
        self.ran += ticks;
        let process = self.table.get_mut(slot);
        process.user += ticks;
        process.compute_left -= ticks;
    }

    /// Runs the running process's CPU burst in stretches (each ends at the next thing
    /// due, which is done in between), until it is over or something must stop it.
    pub(crate) fn run_burst(&mut self, slot: u32) -> Result<Burst, Error> {
        let left = self.table.get(slot).compute_left;
        self.burst_of(slot, left)
    }

    /// `run_burst` with the ticks `left` of the burst in hand: the loop counts them down
    /// itself (as it writes them to the entry), so the first check does not wait on
    /// reading back the count a system call has just written.
    #[inline]
    fn burst_of(&mut self, slot: u32, mut left: Tick) -> Result<Burst, Error> {
        loop {
            debug_assert_eq!(left, self.table.get(slot).compute_left);
            if left == 0 {
                return Ok(Burst::Done);
            }
            let slice_left = self.slice_left(slot);
            if slice_left == 0 {
                return Ok(Burst::SliceOver);
            }
            if self.due()? {
                self.woke_during_dispatch = true;
            }
            if self.has_deliverable(slot) {
                return Ok(Burst::Signaled);
            }
            if self.woken_better(slot) {
                return Ok(Burst::Outranked);
            }
            match self.stretch(left.min(slice_left)) {
                0 => return Ok(Burst::Paused),
                chunk => {
                    self.advance_burst(slot, chunk);
                    left -= chunk;
                }
            }
        }
    }

    /// The fast path of `compute(ticks)`, called in the system call: runs the burst
    /// there and then, as far as the run loop would have run it, and returns the ticks
    /// left, 0 when it is over. What stops it short (the slice's end, a signal, a better
    /// process, the limit) is left for the run loop to act on; it finds the burst as it
    /// would have, and does what it would have done. A kernel bug met on the way is kept
    /// for the run loop to report.
    pub(crate) fn burst_at_once(&mut self, slot: u32, generation: u32, ticks: Tick) -> Tick {
        if self.current != slot || self.table.get(slot).generation != generation {
            return ticks;
        }
        self.table.get_mut(slot).compute_left = ticks;
        match self.burst_of(slot, ticks) {
            Ok(_) => {}
            Err(bug) => self.fault = Some(bug),
        }
        self.table.get(slot).compute_left
    }
}

/// How a CPU burst stopped.
pub(crate) enum Burst {
    /// It is over; the process runs on.
    Done,
    /// The slice is used up: the process loses the CPU.
    SliceOver,
    /// A process that became ready should run instead.
    Outranked,
    /// The `run_for` limit came: the process stays on the CPU until the next run.
    Paused,
    /// A signal came for it (its alarm): deliver it, then go on with the burst.
    Signaled,
}
