//! The multi-level feedback queue, with OSTEP's rules and options.

use crate::lists::TaskLists;
use crate::policy::{Policy, Requeue, TaskId, TaskParams, Tick};

/// How an [`MlfqPolicy`] is set up; queues are numbered from the top (0 runs first).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MlfqConfig {
    /// The quantum of each queue, top first.
    pub quanta: Vec<Tick>,
    /// How many quanta a job may use in each queue before it moves down, top first.
    pub allotments: Vec<u32>,
    /// Every `boost` ticks (at t ≠ 0) every job goes back to the top queue.
    pub boost: Option<Tick>,
    /// A job whose I/O completes goes to the front of its queue, not the back.
    pub io_front: bool,
    /// A job that does I/O gets a fresh quantum and allotment at its level (OSTEP's old,
    /// gameable rules 4a/4b). As in OSTEP's `mlfq.py -S`, a quantum that runs out on the
    /// very tick the job starts its I/O still counts, against the fresh allotment: the job
    /// keeps its level with one quantum of its allotment used, or moves down if the
    /// allotment is one quantum.
    pub io_reset: bool,
}

impl Default for MlfqConfig {
    /// OSTEP's defaults: 3 queues, quantum 10, allotment 1, no boost.
    fn default() -> Self {
        MlfqConfig::uniform(3, 10, 1)
    }
}

impl MlfqConfig {
    /// `queues` queues with the same quantum and allotment.
    pub fn uniform(queues: usize, quantum: Tick, allotment: u32) -> Self {
        let queues = queues.max(1);
        MlfqConfig {
            quanta: vec![quantum.max(1); queues],
            allotments: vec![allotment.max(1); queues],
            boost: None,
            io_front: false,
            io_reset: false,
        }
    }
}

/// A job's account, kept beside its queue links (one cache line holds both).
#[derive(Clone, Copy, Debug)]
struct Job {
    ticks_left: Tick,
    /// Its queue, or [`Job::RETIRED`] for a task not admitted or retired.
    queue: u32,
    allot_left: u32,
}

impl Job {
    const RETIRED: u32 = u32::MAX;

    fn is_live(&self) -> bool {
        self.queue != Job::RETIRED
    }

    fn level(&self) -> usize {
        self.queue as usize
    }
}

impl Default for Job {
    fn default() -> Self {
        Job {
            ticks_left: 0,
            queue: Job::RETIRED,
            allot_left: 0,
        }
    }
}

/// OSTEP's MLFQ (chapter 8). New jobs enter the top queue; the first job of the highest
/// non-empty queue runs. A job that uses up its quantum goes to the back of its queue,
/// and after `allotment` quanta at a level moves down one; a job preempted by a higher
/// queue keeps its place at the head of its queue and the rest of its quantum; a job
/// that does I/O keeps its accounting (unless `io_reset`) and returns to the back of its
/// queue (or the front with `io_front`). Every `boost` ticks all jobs return to the top
/// queue, those of lower queues first, with a fresh quantum and allotment.
///
/// As in OSTEP's simulator, the running job stays at the head of its queue while it
/// runs, so a boost or a preemption leaves it where the rules put it. A boost ends the
/// running job's slice (through [`should_preempt`](Policy::should_preempt)): the ticks
/// it ran before the boost do not count against its fresh quantum.
#[derive(Clone, Debug)]
pub struct MlfqPolicy {
    config: MlfqConfig,
    /// The queues, with each job's account beside its links.
    queues: TaskLists<Job>,
    /// The task handed out by the last pick; it stays in its queue until it is charged.
    running: Option<TaskId>,
    /// A task charged but not yet requeued: if no enqueue follows, it blocked.
    parked: Option<TaskId>,
    /// The queue whose quantum the parked task used up as it was charged, if it did.
    parked_expired: Option<usize>,
    /// A boost came while `running` was on the CPU: its slice ends, and what it ran
    /// before the boost is not charged.
    running_boosted: bool,
    /// Boosts up to this tick are done.
    boosted_to: Tick,
}

impl MlfqPolicy {
    /// An MLFQ with this configuration.
    pub fn new(mut config: MlfqConfig) -> Self {
        // A queue's number must fit a job's account (as no machine has the memory for
        // four billion queues, this only makes the bound plain).
        config.quanta.truncate(Job::RETIRED as usize);
        config.allotments.truncate(Job::RETIRED as usize);
        let levels = config.quanta.len().max(1);
        MlfqPolicy {
            queues: TaskLists::new(levels),
            config,
            running: None,
            parked: None,
            parked_expired: None,
            running_boosted: false,
            boosted_to: 0,
        }
    }

    /// The queue a job is in (0 is the top).
    pub fn queue_of(&self, task: TaskId) -> Option<usize> {
        self.queues
            .data(task)
            .filter(|j| j.is_live())
            .map(Job::level)
    }

    fn levels(&self) -> usize {
        self.config.quanta.len()
    }

