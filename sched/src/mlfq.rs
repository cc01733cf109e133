//! The multi-level feedback queue, with OSTEP's rules and options.

use crate::lists::{After, TaskLists};
use crate::policy::{Policy, Requeue, TaskId, TaskParams, Tick};

/// How an [`MlfqPolicy`] is set up; queues are numbered from the top (0 runs first).
///
/// A policy keeps each job's account in 8 bytes, so it takes at most
/// [`MAX_QUEUES`](MlfqConfig::MAX_QUEUES) queues, quanta of at most
/// [`MAX_QUANTUM`](MlfqConfig::MAX_QUANTUM) ticks and allotments of at most
/// [`MAX_ALLOTMENT`](MlfqConfig::MAX_ALLOTMENT) quanta: larger values are cut to those.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MlfqConfig {
    /// The quantum of each queue, top first. None at all counts as one queue of
    /// [`DEFAULT_QUANTUM`](MlfqConfig::DEFAULT_QUANTUM) ticks.
    pub quanta: Vec<Tick>,
    /// How many quanta a job may use in each queue before it moves down, top first (a
    /// queue beyond the list takes the allotment of the one above it).
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
        MlfqConfig::uniform(3, MlfqConfig::DEFAULT_QUANTUM, 1)
    }
}

impl MlfqConfig {
    /// OSTEP's quantum, in ticks: each queue's by default.
    pub const DEFAULT_QUANTUM: Tick = 10;
    /// The most queues a policy takes (more are left out).
    pub const MAX_QUEUES: usize = Job::RETIRED as usize;
    /// The longest quantum a policy takes, in ticks (a longer one is cut to it).
    pub const MAX_QUANTUM: Tick = u32::MAX as Tick;
    /// The largest allotment a policy takes, in quanta (a larger one is cut to it).
    pub const MAX_ALLOTMENT: u32 = u16::MAX as u32;

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

/// A job's account, kept beside its queue links: 8 bytes, with them 16, four jobs to a
/// cache line.
#[derive(Clone, Copy, Debug)]
struct Job {
    ticks_left: u32,
    /// Its queue, or [`Job::RETIRED`] for a task not admitted or retired.
    queue: u16,
    allot_left: u16,
}

impl Job {
    const RETIRED: u16 = u16::MAX;

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

/// What a job's next wake-up does to its account under `io_reset`: set as it is charged,
/// acted on if it blocks and wakes (a preemption or a yield clears it).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
enum Reset {
    /// Nothing: it was not charged since it last ran, or it was requeued.
    #[default]
    None,
    /// A fresh quantum and allotment at its level.
    Fresh,
    /// The quantum of this queue ran out as it blocked: the reset comes first, then that
    /// quantum counts against the fresh allotment.
    Expired(u16),
}

/// OSTEP's MLFQ (chapter 8). New jobs enter the top queue; the first job of the highest
/// non-empty queue runs. A job that uses up its quantum goes to the back of its queue,
/// and after `allotment` quanta at a level moves down one; a job preempted by a higher
/// queue keeps its place at the head of its queue and the rest of its quantum; a job
/// that does I/O keeps its accounting (unless `io_reset`) and returns to the back of its
/// queue (or the front with `io_front`). Every `boost` ticks all jobs return to the top
/// queue, those of lower queues first, with a fresh quantum and allotment.
///
/// The running job leaves its queue when it is picked and, preempted, goes back to the
/// head it came from; as in OSTEP's simulator, where it stays at the head while it runs,
/// a boost moves it with its queue, in its place. A boost ends the running job's slice
/// (through [`should_preempt`](Policy::should_preempt)): the ticks it ran before the
/// boost do not count against its fresh quantum.
#[derive(Clone, Debug)]
pub struct MlfqPolicy {
    /// Each queue's quantum and allotment, as a job's account holds them.
    levels: Levels,
    /// The configuration's options (its quanta and allotments are in `levels`).
    boost: Option<Tick>,
    io_front: bool,
    io_reset: bool,
    /// The queues, with each job's account beside its links.
    queues: TaskLists<Job>,
    /// The task handed out by the last pick, off its queue (unless a boost put it back)
    /// until it is charged or requeued.
    running: Option<TaskId>,
    /// The task charged last: a preemption or a yield requeues it next, or it blocked.
    charged: Option<TaskId>,
    /// Whether `charged` used up its quantum as it was charged.
    charged_expired: bool,
    /// The running task is back on its queue, in its place: a boost moved it with its
    /// queue, or an I/O completion (`io_front`) went ahead of it.
    running_relinked: bool,
    /// A charged task that was back on its queue: if its requeue does not come next, it
    /// blocked, and leaves its queue.
    parked: Option<TaskId>,
    /// A boost came while `running` was on the CPU: its slice ends, and what it ran
    /// before the boost is not charged.
    running_boosted: bool,
    /// Boosts up to this tick are done.
    boosted_to: Tick,
    /// Under `io_reset`, what each job's next wake-up does to its account.
    resets: Vec<Reset>,
}

impl MlfqPolicy {
    /// An MLFQ with this configuration.
    ///
    /// Queues, quanta and allotments beyond what a job's account holds are cut to the
    /// most it holds (see [`MlfqConfig`]).
    pub fn new(config: MlfqConfig) -> Self {
        let levels = Levels::of(&config);
        MlfqPolicy {
            queues: TaskLists::new(levels.count()),
            levels,
            boost: config.boost,
            io_front: config.io_front,
            io_reset: config.io_reset,
            running: None,
            charged: None,
            charged_expired: false,
            running_relinked: false,
            parked: None,
            running_boosted: false,
            boosted_to: 0,
            resets: Vec::new(),
        }
    }

