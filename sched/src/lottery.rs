//! Lottery scheduling: each quantum, a seeded draw among the ready tasks' tickets.

use std::collections::BTreeSet;

use crate::policy::{Policy, Requeue, TaskId, TaskParams, Tick};
use crate::random::SplitMix64;
use crate::sum_tree::SumTree;

/// No task: an order not (or no longer) given to one.
const NONE: u32 = u32::MAX;

#[derive(Clone, Copy, Debug)]
struct Job {
    tickets: u64,
    /// Its place in job order (an index of the tree); `usize::MAX` before admission.
    order: usize,
    queued: bool,
}

const UNADMITTED: Job = Job {
    tickets: 0,
    order: usize::MAX,
    queued: false,
};

/// A draw per quantum: a ready task wins with probability tickets / all tickets ready.
/// As in OSTEP's `lottery.py`, the winning number is walked through the ready tasks in
/// job order. The numbers come from a seeded generator, so one seed gives one schedule
/// (or from a list you give, with [`with_draws`](LotteryPolicy::with_draws)). A task with
/// 0 tickets runs only when no ready task has any. The walk is a descent of a tree of
/// ticket sums in job order, eight to a cache line: a draw among 100,000 ready jobs reads
/// six lines.
#[derive(Clone, Debug)]
pub struct LotteryPolicy {
    quantum: Tick,
    jobs: Vec<Job>,
    /// The task of each order, or `NONE`.
    by_order: Vec<u32>,
    /// The tickets of each ready task, by order.
    tickets: SumTree,
    /// The orders of the ready tasks with no tickets, which run when no ready task has
    /// any.
    ticketless: BTreeSet<usize>,
    ready_len: usize,
    draws: Draws,
}

/// Where the lottery's numbers come from.
#[derive(Clone, Debug)]
enum Draws {
    /// A seeded generator.
    Seeded(SplitMix64),
    /// Given numbers, in order, then again from the first.
    Given { numbers: Vec<u64>, next: usize },
}

impl Draws {
    fn next(&mut self) -> u64 {
        match self {
            Draws::Seeded(random) => random.next_u64(),
            Draws::Given { numbers, next } => {
                let Some(&number) = numbers.get(*next) else {
                    return 0;
                };
                *next = (*next + 1) % numbers.len();
                number
            }
        }
    }
}

impl LotteryPolicy {
    /// Lottery scheduling with a quantum of `quantum` ticks (at least 1) and a seed.
    pub fn new(quantum: Tick, seed: u64) -> Self {
        LotteryPolicy {
            quantum: quantum.max(1),
            jobs: Vec::new(),
            by_order: Vec::new(),
            tickets: SumTree::default(),
            ticketless: BTreeSet::new(),
            ready_len: 0,
            draws: Draws::Seeded(SplitMix64::new(seed)),
        }
    }

    /// Lottery scheduling whose draws are the given numbers, in order, rather than a
    /// seeded generator's: a hook for tests and teaching, to replay a schedule drawn
    /// elsewhere (the `r` values OSTEP's `lottery.py -c` prints, for one).
    ///
    /// Each pick takes the next number; the winning ticket is that number modulo the
    /// tickets of the ready tasks, walked through them in job order. When the numbers run
    /// out they start again from the first; with none, every draw is 0.
    ///
    /// ```
    /// use vproc_sched::{LotteryPolicy, Policy, Requeue, TaskId, TaskParams};
    ///
    /// let mut lottery = LotteryPolicy::with_draws(1, vec![150, 42]);
    /// for (task, tickets) in [(TaskId(0), 50), (TaskId(1), 100)] {
    ///     let params = TaskParams { tickets, ..TaskParams::default() };
    ///     lottery.admit(task, &params, 0);
    ///     lottery.enqueue(task, Requeue::New, 0);
    /// }
    /// // 150 % 150 = 0: job 0's tickets are 0..50.
    /// assert_eq!(lottery.pick_next(0), Some(TaskId(0)));
    /// // Only job 1 is ready now: 42 % 100 = 42 is one of its tickets.
    /// assert_eq!(lottery.pick_next(0), Some(TaskId(1)));
    /// ```
    pub fn with_draws(quantum: Tick, draws: Vec<u64>) -> Self {
        LotteryPolicy {
            draws: Draws::Given {
                numbers: draws,
                next: 0,
            },
            ..LotteryPolicy::new(quantum, 0)
        }
    }

    /// Takes `task` out of the ready set, if it is there.
    fn take(&mut self, task: TaskId) {
        let Some(job) = self.jobs.get_mut(task.index()) else {
            return;
        };
        if !std::mem::take(&mut job.queued) {
            return;
        }
        let (order, tickets) = (job.order, job.tickets);
        self.unready(order, tickets);
    }

    /// The task of `order`, with `tickets`, leaves the ready set.
    fn unready(&mut self, order: usize, tickets: u64) {
        if tickets == 0 {
            self.ticketless.remove(&order);
        } else {
            self.tickets.add(order, -(tickets as i64));
        }
        self.ready_len -= 1;
    }

    /// The task of `order`, with `tickets`, enters the ready set.
    fn ready(&mut self, order: usize, tickets: u64) {
        if tickets == 0 {
            self.ticketless.insert(order);
        } else {
            self.tickets.add(order, tickets as i64);
        }
        self.ready_len += 1;
    }

