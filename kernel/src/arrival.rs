//! Arrivals: processes the host asked to start at a later tick (a simulated workload's
//! jobs arriving over time).

use std::collections::BTreeMap;

use vproc_sched::Tick;

use crate::process::Program;
use crate::{Command, Error, Pid, SysResult};

/// Makes the future of an arriving process, given its pid, slot and generation.
pub(crate) type Make = Box<dyn FnOnce(Pid, u32, u32) -> SysResult<Program>>;

/// A process to spawn when its tick comes.
pub(crate) struct Arrival {
    pub command: Command,
    pub make: Make,
}

/// An arrival that could not be spawned when its tick came.
#[derive(Clone, Debug)]
pub struct ArrivalFailure {
    /// The tick it was due.
    pub tick: Tick,
    /// The program's name.
    pub program: String,
    /// Why the spawn failed.
    pub error: Error,
}

/// Pending arrivals by (tick, order of asking): those of one tick arrive in the order
/// the host asked for them.
pub(crate) struct Arrivals {
    due: BTreeMap<(Tick, u64), Arrival>,
    seq: u64,
    /// The tick of the first pending arrival (`Tick::MAX`: none).
    next: Tick,
    failed: Vec<ArrivalFailure>,
}

impl Arrivals {
    pub fn new() -> Self {
        Arrivals {
            due: BTreeMap::new(),
            seq: 0,
            next: Tick::MAX,
            failed: Vec::new(),
        }
    }

    pub fn add(&mut self, at: Tick, arrival: Arrival) {
        self.seq += 1;
        self.due.insert((at, self.seq), arrival);
        self.next = self.next.min(at);
    }

    /// The tick of the first pending arrival, `Tick::MAX` when there is none.
    #[inline(always)]
    pub fn next_at(&self) -> Tick {
        self.next
    }

    /// Takes the first arrival due by `now`.
    pub fn pop_due(&mut self, now: Tick) -> Option<Arrival> {
        if self.next > now {
            return None;
        }
        let (_, arrival) = self.due.pop_first()?;
        self.next = self.due.first_key_value().map_or(Tick::MAX, |(k, _)| k.0);
        Some(arrival)
    }

    pub fn len(&self) -> usize {
        self.due.len()
    }

    pub fn fail(&mut self, failure: ArrivalFailure) {
        self.failed.push(failure);
    }

    pub fn take_failures(&mut self) -> Vec<ArrivalFailure> {
        std::mem::take(&mut self.failed)
    }

    /// Hands back every pending arrival (they may hold the kernel), for the kernel's drop.
    pub fn release(&mut self) -> BTreeMap<(Tick, u64), Arrival> {
        self.next = Tick::MAX;
        std::mem::take(&mut self.due)
    }
}