    /// The queue a job is in (0 is the top). Under `io_reset`, a blocked job's reset is
    /// applied as it wakes.
    pub fn queue_of(&self, task: TaskId) -> Option<usize> {
        self.queues
            .data(task)
            .filter(|j| j.is_live())
            .map(Job::level)
    }

    fn levels(&self) -> usize {
        self.levels.count()
    }

    /// The job `pick_next` would run now: the head of the highest non-empty queue.
    fn head(&self) -> Option<TaskId> {
        self.queues.front(self.queues.first_occupied(0)?)
    }

    /// Takes the head of the highest non-empty queue.
    #[inline]
    fn pop_head(&mut self) -> Option<TaskId> {
        let queue = self.queues.first_occupied(0)?;
        self.queues.pop_front(queue)
    }

    /// A parked task that was not requeued has blocked: it leaves its queue. (Nothing is
    /// parked most of the time: that check is inline, the rest is not.)
    #[inline]
    fn settle(&mut self) {
        if self.parked.is_some() {
            self.settle_parked();
        }
    }

    #[cold]
    fn settle_parked(&mut self) {
        if let Some(task) = self.parked.take() {
            self.queues.remove(task);
        }
    }

    /// `task`'s pending reset under `io_reset`.
    fn reset_mut(&mut self, task: TaskId) -> &mut Reset {
        let i = task.index();
        if i >= self.resets.len() {
            self.resets.resize(i + 1, Reset::None);
        }
        &mut self.resets[i]
    }

    /// A job charged, preempted or yielding (`expired`: its quantum ran out as it was
    /// charged), goes back to its queue: to the head it came from if preempted with
    /// quantum left, else to the back.
    fn requeue(&mut self, task: TaskId, why: Requeue, expired: bool, now: Tick) {
        if self.parked == Some(task) {
            self.parked = None;
        }
        if self.io_reset {
            *self.reset_mut(task) = Reset::None;
        }
        if !self.queues.data(task).is_some_and(Job::is_live) {
            self.admit(task, &TaskParams::default(), now);
        }
        let queue = self.queues.data_mut(task).level();
        if self.queues.contains(task) {
            // A boost put it back in its place; a yield still sends it to the back.
            if why == Requeue::Yielded {
                self.queues.push_back(queue, task);
            }
            return;
        }
        if why == Requeue::Preempted && !expired {
            self.queues.push_front(queue, task);
        } else {
            self.queues.push_back_unlinked(queue, task);
        }
    }

