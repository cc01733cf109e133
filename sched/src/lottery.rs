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
/// job order. The numbers come from a seeded generator, so one seed gives one schedule
/// (or from a list you give, with [`with_draws`](LotteryPolicy::with_draws)). A task with
/// 0 tickets runs only when no ready task has any. A draw walks the ready tasks, O(n).
#[derive(Clone, Debug)]
pub struct LotteryPolicy {
    quantum: Tick,
    /// Ready tasks in job order.
    ready: Ordered,
    jobs: Vec<Job>,
    admitted: u64,
    total: u64,
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
            ready: Ordered::default(),
            jobs: Vec::new(),
            admitted: 0,
            total: 0,
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
            let mut number = self.draws.next() % self.total;
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

    fn needs_charge(&self) -> bool {
        false
    }

    fn dequeue(&mut self, task: TaskId) {
        self.take(task);
    }

    fn ready_len(&self) -> usize {
        self.ready.len()
    }
}