    /// The quantum and allotment a job starts with in `queue`.
    fn fresh(&self, queue: usize) -> (Tick, u32) {
        (self.config.quanta[queue], self.config.allotments[queue])
    }

    /// The job `pick_next` would run now: the head of the highest non-empty queue.
    fn head(&self) -> Option<TaskId> {
        (0..self.levels()).find_map(|q| self.queues.front(q))
    }

    /// A parked task that was not requeued has blocked: it leaves its queue. (Nothing is
    /// parked most of the time: that check is inline, the rest is not.)
    #[inline]
    fn settle(&mut self) {
        if self.parked.is_some() {
            self.settle_parked();
        }
    }

    fn settle_parked(&mut self) {
        let expired = self.parked_expired.take();
        if let Some(task) = self.parked.take() {
            self.queues.remove(task);
            if self.config.io_reset
                && let Some(job) = self.queues.data(task).copied()
            {
                let job = self.reset_for_io(job, expired);
                *self.queues.data_mut(task) = job;
            }
        }
    }

    /// `io_reset`: a fresh quantum and allotment at the job's level. If the quantum of
    /// queue `expired` ran out as the job blocked, the reset comes first and that quantum
    /// is then charged to the fresh allotment, as OSTEP's `mlfq.py -S` does.
    fn reset_for_io(&self, mut job: Job, expired: Option<usize>) -> Job {
        let Some(queue) = expired else {
            (job.ticks_left, job.allot_left) = self.fresh(job.level());
            return job;
        };
        let (ticks, allot) = self.fresh(queue);
        job.queue = queue as u32;
        (job.ticks_left, job.allot_left) = (ticks, allot.saturating_sub(1));
        if job.allot_left == 0 {
            job.queue = self.below(queue);
            (job.ticks_left, job.allot_left) = self.fresh(job.level());
        }
        job
    }

    /// The queue one below `queue` (the bottom queue for the bottom one).
    fn below(&self, queue: usize) -> u32 {
        (queue + 1).min(self.levels() - 1) as u32
    }

    /// `enqueue` of the task just picked (preempted before it was charged) or just
    /// charged (preempted, or yielding).
    fn requeue_picked(&mut self, task: TaskId, why: Requeue, now: Tick) {
        if !self.queues.data(task).is_some_and(Job::is_live) {
            self.admit(task, &TaskParams::default(), now);
        }
        if self.running == Some(task) {
            // Requeued without being charged: it stays at the head of its queue, unless
            // it yielded.
            self.running = None;
            self.running_boosted = false;
            if why == Requeue::Yielded {
                let queue = self.queues.data_mut(task).level();
                self.queues.push_back(queue, task);
            }
            return;
        }
        // Charged and back: it is in its queue already, where the rules put it; a yield
        // sends it to the back.
        self.parked = None;
        self.parked_expired = None;
        if self.queues.list_of(task).is_some() && why != Requeue::Yielded {
            return;
        }
        let queue = self.queues.data_mut(task).level();
        if why == Requeue::Woken && self.config.io_front {
            self.queues.push_front(queue, task);
        } else {
            self.queues.push_back(queue, task);
        }
    }

    /// The running `task`, whose record is `job`, used up its quantum: to the back of its
    /// queue, or down a queue once its allotment is used up too.
    fn expire(&mut self, task: TaskId, mut job: Job) {
        self.queues.remove(task);
        self.parked_expired = Some(job.level());
        job.allot_left = job.allot_left.saturating_sub(1);
        if job.allot_left == 0 {
            job.queue = self.below(job.level());
            (job.ticks_left, job.allot_left) = self.fresh(job.level());
        } else {
            job.ticks_left = self.config.quanta[job.level()];
        }
        *self.queues.data_mut(task) = job;
        self.queues.push_back_unlinked(job.level(), task);
    }

    fn boost(&mut self) {
        let top = 0;
        // Lower queues first, each in its order, to the back of the top queue.
        for q in (1..self.levels()).rev() {
            while let Some(task) = self.queues.pop_front(q) {
                self.queues.push_back(top, task);
            }
        }
        let (ticks, allot) = self.fresh(top);
        for job in self.queues.data_iter_mut() {
            if job.is_live() {
                *job = Job {
                    ticks_left: ticks,
                    queue: top as u32,
                    allot_left: allot,
                };
            }
        }
        if self.running.is_some() {
            self.running_boosted = true;
        }
    }
}