    /// Puts the running task back at the head of its queue, where it would be had it
    /// stayed there as it ran, when what comes next depends on its place.
    fn relink_running(&mut self) {
        if let Some(running) = self.running
            && !self.running_relinked
            && let Some(job) = self.queues.data(running).copied()
            && job.is_live()
        {
            self.queues.push_front(job.level(), running);
            self.running_relinked = true;
        }
    }

    fn boost(&mut self) {
        let top = 0;
        // The running job was the head of its queue, and moves with it.
        self.relink_running();
        // Lower queues first, each in its order, to the back of the top queue.
        for q in (1..self.levels()).rev() {
            while let Some(task) = self.queues.pop_front(q) {
                self.queues.push_back(top, task);
            }
        }
        let (ticks, allot) = self.levels.fresh(top);
        for job in self.queues.data_iter_mut() {
            if job.is_live() {
                *job = Job {
                    ticks_left: ticks,
                    queue: top as u16,
                    allot_left: allot,
                };
            }
        }
        // A blocked job's quantum that ran out before the boost no longer counts.
        for reset in &mut self.resets {
            if matches!(reset, Reset::Expired(_)) {
                *reset = Reset::Fresh;
            }
        }
        if self.running.is_some() {
            self.running_boosted = true;
        }
    }
}

/// A queue's quantum and allotment, as a job's account holds them.
#[derive(Clone, Copy, Debug)]
struct Level {
    quantum: u32,
    allotment: u16,
}

/// The queues' quanta and allotments, top first.
#[derive(Clone, Debug)]
struct Levels(Vec<Level>);

impl Levels {
    /// The levels `config` gives, cut to what a job's account holds; a queue with no
    /// allotment of its own takes the one above it, and no quanta at all is one queue of
    /// the default quantum.
    fn of(config: &MlfqConfig) -> Self {
        let mut allotment = 1;
        let default = [MlfqConfig::DEFAULT_QUANTUM];
        let quanta = match config.quanta.as_slice() {
            [] => &default[..],
            quanta => quanta,
        };
        let levels = quanta
            .iter()
            .take(MlfqConfig::MAX_QUEUES)
            .enumerate()
            .map(|(queue, &quantum)| {
                allotment = config.allotments.get(queue).copied().unwrap_or(allotment);
                Level {
                    quantum: u32::try_from(quantum.min(MlfqConfig::MAX_QUANTUM))
                        .unwrap_or(u32::MAX),
                    allotment: u16::try_from(allotment.min(MlfqConfig::MAX_ALLOTMENT))
                        .unwrap_or(u16::MAX),
                }
            })
            .collect();
        Levels(levels)
    }

    fn count(&self) -> usize {
        self.0.len()
    }

    /// The quantum and allotment a job starts with in `queue`.
    #[inline]
    fn fresh(&self, queue: usize) -> (u32, u16) {
        let level = self.0[queue];
        (level.quantum, level.allotment)
    }

    /// The queue one below `queue` (the bottom queue for the bottom one).
    #[inline]
    fn below(&self, queue: usize) -> u16 {
        // Fewer levels than `Job::RETIRED`: the number fits.
        (queue + 1).min(self.0.len() - 1) as u16
    }

    /// `job` used up its quantum: a fresh one, and one below once its allotment is used up.
    #[inline]
    fn expire(&self, job: &mut Job) {
        job.allot_left = job.allot_left.saturating_sub(1);
        if job.allot_left == 0 {
            job.queue = self.below(job.level());
            (job.ticks_left, job.allot_left) = self.fresh(job.level());
        } else {
            job.ticks_left = self.0[job.level()].quantum;
        }
    }