    /// Gives the next order to `task`, first numbering the orders afresh (from 0, in the
    /// same order) once retired ones make up most of them.
    fn next_order(&mut self, task: TaskId) -> usize {
        if self.by_order.len() >= 2 * self.jobs.len() + 64 {
            self.renumber();
        }
        let order = self.by_order.len();
        self.by_order.push(task.0);
        self.tickets.grow(order + 1);
        order
    }

    #[cold]
    fn renumber(&mut self) {
        let tasks: Vec<u32> = self
            .by_order
            .iter()
            .copied()
            .filter(|&t| t != NONE)
            .collect();
        self.by_order = tasks;
        self.tickets = SumTree::default();
        self.tickets.grow(self.by_order.len());
        self.ticketless.clear();
        self.ready_len = 0;
        for order in 0..self.by_order.len() {
            let job = &mut self.jobs[self.by_order[order] as usize];
            job.order = order;
            if job.queued {
                let tickets = job.tickets;
                self.ready(order, tickets);
            }
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
            self.jobs.resize(i + 1, UNADMITTED);
        }
        // A slot admitted again is a new job, last in job order.
        let old = self.jobs[i].order;
        if let Some(slot) = self.by_order.get_mut(old) {
            *slot = NONE;
        }
        let order = self.next_order(task);
        self.jobs[i] = Job {
            tickets: u64::from(params.tickets),
            order,
            queued: false,
        };
    }

    fn enqueue(&mut self, task: TaskId, _why: Requeue, now: Tick) {
        if self
            .jobs
            .get(task.index())
            .is_none_or(|j| j.order == usize::MAX)
        {
            self.admit(task, &TaskParams::default(), now);
        }
        let job = &mut self.jobs[task.index()];
        if std::mem::replace(&mut job.queued, true) {
            return;
        }
        let (order, tickets) = (job.order, job.tickets);
        self.ready(order, tickets);
    }

    fn pick_next(&mut self, _now: Tick) -> Option<TaskId> {
        if self.ready_len == 0 {
            return None;
        }
        let order = match self.tickets.total() {
            0 => self.ticketless.first().copied(),
            total => self.tickets.find(self.draws.next() % total),
        }?;
        let winner = TaskId(self.by_order[order]);
        self.take(winner);
        Some(winner)
    }

    fn slice(&self, _task: TaskId) -> Tick {
        self.quantum
    }

    fn charge(&mut self, _task: TaskId, _ran: Tick, _now: Tick) {}

    fn needs_charge(&self) -> bool {
        false
    }

    fn dequeue(&mut self, task: TaskId) {
        self.take(task);
    }

    fn ready_len(&self) -> usize {
        self.ready_len
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[derive(Clone, Debug)]
    enum Op {
        Admit(u32, u32),
        Enqueue(u32),
        Dequeue(u32),
        Pick,
    }

    fn op() -> impl Strategy<Value = Op> {
        prop_oneof![
            2 => (0..4u32, 0..5u32).prop_map(|(t, n)| Op::Admit(t, n)),
            3 => (0..4u32).prop_map(Op::Enqueue),
            1 => (0..4u32).prop_map(Op::Dequeue),
            3 => Just(Op::Pick),
        ]
    }

    proptest! {
        /// The tree's draws are those of OSTEP's walk through the ready jobs in job order
        /// (the order of admission), also after slots were admitted again so many times
        /// that the orders were numbered afresh.
        #[test]
        fn draws_as_the_walk_in_job_order(
            ops in proptest::collection::vec(op(), 0..600),
            draws in proptest::collection::vec(any::<u64>(), 1..50),
        ) {
            let mut lottery = LotteryPolicy::with_draws(1, draws.clone());
            let mut next_draw = 0;
            // (admission number, tickets, ready) of each admitted slot.
            let mut model: Vec<Option<(u64, u64, bool)>> = vec![None; 4];
            let mut admitted = 0;
            for op in ops {
                match op {
                    Op::Admit(t, n) => {
                        let params = TaskParams { tickets: n, ..TaskParams::default() };
                        lottery.admit(TaskId(t), &params, 0);
                        model[t as usize] = Some((admitted, u64::from(n), false));
                        admitted += 1;
                    }
                    Op::Enqueue(t) => {
                        if let Some(job) = &mut model[t as usize] {
                            lottery.enqueue(TaskId(t), Requeue::Woken, 0);
                            job.2 = true;
                        }
                    }
                    Op::Dequeue(t) => {
                        lottery.dequeue(TaskId(t));
                        if let Some(job) = &mut model[t as usize] {
                            job.2 = false;
                        }
                    }
                    Op::Pick => {
                        let mut ready: Vec<(u64, u64, u32)> = model
                            .iter()
                            .enumerate()
                            .filter_map(|(t, j)| j.filter(|j| j.2).map(|j| (j.0, j.1, t as u32)))
                            .collect();
                        ready.sort();
                        let total: u64 = ready.iter().map(|r| r.1).sum();
                        let want = if ready.is_empty() {
                            None
                        } else if total == 0 {
                            Some(ready[0].2)
                        } else {
                            let mut number = draws[next_draw] % total;
                            next_draw = (next_draw + 1) % draws.len();
                            ready.iter().find(|r| {
                                let wins = number < r.1;
                                number = number.saturating_sub(r.1);
                                wins
                            }).map(|r| r.2)
                        };
                        prop_assert_eq!(lottery.pick_next(0).map(|t| t.0), want);
                        if let Some(job) = want.and_then(|t| model[t as usize].as_mut()) {
                            job.2 = false;
                        }
                    }
                }
                let ready = model.iter().flatten().filter(|j| j.2).count();
                prop_assert_eq!(lottery.ready_len(), ready);
            }
        }
    }
}
