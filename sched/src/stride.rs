//! Stride scheduling: deterministic proportional share by tickets.

use crate::ordered::Ordered;
use crate::policy::{Policy, Requeue, TaskId, TaskParams, Tick};

/// The large number strides divide (OSTEP uses 10,000).
pub const STRIDE_L: u64 = 10_000;

/// Passes are kept in units of 1/65,536 of OSTEP's, so that strides of large ticket
/// counts and parts of a quantum keep their proportions.
const SCALE: u64 = 1 << 16;

#[derive(Clone, Copy, Debug)]
struct Job {
    pass: u64,
    stride: u64,
    order: u64,
}

/// Each task has a stride `L / tickets` and a pass, starting at 0. The ready task with the
/// lowest pass runs for a quantum, ties going to the task admitted first; running adds
/// its stride to its pass, in proportion to the part of the quantum it used. Over time
/// each task gets CPU in proportion to its tickets.
///
/// As in OSTEP, a newcomer starts at pass 0 and a sleeper keeps its pass, so both may
/// run for a while before the others; a task with 0 tickets runs only when no other is
/// ready. A task that yields lets the next ready task run first.
#[derive(Clone, Debug)]
pub struct StridePolicy {
    quantum: Tick,
    ready: Ordered,
    jobs: Vec<Job>,
    admitted: u64,
}

impl StridePolicy {
    /// Stride scheduling with a quantum of `quantum` ticks (at least 1).
    pub fn new(quantum: Tick) -> Self {
        StridePolicy {
            quantum: quantum.max(1),
            ready: Ordered::default(),
            jobs: Vec::new(),
            admitted: 0,
        }
    }

    /// A task's pass value, in OSTEP's units (whole quanta × L / tickets).
    pub fn pass(&self, task: TaskId) -> Option<u64> {
        self.jobs.get(task.index()).map(|job| job.pass / SCALE)
    }
}

impl Policy for StridePolicy {
    fn name(&self) -> &'static str {
        "stride"
    }

    fn admit(&mut self, task: TaskId, params: &TaskParams, _now: Tick) {
        self.ready.take(task);
        let i = task.index();
        if i >= self.jobs.len() {
            let idle = Job {
                pass: 0,
                stride: STRIDE_L * SCALE,
                order: u64::MAX,
            };
            self.jobs.resize(i + 1, idle);
        }
        let stride = match params.tickets {
            0 => u64::MAX / 4,
            tickets => STRIDE_L * SCALE / u64::from(tickets),
        };
        self.jobs[i] = Job {
            pass: 0,
            stride: stride.max(1),
            order: self.admitted,
        };
        self.admitted += 1;
    }

    fn enqueue(&mut self, task: TaskId, why: Requeue, now: Tick) {
        if task.index() >= self.jobs.len() {
            self.admit(task, &TaskParams::default(), now);
        }
        let job = self.jobs[task.index()];
        self.ready.enqueue(task, job.pass, job.order, why);
    }

    fn pick_next(&mut self, _now: Tick) -> Option<TaskId> {
        self.ready.pop()
    }

    fn slice(&self, _task: TaskId) -> Tick {
        self.quantum
    }

    fn charge(&mut self, task: TaskId, ran: Tick, _now: Tick) {
        if let Some(job) = self.jobs.get_mut(task.index()) {
            let add = (u128::from(job.stride) * u128::from(ran) / u128::from(self.quantum))
                .min(u128::from(u64::MAX)) as u64;
            job.pass = job.pass.saturating_add(add);
        }
    }

    fn dequeue(&mut self, task: TaskId) {
        self.ready.take(task);
    }

    fn peek_after(&self, task: TaskId) -> Option<TaskId> {
        self.ready.after(task)
    }

    fn ready_len(&self) -> usize {
        self.ready.len()
    }
}