impl Policy for MlfqPolicy {
    fn name(&self) -> &'static str {
        "mlfq"
    }

    fn admit(&mut self, task: TaskId, _params: &TaskParams, _now: Tick) {
        self.queues.remove(task);
        let (ticks, allot) = self.fresh(0);
        *self.queues.data_mut(task) = Job {
            ticks_left: ticks,
            queue: 0,
            allot_left: allot,
        };
    }

    fn enqueue(&mut self, task: TaskId, why: Requeue, now: Tick) {
        if self.running == Some(task) || self.parked == Some(task) {
            return self.requeue_picked(task, why, now);
        }
        self.settle();
        // A job woken or new: to its queue, unless it is there already.
        let queue = match self.queues.data(task) {
            Some(job) if job.is_live() => {
                if self.queues.list_of(task).is_some() {
                    return;
                }
                job.level()
            }
            _ => {
                self.admit(task, &TaskParams::default(), now);
                0
            }
        };
        if why == Requeue::Woken && self.config.io_front {
            self.queues.push_front(queue, task);
        } else {
            self.queues.push_back_unlinked(queue, task);
        }
    }

    fn pick_next(&mut self, now: Tick) -> Option<TaskId> {
        self.settle();
        if let Some(unfinished) = self.running.take() {
            // Picked but never charged: it left the ready set when it was picked.
            self.queues.remove(unfinished);
        }
        self.running_boosted = false;
        self.advance(now);
        let task = self.head()?;
        self.running = Some(task);
        Some(task)
    }

    fn slice(&self, task: TaskId) -> Tick {
        self.queues.data(task).map_or(1, |j| j.ticks_left.max(1))
    }

    fn charge(&mut self, task: TaskId, ran: Tick, _now: Tick) {
        // A task charged earlier and never requeued has blocked.
        self.settle();
        let mut ran = ran;
        if self.running == Some(task) {
            self.running = None;
            if std::mem::take(&mut self.running_boosted) {
                // It ran before the boost, which gave it a fresh quantum.
                ran = 0;
            }
        }
        let Some(job) = self.queues.existing_data_mut(task) else {
            return;
        };
        job.ticks_left = job.ticks_left.saturating_sub(ran);
        if ran > 0 && job.ticks_left == 0 {
            let job = *job;
            self.expire(task, job);
        }
        self.parked = Some(task);
    }

    fn dequeue(&mut self, task: TaskId) {
        self.queues.remove(task);
        if self.parked == Some(task) {
            self.parked = None;
            self.parked_expired = None;
        }
        if self.running == Some(task) {
            self.running = None;
            self.running_boosted = false;
        }
    }

    fn retire(&mut self, task: TaskId) {
        self.dequeue(task);
        if self.queues.data(task).is_some() {
            self.queues.data_mut(task).queue = Job::RETIRED;
        }
    }

    fn should_preempt(&self, running: TaskId, _ran: Tick, _now: Tick) -> bool {
        (self.running_boosted && self.running == Some(running))
            || self.head().is_some_and(|head| head != running)
    }

    fn next_event(&self, now: Tick) -> Option<Tick> {
        let boost = self.config.boost?.max(1);
        Some((now / boost + 1) * boost)
    }

    #[inline]
    fn advance(&mut self, now: Tick) {
        let Some(boost) = self.config.boost else {
            return;
        };
        let boost = boost.max(1);
        let due = now / boost * boost;
        if due > self.boosted_to && due != 0 {
            self.boosted_to = due;
            self.boost();
        }
    }

    fn peek_after(&self, task: TaskId) -> Option<TaskId> {
        // The running task stays at the head of its queue, the highest non-empty one.
        let queue = self.queues.list_of(task)?;
        let next = self
            .queues
            .next(task)
            .or_else(|| (queue + 1..self.levels()).find_map(|q| self.queues.front(q)))?;
        self.queues.prefetch(next);
        Some(next)
    }

    fn ready_len(&self) -> usize {
        self.queues.len()
            - usize::from(
                self.running
                    .is_some_and(|r| self.queues.list_of(r).is_some()),
            )
            - usize::from(
                self.parked
                    .is_some_and(|p| self.queues.list_of(p).is_some()),
            )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn peek_after_foresees_the_next_picks() {
        let mut mlfq = MlfqPolicy::new(MlfqConfig::default());
        for t in 0..3 {
            mlfq.admit(TaskId(t), &TaskParams::default(), 0);
            mlfq.enqueue(TaskId(t), Requeue::New, 0);
        }
        assert_eq!(mlfq.pick_next(0), Some(TaskId(0)));
        assert_eq!(mlfq.peek_after(TaskId(0)), Some(TaskId(1)));
        assert_eq!(mlfq.peek_after(TaskId(1)), Some(TaskId(2)));
        assert_eq!(mlfq.peek_after(TaskId(2)), None);
        // 0 uses up its quantum and moves down a queue: it comes after 1 and 2.
        mlfq.charge(TaskId(0), 10, 10);
        mlfq.enqueue(TaskId(0), Requeue::Preempted, 10);
        assert_eq!(mlfq.pick_next(10), Some(TaskId(1)));
        assert_eq!(mlfq.peek_after(TaskId(1)), Some(TaskId(2)));
        assert_eq!(mlfq.peek_after(TaskId(2)), Some(TaskId(0)));
        // 1 blocks: the next pick is the one foreseen.
        mlfq.charge(TaskId(1), 3, 13);
        assert_eq!(mlfq.pick_next(13), Some(TaskId(2)));
        assert_eq!(mlfq.peek_after(TaskId(7)), None, "an unknown task");
    }
}
