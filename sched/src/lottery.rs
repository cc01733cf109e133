//! Lottery scheduling: each quantum, a seeded draw among the ready tasks' tickets.

use crate::ordered::Ordered;
use crate::policy::{Policy, Requeue, TaskId, TaskParams, Tick};
use crate::random::SplitMix64;

#[derive(Clone, Copy, Debug)]
struct Job {
    tickets: u64,
    order: u64,
}

/// A draw per quantum: a ready task wins with probability tickets / all tickets ready.
/// As in OSTEP's `lottery.py`, the winning number is walked through the ready tasks in
/// job order. The numbers come from a seeded generator, so one seed gives one schedule.
/// A task with 0 tickets runs only when no ready task has any. A draw walks the ready
/// tasks, O(n).
#[derive(Clone, Debug)]
pub struct LotteryPolicy {
    quantum: Tick,
    /// Ready tasks in job order.
    ready: Ordered,
    jobs: Vec<Job>,
    admitted: u64,
    total: u64,
    random: SplitMix64,
}

impl LotteryPolicy {
    /// Lottery scheduling with a quantum of `quantum` ticks (at least 1) and a seed.
    pub fn new(quantum: Tick, seed: u64) -> Self {
        LotteryPolicy {
            quantum: quantum.max(1),
            ready: Ordered::default(),
            jobs: Vec::new(),
            admitted: 0,
            total: 0,
            random: SplitMix64::new(seed),
        }
    }

    fn take(&mut self, task: TaskId) {
        if self.ready.remove(task) {
            self.total -= self.jobs[task.index()].tickets;
        }
    }
}

impl Policy for LotteryPolicy {
    fn name(&self) -> &'static str {
        "lottery"
    }

    fn admit(&mut self, task: TaskId, params: &TaskParams, _now: Tick) {
        self.take(task);
        let i = task.index();
        if i >= self.jobs.len() {
            self.jobs.resize(
                i + 1,
                Job {
                    tickets: 0,
                    order: u64::MAX,
                },
            );
        }
        self.jobs[i] = Job {
            tickets: u64::from(params.tickets),
            order: self.admitted,
        };
        self.admitted += 1;
    }

    fn enqueue(&mut self, task: TaskId, _why: Requeue, now: Tick) {
        if task.index() >= self.jobs.len() {
            self.admit(task, &TaskParams::default(), now);
        }
        let job = self.jobs[task.index()];
        self.take(task);
        self.ready.insert(task, job.order, job.order);
        self.total += job.tickets;
    }

    fn pick_next(&mut self, _now: Tick) -> Option<TaskId> {
        let first = self.ready.first()?.0;
        let winner = if self.total == 0 {
            first
        } else {
            let mut number = self.random.next_u64() % self.total;
            let mut winner = first;
            for task in self.ready.iter() {
                let tickets = self.jobs[task.index()].tickets;
                if number < tickets {
                    winner = task;
                    break;
                }
                number -= tickets;
            }
            winner
        };
        self.take(winner);
        Some(winner)
    }

    fn slice(&self, _task: TaskId) -> Tick {
        self.quantum
    }

    fn charge(&mut self, _task: TaskId, _ran: Tick, _now: Tick) {}

    fn dequeue(&mut self, task: TaskId) {
        self.take(task);
    }

    fn ready_len(&self) -> usize {
        self.ready.len()
    }
}