    /// `io_reset`: a fresh quantum and allotment at the job's level. If the quantum of
    /// queue `expired` ran out as the job blocked, the reset comes first and that quantum
    /// is then charged to the fresh allotment, as OSTEP's `mlfq.py -S` does.
    fn reset_for_io(&self, job: &mut Job, reset: Reset) {
        let queue = match reset {
            Reset::None => return,
            Reset::Fresh => {
                (job.ticks_left, job.allot_left) = self.fresh(job.level());
                return;
            }
            Reset::Expired(queue) => queue as usize,
        };
        let (ticks, allot) = self.fresh(queue);
        job.queue = queue as u16;
        (job.ticks_left, job.allot_left) = (ticks, allot.saturating_sub(1));
        if job.allot_left == 0 {
            job.queue = self.below(queue);
            (job.ticks_left, job.allot_left) = self.fresh(job.level());
        }
    }
}

impl Policy for MlfqPolicy {
    fn name(&self) -> &'static str {
        "mlfq"
    }

    fn admit(&mut self, task: TaskId, _params: &TaskParams, _now: Tick) {
        self.queues.remove(task);
        let (ticks, allot) = self.levels.fresh(0);
        *self.queues.data_mut(task) = Job {
            ticks_left: ticks,
            queue: 0,
            allot_left: allot,
        };
        if self.io_reset {
            *self.reset_mut(task) = Reset::None;
        }
    }

    fn enqueue(&mut self, task: TaskId, why: Requeue, now: Tick) {
        if why != Requeue::Woken {
            if self.charged == Some(task) {
                self.charged = None;
                return self.requeue(task, why, self.charged_expired, now);
            }
            if self.running == Some(task) {
                // Requeued without being charged.
                self.running = None;
                self.running_boosted = false;
                self.running_relinked = false;
                return self.requeue(task, why, false, now);
            }
        }
        self.settle();
        // A job woken or new: to its queue, unless it is there already.
        let queue = match self.queues.existing_data_mut(task) {
            Some(job) if job.is_live() => {
                if self.io_reset && why == Requeue::Woken {
                    let reset = self
                        .resets
                        .get_mut(task.index())
                        .map_or(Reset::None, std::mem::take);
                    self.levels.reset_for_io(job, reset);
                }
                let queue = job.level();
                if self.queues.contains(task) {
                    return;
                }
                queue
            }
            _ => {
                self.admit(task, &TaskParams::default(), now);
                0
            }
        };
        if why == Requeue::Woken && self.io_front {
            if self
                .running
                .is_some_and(|r| self.queue_of(r) == Some(queue))
            {
                // It goes ahead of the running job, which must keep its place behind it.
                self.relink_running();
            }
            self.queues.push_front(queue, task);
        } else {
            self.queues.push_back_unlinked(queue, task);
        }
    }

    fn pick_next(&mut self, now: Tick) -> Option<TaskId> {
        self.settle();
        self.charged = None;
        if let Some(unfinished) = self.running.take() {
            // Picked but never charged nor requeued: it left the ready set when it was
            // picked (and a boost may have put it back on a queue).
            self.queues.remove(unfinished);
        }
        self.running_boosted = false;
        self.running_relinked = false;
        self.advance(now);
        let task = self.pop_head()?;
        self.running = Some(task);
        Some(task)
    }

    fn slice(&self, task: TaskId) -> Tick {
        self.queues
            .data(task)
            .map_or(1, |j| Tick::from(j.ticks_left.max(1)))
    }

