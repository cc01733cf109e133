//! Lottery scheduling: each quantum, a seeded draw among the ready tasks' tickets.

use crate::lists::TaskLists;
use crate::policy::{Policy, Requeue, TaskId, TaskParams, Tick};

/// A draw per quantum: a ready task wins with probability tickets / all tickets ready.
/// The numbers come from a seeded generator (splitmix64), so one seed gives one schedule.
/// A draw walks the ready tasks, O(n).
#[derive(Clone, Debug)]
pub struct LotteryPolicy {
    quantum: Tick,
    ready: TaskLists,
    tickets: Vec<u32>,
    total: u64,
    state: u64,
}

impl LotteryPolicy {
    /// Lottery scheduling with a quantum of `quantum` ticks (at least 1) and a seed.
    pub fn new(quantum: Tick, seed: u64) -> Self {
        LotteryPolicy {
            quantum: quantum.max(1),
            ready: TaskLists::new(1),
            tickets: Vec::new(),
            total: 0,
            state: seed,
        }
    }

    fn random(&mut self) -> u64 {
        self.state = self.state.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.state;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    fn tickets(&self, task: TaskId) -> u64 {
        u64::from(self.tickets.get(task.index()).copied().unwrap_or(1))
    }

    fn leave(&mut self, task: TaskId) {
        if self.ready.remove(task).is_some() {
            self.total -= self.tickets(task);
        }
    }
}

impl Policy for LotteryPolicy {
    fn name(&self) -> &'static str {
        "lottery"
    }

    fn admit(&mut self, task: TaskId, params: &TaskParams, _now: Tick) {
        self.leave(task);
        let i = task.index();
        if i >= self.tickets.len() {
            self.tickets.resize(i + 1, 1);
        }
        self.tickets[i] = params.tickets.max(1);
    }

    fn enqueue(&mut self, task: TaskId, _why: Requeue, _now: Tick) {
        if self.ready.list_of(task).is_none() {
            self.ready.push_back(0, task);
            self.total += self.tickets(task);
        }
    }

    fn pick_next(&mut self, _now: Tick) -> Option<TaskId> {
        if self.total == 0 {
            return None;
        }
        let mut winner = self.random() % self.total;
        let mut chosen = None;
        for task in self.ready.iter(0) {
            let t = self.tickets(task);
            if winner < t {
                chosen = Some(task);
                break;
            }
            winner -= t;
        }
        let task = chosen?;
        self.leave(task);
        Some(task)
    }

    fn slice(&self, _task: TaskId) -> Tick {
        self.quantum
    }

    fn charge(&mut self, _task: TaskId, _ran: Tick, _now: Tick) {}

    fn dequeue(&mut self, task: TaskId) {
        self.leave(task);
    }

    fn set_nice(&mut self, _task: TaskId, _nice: i8, _now: Tick) {}

    fn retire(&mut self, task: TaskId) {
        self.leave(task);
    }

    fn ready_len(&self) -> usize {
        self.ready.len()
    }
}