    fn charge(&mut self, task: TaskId, ran: Tick, _now: Tick) {
        // A task charged earlier and never requeued has blocked.
        self.settle();
        let mut ran = ran;
        let mut relinked = false;
        if self.running == Some(task) {
            self.running = None;
            relinked = std::mem::take(&mut self.running_relinked);
            if std::mem::take(&mut self.running_boosted) {
                // It ran before the boost, which gave it a fresh quantum.
                ran = 0;
            }
        }
        let Some(job) = self.queues.existing_data_mut(task) else {
            return;
        };
        let queue = job.queue;
        job.ticks_left = job
            .ticks_left
            .saturating_sub(u32::try_from(ran).unwrap_or(u32::MAX));
        let expired = ran > 0 && job.ticks_left == 0;
        if expired {
            self.levels.expire(job);
        }
        let level = job.level();
        self.charged = Some(task);
        self.charged_expired = expired;
        if self.io_reset {
            *self.reset_mut(task) = if expired {
                Reset::Expired(queue)
            } else {
                Reset::Fresh
            };
        }
        if relinked {
            if expired {
                self.queues.remove(task);
                self.queues.push_back_unlinked(level, task);
            }
            self.parked = Some(task);
        }
    }

    fn dequeue(&mut self, task: TaskId) {
        self.queues.remove(task);
        if self.parked == Some(task) {
            self.parked = None;
        }
        if self.charged == Some(task) {
            self.charged = None;
        }
        if self.running == Some(task) {
            self.running = None;
            self.running_boosted = false;
            self.running_relinked = false;
        }
        if let Some(reset) = self.resets.get_mut(task.index()) {
            *reset = Reset::None;
        }
    }

    fn retire(&mut self, task: TaskId) {
        self.dequeue(task);
        if let Some(job) = self.queues.existing_data_mut(task) {
            job.queue = Job::RETIRED;
        }
    }

    fn should_preempt(&self, running: TaskId, _ran: Tick, _now: Tick) -> bool {
        if self.running == Some(running) {
            if self.running_boosted {
                return true;
            }
            if self.running_relinked {
                return self.head().is_some_and(|head| head != running);
            }
        }
        // A job in a higher queue is ready.
        let level = self
            .queues
            .data(running)
            .filter(|j| j.is_live())
            .map_or(self.levels(), Job::level);
        self.queues.occupied_before(level)
    }

    fn next_event(&self, now: Tick) -> Option<Tick> {
        let boost = self.boost?.max(1);
        Some((now / boost + 1) * boost)
    }

    #[inline]
    fn advance(&mut self, now: Tick) {
        let Some(boost) = self.boost else {
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
        let next = match self.queues.after(task) {
            Some(After::Task(next)) => next,
            Some(After::End(queue)) => self.queues.front(self.queues.first_occupied(queue + 1)?)?,
            // The running job is off its queue: after it comes the head.
            None if self.running == Some(task) => self.head()?,
            None => return None,
        };
        self.queues.prefetch(next);
        Some(next)
    }

    fn ready_len(&self) -> usize {
        let linked =
            |task: Option<TaskId>| usize::from(task.is_some_and(|t| self.queues.contains(t)));
        self.queues.len() - linked(self.running) - linked(self.parked)
    }

    fn reserve(&mut self, tasks: usize) {
        self.queues.reserve(tasks);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_job_account_is_8_bytes() {
        assert_eq!(std::mem::size_of::<Job>(), 8);
    }

    #[test]
    fn a_job_far_down_many_queues_is_still_picked_and_outranked() {
        // A hundred queues of one tick each: the job moves down one a tick.
        let mut mlfq = MlfqPolicy::new(MlfqConfig::uniform(100, 1, 1));
        mlfq.admit(TaskId(0), &TaskParams::default(), 0);
        mlfq.enqueue(TaskId(0), Requeue::New, 0);
        for now in 0..70 {
            assert_eq!(mlfq.pick_next(now), Some(TaskId(0)), "tick {now}");
            mlfq.charge(TaskId(0), 1, now + 1);
            mlfq.enqueue(TaskId(0), Requeue::Preempted, now + 1);
        }
        assert_eq!(mlfq.queue_of(TaskId(0)), Some(70));
        assert_eq!(mlfq.pick_next(70), Some(TaskId(0)));
        assert!(!mlfq.should_preempt(TaskId(0), 0, 70));
        // A new job enters the top queue: it outranks the one in queue 70, and runs next.
        mlfq.admit(TaskId(1), &TaskParams::default(), 70);
        mlfq.enqueue(TaskId(1), Requeue::New, 70);
        assert!(mlfq.should_preempt(TaskId(0), 0, 70));
        mlfq.charge(TaskId(0), 0, 70);
        mlfq.enqueue(TaskId(0), Requeue::Preempted, 70);
        assert_eq!(mlfq.pick_next(70), Some(TaskId(1)));
        assert_eq!(mlfq.peek_after(TaskId(1)), Some(TaskId(0)));
    }

    #[test]
    fn no_quanta_is_one_queue_of_the_default_quantum() {
        let config = MlfqConfig {
            quanta: Vec::new(),
            allotments: Vec::new(),
            ..MlfqConfig::default()
        };
        let mut mlfq = MlfqPolicy::new(config);
        for t in 0..2 {
            mlfq.admit(TaskId(t), &TaskParams::default(), 0);
            mlfq.enqueue(TaskId(t), Requeue::New, 0);
        }
        let first = mlfq.pick_next(0).expect("two jobs are ready");
        assert_eq!(first, TaskId(0));
        assert_eq!(mlfq.slice(first), 10);
        mlfq.charge(first, 10, 10);
        mlfq.enqueue(first, Requeue::Preempted, 10);
        // One queue: the job stays in it, behind the other.
        assert_eq!(mlfq.queue_of(first), Some(0));
        assert_eq!(mlfq.pick_next(10), Some(TaskId(1)));
    }

    #[test]
    fn quanta_are_cut_to_the_account_and_missing_allotments_repeat() {
        let mut mlfq = MlfqPolicy::new(MlfqConfig {
            quanta: vec![5_000_000_000, 4, 4],
            allotments: vec![2],
            ..MlfqConfig::default()
        });
        let job = TaskId(0);
        mlfq.admit(job, &TaskParams::default(), 0);
        mlfq.enqueue(job, Requeue::New, 0);
        let mut now = 0;
        let mut run = |mlfq: &mut MlfqPolicy| {
            assert_eq!(mlfq.pick_next(now), Some(job));
            let slice = mlfq.slice(job);
            now += slice;
            mlfq.charge(job, slice, now);
            mlfq.enqueue(job, Requeue::Preempted, now);
            slice
        };
        // Two quanta of u32::MAX ticks in the top queue, then two of 4 in the next (its
        // allotment is the top queue's), then the bottom.
        assert_eq!(run(&mut mlfq), Tick::from(u32::MAX));
        assert_eq!(mlfq.queue_of(job), Some(0));
        assert_eq!(run(&mut mlfq), Tick::from(u32::MAX));
        assert_eq!(mlfq.queue_of(job), Some(1));
        assert_eq!(run(&mut mlfq), 4);
        assert_eq!(mlfq.queue_of(job), Some(1));
        assert_eq!(run(&mut mlfq), 4);
        assert_eq!(mlfq.queue_of(job), Some(2));
    }

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

    fn admitted(config: MlfqConfig, tasks: u32) -> MlfqPolicy {
        let mut mlfq = MlfqPolicy::new(config);
        for t in 0..tasks {
            mlfq.admit(TaskId(t), &TaskParams::default(), 0);
            mlfq.enqueue(TaskId(t), Requeue::New, 0);
        }
        mlfq
    }

    #[test]
    fn io_reset_gives_a_fresh_quantum_even_when_nothing_ran_meanwhile() {
        // One job, quantum 10: bursts of 4 between I/Os. With the reset it never uses
        // up a quantum; without it, the third burst does (4 + 4 + 2) and it moves down.
        for (io_reset, level) in [(true, 0), (false, 1)] {
            let config = MlfqConfig {
                io_reset,
                ..MlfqConfig::default()
            };
            let mut mlfq = admitted(config, 1);
            let mut now = 0;
            for _ in 0..3 {
                assert_eq!(mlfq.pick_next(now), Some(TaskId(0)));
                let ran = mlfq.slice(TaskId(0)).min(4);
                now += ran;
                mlfq.charge(TaskId(0), ran, now);
                if ran < 4 {
                    // The quantum ran out mid-burst: preempted, it goes on.
                    mlfq.enqueue(TaskId(0), Requeue::Preempted, now);
                    assert_eq!(mlfq.pick_next(now), Some(TaskId(0)));
                    now += 4 - ran;
                    mlfq.charge(TaskId(0), 4 - ran, now);
                }
                // It blocks for its I/O; nothing else runs until it is back.
                now += 5;
                mlfq.enqueue(TaskId(0), Requeue::Woken, now);
            }
            assert_eq!(mlfq.queue_of(TaskId(0)), Some(level), "io_reset {io_reset}");
        }
    }

    #[test]
    fn an_io_completion_at_the_front_goes_ahead_of_the_running_job() {
        let config = MlfqConfig {
            io_front: true,
            ..MlfqConfig::default()
        };
        let mut mlfq = admitted(config, 3);
        // 0 runs and blocks; 1 runs; 2 waits behind it.
        assert_eq!(mlfq.pick_next(0), Some(TaskId(0)));
        mlfq.charge(TaskId(0), 2, 2);
        assert_eq!(mlfq.pick_next(2), Some(TaskId(1)));
        assert!(!mlfq.should_preempt(TaskId(1), 0, 2));
        // 0's I/O completes: it goes to the front of the queue, ahead of 1, which is
        // preempted and keeps its place, ahead of 2.
        mlfq.enqueue(TaskId(0), Requeue::Woken, 7);
        assert!(mlfq.should_preempt(TaskId(1), 5, 7));
        mlfq.charge(TaskId(1), 5, 7);
        mlfq.enqueue(TaskId(1), Requeue::Preempted, 7);
        assert_eq!(mlfq.ready_len(), 3);
        let order: Vec<_> = (0..3)
            .map(|_| {
                let task = mlfq.pick_next(7).expect("a ready job");
                mlfq.charge(task, 1, 7);
                task.0
            })
            .collect();
        assert_eq!(order, [0, 1, 2]);
    }

    #[test]
    fn a_boost_moves_the_running_job_with_its_queue_in_its_place() {
        let config = MlfqConfig {
            boost: Some(100),
            ..MlfqConfig::default()
        };
        let mut mlfq = admitted(config, 3);
        // All three use up their quantum and move to queue 1, in order.
        for t in 0..3 {
            assert_eq!(mlfq.pick_next(10 * t), Some(TaskId(t as u32)));
            mlfq.charge(TaskId(t as u32), 10, 10 * t + 10);
            mlfq.enqueue(TaskId(t as u32), Requeue::Preempted, 10 * t + 10);
        }
        // 3 arrives late at the top and runs; 0 is next in queue 1.
        mlfq.admit(TaskId(3), &TaskParams::default(), 30);
        mlfq.enqueue(TaskId(3), Requeue::New, 30);
        assert_eq!(mlfq.pick_next(30), Some(TaskId(3)));
        mlfq.charge(TaskId(3), 4, 34);
        assert_eq!(mlfq.pick_next(34), Some(TaskId(0)));
        // The boost at 100 comes while 0 runs: queue 1 (0 at its head) goes to the back
        // of the top queue, after 3 (which blocked, and is on no queue).
        mlfq.enqueue(TaskId(3), Requeue::Woken, 40);
        mlfq.advance(100);
        assert!(mlfq.should_preempt(TaskId(0), 66, 100));
        mlfq.charge(TaskId(0), 66, 100);
        mlfq.enqueue(TaskId(0), Requeue::Preempted, 100);
        let order: Vec<_> = (0..4)
            .map(|_| {
                let task = mlfq.pick_next(100).expect("a ready job");
                assert_eq!(mlfq.queue_of(task), Some(0));
                mlfq.charge(task, 1, 100);
                task.0
            })
            .collect();
        assert_eq!(order, [3, 0, 1, 2]);
        assert_eq!(mlfq.ready_len(), 0);
    }
}
