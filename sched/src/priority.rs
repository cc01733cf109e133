//! The default policy: 40 nice levels, round-robin within a level, aging.

use crate::policy::{Policy, Requeue, TaskId, TaskParams, Tick, nice_level};
use crate::prefetch::prefetch;

const LEVELS: u64 = 40;
/// Buckets in the ring: a power of two above the 40 keys a queued task can be ahead of
/// the current epoch.
const RING: u64 = 64;
const NIL: u32 = u32::MAX;

/// What the policy keeps per task, its level and its place in its FIFO: 16 bytes, so a
/// million fit in 16 MiB, and a pick and the requeue that follows touch one cache line.
#[derive(Clone, Copy, Debug)]
struct Task {
    /// The task before it; meaningless while it is the head (a pop then writes nothing
    /// but the head's own entry).
    prev: u32,
    /// The task after it, `NIL` for the tail; `UNQUEUED` while it is not queued.
    next: u32,
    /// While queued: the low 32 bits of its key, its level + the aging epoch it was
    /// queued in, or more (renicing keeps it at the epoch at least; an overdue key may be
    /// raised by `renormalize_overdue`). [`PriorityPolicy::key_of`] gives the whole key.
    key: u32,
    /// Its level, given by its nice value.
    base: u8,
}

/// [`Task::next`] of a task that is not queued; no task has this id (a table that large
/// would take 64 GiB).
const UNQUEUED: u32 = NIL - 1;
/// The last epoch, so that keys (epoch + level) and the next epoch's first tick never
/// overflow: with an aging interval of 1 tick, the clock ages nothing more past it.
const MAX_EPOCH: u64 = u64::MAX - 2 * RING;
/// How far the oldest overdue key may fall behind the epoch before the overdue keys are
/// raised: well below 2^32, so that 32 bits of a key tell it (small under test, so that
/// tests reach it).
const RENORMALIZE_LAG: u64 = if cfg!(test) { 3 * RING } else { 1 << 30 };

impl Task {
    #[inline(always)]
    fn base(&self) -> u64 {
        u64::from(self.base)
    }

    #[inline(always)]
    fn is_queued(&self) -> bool {
        self.next != UNQUEUED
    }
}

const _: () = assert!(std::mem::size_of::<Task>() == 16);

/// A task not queued, at nice 0's level until it is admitted.
const IDLE: Task = Task {
    prev: NIL,
    next: UNQUEUED,
    key: 0,
    base: DEFAULT_LEVEL,
};

/// The level of nice 0.
const DEFAULT_LEVEL: u8 = 20;

#[derive(Clone, Copy, Debug)]
struct Ends {
    head: u32,
    tail: u32,
}

const EMPTY: Ends = Ends {
    head: NIL,
    tail: NIL,
};

/// Priority scheduling with round-robin inside each of the 40 nice levels, and aging.
///
/// * Level 0 is nice -20 (runs first), level 39 is nice 19.
/// * **Aging.** Time is cut into epochs of `aging_interval` (A) ticks. A task queued in
///   epoch e gets the key `level + e`; the ready task with the lowest key runs next, ties
///   in the order they were queued. So a task that has waited k·A ticks competes as if it
///   were k levels more favoured, and when it runs and queues again it is back at its own
///   level. Tasks of one level queue FIFO, which makes a level round-robin.
/// * **O(1).** Keys not yet overdue lie within 40 of the current epoch, so those tasks sit
///   in a ring of 64 FIFO buckets with a bitmap of non-empty ones; tasks whose key fell
///   behind the epoch are moved, a whole bucket at a time, to one FIFO of overdue tasks,
///   which stays in key order. `pick_next` is a bitmap scan and a pop, whatever the
///   number of tasks.
/// * **16 bytes a task.** A task's entry holds its links, its level and the low 32 bits of
///   its key, so a pick and the requeue that follows touch one cache line. The whole key
///   is the one with those bits just below epoch + 40; so that this holds for overdue
///   keys too, they are raised to 64 behind the epoch once the oldest lags 2^30 epochs
///   (a task overdue by 40 epochs or by more is treated alike). That walk of the overdue
///   FIFO comes at most once every 2^30 epochs. The table grows through
///   [`huge_pages::reserve`](crate::huge_pages::reserve): with a million tasks, picks
///   that jump around its 16 MiB would wait on TLB misses in small pages.
/// * **Bound.** With quantum Q and n ready tasks, a task that becomes ready at level b is
///   overdue after at most (b + 1)·A ticks, and then at most n − 1 tasks run before it:
///   it waits at most `(b + 1)·A + n·Q` ticks under any load, provided the kernel picks
///   at least every Q ticks (it does while processes compute or block; see
///   [`PriorityPolicy::wait_bound`]).
/// * Without aging, the key is just the level: strict priority order.
/// * A task that becomes ready while a task it would run ahead of is on the CPU preempts
///   it ([`Policy::should_preempt`]).
#[derive(Clone, Debug)]
pub struct PriorityPolicy {
    quantum: Tick,
    aging_interval: Option<Tick>,
    tasks: Vec<Task>,
    buckets: [Ends; RING as usize],
    /// Bit `k % 64` set when the bucket of key `k` is non-empty.
    occupied: u64,
    overdue: Ends,
    /// The current aging epoch: keys below it are overdue.
    epoch: u64,
    /// The first tick of the next epoch (`Tick::MAX` without aging).
    next_epoch_at: Tick,
    ready: usize,
}

/// The default slice, in ticks.
pub const DEFAULT_QUANTUM: Tick = 10;
/// The default aging interval, in ticks.
pub const DEFAULT_AGING_INTERVAL: Tick = 100;

impl Default for PriorityPolicy {
    fn default() -> Self {
        PriorityPolicy::new(DEFAULT_QUANTUM)
    }
}

impl PriorityPolicy {
    /// A policy with the given quantum (at least 1 tick) and the default aging interval.
    pub fn new(quantum: Tick) -> Self {
        PriorityPolicy {
            quantum: quantum.max(1),
            aging_interval: Some(DEFAULT_AGING_INTERVAL),
            tasks: Vec::new(),
            buckets: [EMPTY; RING as usize],
            occupied: 0,
            overdue: EMPTY,
            epoch: 0,
            next_epoch_at: DEFAULT_AGING_INTERVAL,
            ready: 0,
        }
    }

    /// Sets the aging interval (at least 1 tick), or turns aging off with `None`, which
    /// gives strict priority order (and lets a low-priority task starve). Call it before
    /// any other call.
    pub fn with_aging(mut self, interval: Option<Tick>) -> Self {
        self.aging_interval = interval.map(|a| a.max(1));
        self.next_epoch_at = self.aging_interval.unwrap_or(Tick::MAX);
        self
    }

    /// The quantum in ticks.
    pub fn quantum(&self) -> Tick {
        self.quantum
    }

    /// The aging interval in ticks, if aging is on.
    pub fn aging_interval(&self) -> Option<Tick> {
        self.aging_interval
    }

    /// The longest a task that becomes ready with nice value `nice` waits before it runs,
    /// while at most `ready` tasks (itself included) are ready: `(b + 1)·A + ready·Q` for
    /// level b. `None` when aging is off (the wait is unbounded).
    pub fn wait_bound(&self, nice: i8, ready: usize) -> Option<Tick> {
        let aging = self.aging_interval?;
        let level = nice_level(nice) as Tick;
        Some((level + 1) * aging + ready as Tick * self.quantum)
    }

    /// The level a ready task competes at now: its nice level less the epochs it waited
    /// (0 at best).
    pub fn effective_level(&self, task: TaskId) -> Option<usize> {
        let t = self.tasks.get(task.index())?;
        t.is_queued()
            .then(|| self.key_of(t).saturating_sub(self.epoch).min(LEVELS - 1) as usize)
    }

    /// The whole key of a queued task, from its low 32 bits: the one key with those bits
    /// at most 40 above the epoch.
    #[inline]
    fn key_of(&self, t: &Task) -> u64 {
        let top = self.epoch + LEVELS;
        top - u64::from((top as u32).wrapping_sub(t.key))
    }

    /// The epoch of `now`, never below the current one (the aging interval may have
    /// changed) nor above [`MAX_EPOCH`].
    fn epoch_of(&self, now: Tick) -> u64 {
        match self.aging_interval {
            Some(a) => (now / a).clamp(self.epoch, MAX_EPOCH),
            None => 0,
        }
    }

    fn is_queued(&self, task: TaskId) -> bool {
        self.tasks.get(task.index()).is_some_and(Task::is_queued)
    }

    /// Moves the buckets whose keys fell behind the epoch of `now` to the overdue FIFO,
    /// lowest key first (and raises the overdue keys when the oldest lags too far).
    #[inline]
    fn advance(&mut self, now: Tick) {
        if now < self.next_epoch_at {
            return;
        }
        self.advance_to(now);
    }

    #[cold]
    fn advance_to(&mut self, now: Tick) {
        let epoch = self.epoch_of(now);
        let Some(aging) = self.aging_interval else {
            return;
        };
        self.next_epoch_at = (epoch + 1).saturating_mul(aging);
        let behind = epoch - self.epoch;
        let mut bits = self.occupied.rotate_right((self.epoch % RING) as u32);
        if behind < RING {
            bits &= (1u64 << behind) - 1;
        }
        while bits != 0 {
            let offset = bits.trailing_zeros() as u64;
            bits &= bits - 1;
            let bucket = ((self.epoch + offset) % RING) as usize;
            self.splice_overdue(bucket);
        }
        if self.overdue.head != NIL {
            // Overdue keys are in order: the head's is the oldest.
            let oldest = self.key_of(&self.tasks[self.overdue.head as usize]);
            if epoch - oldest >= RENORMALIZE_LAG {
                self.renormalize_overdue(epoch);
            }
        }
        self.epoch = epoch;
    }

    /// Raises the keys of overdue tasks to `epoch - RING` at least, before the epoch
    /// becomes `epoch`, so that their low 32 bits keep telling the whole key. A task
    /// overdue by 40 epochs or more is no different from one overdue by more: it is
    /// picked in its turn, competes at level 0, and renicing it leaves it at the epoch.
    #[cold]
    fn renormalize_overdue(&mut self, epoch: u64) {
        let floor = epoch - RING;
        let mut at = self.overdue.head;
        while at != NIL {
            let key = self.key_of(&self.tasks[at as usize]).max(floor);
            let t = &mut self.tasks[at as usize];
            t.key = key as u32;
            at = t.next;
        }
    }

    fn splice_overdue(&mut self, bucket: usize) {
        let ends = std::mem::replace(&mut self.buckets[bucket], EMPTY);
        self.occupied &= !(1 << bucket);
        if self.overdue.tail == NIL {
            self.overdue = ends;
        } else {
            self.tasks[self.overdue.tail as usize].next = ends.head;
            self.tasks[ends.head as usize].prev = self.overdue.tail;
            self.overdue.tail = ends.tail;
        }
    }

    /// The FIFO a queued key lives in: `None` for the overdue one, else its bucket.
    #[inline]
    fn bucket_of(&self, key: u64) -> Option<usize> {
        (key >= self.epoch).then_some((key % RING) as usize)
    }

    #[inline]
    fn ends_mut(&mut self, bucket: Option<usize>) -> &mut Ends {
        match bucket {
            Some(b) => &mut self.buckets[b],
            None => &mut self.overdue,
        }
    }

    /// Makes room for the task of index `i`.
    #[cold]
    #[inline(never)]
    fn grow_to(&mut self, i: usize) {
        let len = self.tasks.len().max(i + 1);
        let more = len - self.tasks.len();
        crate::huge_pages::reserve(&mut self.tasks, more);
        self.tasks.resize(len, IDLE);
    }

    /// Queues a task never admitted, with the default parameters.
    #[cold]
    #[inline(never)]
    fn enqueue_unknown(&mut self, task: TaskId, now: Tick) {
        self.admit(task, &TaskParams::default(), now);
        self.push(task, now);
    }

    /// Queues a task that is not queued, with the key of its level and the epoch of `now`.
    #[inline]
    fn push(&mut self, task: TaskId, now: Tick) {
        self.advance(now);
        // `advance` made the epoch that of `now`.
        let key = self.tasks[task.index()].base() + self.epoch;
        self.push_keyed(task, key);
    }

    /// Queues a task with `key`, which must lie in `epoch..epoch + 40`.
    #[inline]
    fn push_keyed(&mut self, task: TaskId, key: u64) {
        let id = task.0;
        let bucket = (key % RING) as usize;
        let tail = self.buckets[bucket].tail;
        {
            let t = &mut self.tasks[task.index()];
            t.key = key as u32;
            t.prev = tail;
            t.next = NIL;
        }
        if tail == NIL {
            self.buckets[bucket].head = id;
        } else {
            self.tasks[tail as usize].next = id;
        }
        self.buckets[bucket].tail = id;
        self.occupied |= 1 << bucket;
        self.ready += 1;
    }

    /// Takes a queued task out of its FIFO.
    #[inline]
    fn unlink(&mut self, task: TaskId) {
        // Field by field: a whole-struct copy would read back the narrower stores that
        // `push` made, and stall.
        let (prev, next, key) = {
            let t = &self.tasks[task.index()];
            (t.prev, t.next, self.key_of(t))
        };
        let bucket = self.bucket_of(key);
        let ends = *self.ends_mut(bucket);
        if ends.head == task.0 {
            // The new head's `prev` goes stale, unread.
            self.ends_mut(bucket).head = next;
        } else {
            self.tasks[prev as usize].next = next;
            if next != NIL {
                self.tasks[next as usize].prev = prev;
            }
        }
        if next == NIL {
            self.ends_mut(bucket).tail = if ends.head == task.0 { NIL } else { prev };
        }
        if let Some(b) = bucket
            && self.buckets[b].head == NIL
        {
            self.occupied &= !(1 << b);
        }
        self.tasks[task.index()].next = UNQUEUED;
        self.ready -= 1;
    }

    /// The ready task that runs next, without taking it.
    #[inline]
    fn peek(&self) -> Option<TaskId> {
        if self.overdue.head != NIL {
            return Some(TaskId(self.overdue.head));
        }
        let bucket = self.first_bucket()?;
        Some(TaskId(self.buckets[bucket].head))
    }

    /// The non-empty bucket of the lowest key.
    #[inline]
    fn first_bucket(&self) -> Option<usize> {
        if self.occupied == 0 {
            return None;
        }
        let offset = self
            .occupied
            .rotate_right((self.epoch % RING) as u32)
            .trailing_zeros() as u64;
        Some(((self.epoch + offset) % RING) as usize)
    }

    /// Takes the head of a FIFO: only the head's own entry is written (and the next one's
    /// link read).
    #[inline]
    fn pop_head(tasks: &mut [Task], ends: &mut Ends) -> TaskId {
        let head = ends.head;
        let entry = &mut tasks[head as usize];
        let next = entry.next;
        entry.next = UNQUEUED;
        ends.head = next;
        if next == NIL {
            ends.tail = NIL;
        } else {
            // Two ahead: the last pop asked for the next entry, so its link is most
            // likely in the cache already; asking for the one after gives the memory one
            // more pick of time (with a million tasks, about 5% off a pick). The link is
            // read only where the prefetch means something.
            #[cfg(target_arch = "x86_64")]
            prefetch(tasks, tasks[next as usize].next as usize);
        }
        TaskId(head)
    }
}

impl Policy for PriorityPolicy {
    fn name(&self) -> &'static str {
        "priority"
    }

    fn admit(&mut self, task: TaskId, params: &TaskParams, _now: Tick) {
        let i = task.index();
        if i >= self.tasks.len() {
            self.grow_to(i);
        }
        self.tasks[i] = IDLE;
        self.tasks[i].base = nice_level(params.nice) as u8;
    }

    #[inline]
    fn enqueue(&mut self, task: TaskId, _why: Requeue, now: Tick) {
        match self.tasks.get(task.index()) {
            // Already ready: a second enqueue changes nothing.
            Some(t) if t.is_queued() => {}
            Some(_) => self.push(task, now),
            None => self.enqueue_unknown(task, now),
        }
    }

    #[inline]
    fn pick_next(&mut self, now: Tick) -> Option<TaskId> {
        self.advance(now);
        let task = if self.overdue.head != NIL {
            Self::pop_head(&mut self.tasks, &mut self.overdue)
        } else {
            let bucket = self.first_bucket()?;
            let task = Self::pop_head(&mut self.tasks, &mut self.buckets[bucket]);
            if self.buckets[bucket].head == NIL {
                self.occupied &= !(1 << bucket);
            }
            task
        };
        self.ready -= 1;
        Some(task)
    }

    #[inline]
    fn slice(&self, _task: TaskId) -> Tick {
        self.quantum
    }

    #[inline]
    fn charge(&mut self, _task: TaskId, _ran: Tick, _now: Tick) {}

    fn needs_charge(&self) -> bool {
        false
    }

    fn dequeue(&mut self, task: TaskId) {
        if self.is_queued(task) {
            self.unlink(task);
        }
    }

    /// A ready task keeps the credit it earned waiting: its key becomes the new level
    /// plus the epoch it was queued in (at least the current epoch), so renicing cannot
    /// reset its aging.
    fn set_nice(&mut self, task: TaskId, nice: i8, now: Tick) {
        let Some(t) = self.tasks.get(task.index()) else {
            return;
        };
        let old = t.base();
        let new = nice_level(nice) as u8;
        if u64::from(new) == old {
            return;
        }
        self.tasks[task.index()].base = new;
        if self.is_queued(task) {
            let queued_in = self.key_of(&self.tasks[task.index()]) - old;
            self.unlink(task);
            self.advance(now);
            let key = (u64::from(new) + queued_in).max(self.epoch);
            self.push_keyed(task, key);
        }
    }

    fn retire(&mut self, task: TaskId) {
        self.dequeue(task);
    }

    fn should_preempt(&self, running: TaskId, _ran: Tick, now: Tick) -> bool {
        let Some(best) = self.peek() else {
            return false;
        };
        let base = self.tasks.get(running.index()).map_or(0, Task::base);
        let best = &self.tasks[best.index()];
        // Would the best ready task run ahead of the running one, were it to queue now?
        self.key_of(best) < base + self.epoch_of(now).max(self.epoch)
    }

    fn peek_after(&self, task: TaskId) -> Option<TaskId> {
        let next = match self.tasks.get(task.index()) {
            // A task this method returned: the one behind it in its FIFO, if any.
            Some(t) if t.is_queued() => (t.next != NIL).then_some(TaskId(t.next)),
            // The running task has left its FIFO: the next pick is the head.
            _ => self.peek(),
        }?;
        prefetch(&self.tasks, next.index());
        Some(next)
    }

    fn ready_len(&self) -> usize {
        self.ready
    }

    fn reserve(&mut self, tasks: usize) {
        if tasks > self.tasks.len() {
            self.grow_to(tasks - 1);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn admit_all(policy: &mut PriorityPolicy, nices: &[i8]) {
        for (i, &nice) in nices.iter().enumerate() {
            policy.admit(TaskId(i as u32), &TaskParams::with_nice(nice), 0);
            policy.enqueue(TaskId(i as u32), Requeue::New, 0);
        }
    }

    #[test]
    fn lower_nice_runs_first_and_ties_go_in_order() {
        let mut p = PriorityPolicy::new(5).with_aging(None);
        admit_all(&mut p, &[0, -3, 0, 19, -3]);
        let order: Vec<u32> = std::iter::from_fn(|| p.pick_next(0)).map(|t| t.0).collect();
        assert_eq!(order, vec![1, 4, 0, 2, 3]);
    }

    #[test]
    fn round_robin_within_a_level() {
        let mut p = PriorityPolicy::new(5);
        admit_all(&mut p, &[0, 0, 0]);
        let mut order = Vec::new();
        for now in 0..6 {
            let t = p.pick_next(now).unwrap();
            order.push(t.0);
            p.charge(t, 5, now);
            p.enqueue(t, Requeue::Preempted, now);
        }
        assert_eq!(order, vec![0, 1, 2, 0, 1, 2]);
    }

    #[test]
    fn set_nice_moves_a_ready_task() {
        let mut p = PriorityPolicy::new(5).with_aging(None);
        admit_all(&mut p, &[0, 0]);
        p.set_nice(TaskId(1), -1, 0);
        assert_eq!(p.pick_next(0), Some(TaskId(1)));
        p.dequeue(TaskId(0));
        assert_eq!(p.pick_next(0), None);
        assert_eq!(p.ready_len(), 0);
    }

    #[test]
    fn aging_lifts_a_waiting_task_one_level_per_interval() {
        let mut p = PriorityPolicy::new(10).with_aging(Some(100));
        admit_all(&mut p, &[-20, 19]);
        let hog = TaskId(0);
        let low = TaskId(1);
        let mut now = 0;
        let mut first_run = None;
        while first_run.is_none() {
            let t = p.pick_next(now).unwrap();
            if t == low {
                first_run = Some(now);
                break;
            }
            assert_eq!(t, hog);
            now += 10;
            p.charge(hog, 10, now);
            p.enqueue(hog, Requeue::Preempted, now);
        }
        let waited = first_run.unwrap();
        // Its key is 39; the hog's key is its epoch, which reaches 39 at tick 3900, when
        // the hog queues behind it.
        assert_eq!(waited, 3900);
        assert!(waited <= p.wait_bound(19, 2).unwrap());
        // Once it ran it drops back to nice 19's level.
        p.enqueue(low, Requeue::Preempted, now);
        assert_eq!(p.effective_level(low), Some(39));
    }

    #[test]
    fn renicing_keeps_the_credit_of_waiting() {
        let mut p = PriorityPolicy::new(10).with_aging(Some(100));
        admit_all(&mut p, &[19, 0]);
        let (victim, hog) = (TaskId(0), TaskId(1));
        assert_eq!(p.pick_next(0), Some(hog));
        let mut now = 0;
        // The hog renices the victim at every slice; the victim still runs within its
        // bound.
        loop {
            now += 10;
            p.set_nice(victim, if now % 20 == 0 { 18 } else { 19 }, now);
            p.enqueue(hog, Requeue::Preempted, now);
            if p.pick_next(now) == Some(victim) {
                break;
            }
        }
        assert!(now <= p.wait_bound(19, 2).unwrap(), "victim waited {now}");
    }

    #[test]
    fn a_clock_near_its_end_overflows_nothing() {
        let mut p = PriorityPolicy::new(10).with_aging(Some(1));
        admit_all(&mut p, &[-20, 0]);
        let end = Tick::MAX - 20;
        p.enqueue(TaskId(0), Requeue::Woken, end);
        assert_eq!(p.pick_next(end), Some(TaskId(0)));
        p.enqueue(TaskId(0), Requeue::Preempted, Tick::MAX);
        assert_eq!(p.effective_level(TaskId(0)), Some(0));
        assert!(p.should_preempt(TaskId(1), 0, Tick::MAX));
        p.set_nice(TaskId(0), 19, Tick::MAX);
        p.dequeue(TaskId(1));
        assert_eq!(p.pick_next(Tick::MAX), Some(TaskId(0)));
        assert_eq!(p.pick_next(Tick::MAX), None);
    }

    #[test]
    fn a_task_never_admitted_runs_at_nice_0() {
        let mut p = PriorityPolicy::new(10).with_aging(None);
        // Admitting task 3 makes room for tasks 0 to 2, which were never admitted.
        p.admit(TaskId(3), &TaskParams::with_nice(-1), 0);
        p.enqueue(TaskId(0), Requeue::New, 0);
        p.enqueue(TaskId(3), Requeue::New, 0);
        assert_eq!(p.effective_level(TaskId(0)), Some(nice_level(0)));
        assert_eq!(
            p.pick_next(0),
            Some(TaskId(3)),
            "nice -1 runs before nice 0"
        );
    }

    #[test]
    fn reserved_room_changes_no_schedule() {
        let run = |reserve: usize| {
            let mut p = PriorityPolicy::new(10).with_aging(None);
            p.reserve(reserve);
            p.admit(TaskId(5), &TaskParams::with_nice(2), 0);
            for t in [7, 5, 1] {
                p.enqueue(TaskId(t), Requeue::New, 0);
            }
            std::iter::from_fn(|| p.pick_next(0)).collect::<Vec<_>>()
        };
        // 7 and 1 were never admitted: nice 0, in the order they came; 5 at nice 2 last.
        let expected = vec![TaskId(7), TaskId(1), TaskId(5)];
        assert_eq!(run(0), expected);
        assert_eq!(run(100), expected);
    }

    #[test]
    fn a_longer_aging_interval_set_late_keeps_the_epoch() {
        let mut p = PriorityPolicy::new(10);
        assert_eq!(p.pick_next(100_000), None);
        let mut p = p.with_aging(Some(1000));
        p.enqueue(TaskId(0), Requeue::New, 100_010);
        assert_eq!(p.pick_next(100_020), Some(TaskId(0)));
    }

    #[test]
    fn enqueue_of_an_unknown_or_ready_task_is_harmless() {
        let mut p = PriorityPolicy::default();
        p.enqueue(TaskId(5), Requeue::New, 0);
        p.enqueue(TaskId(5), Requeue::New, 0);
        assert_eq!(p.ready_len(), 1);
        assert_eq!(p.pick_next(0), Some(TaskId(5)));
        assert_eq!(p.pick_next(0), None);
    }

    #[test]
    fn peek_after_foresees_the_next_picks() {
        let mut p = PriorityPolicy::new(10).with_aging(None);
        admit_all(&mut p, &[0, 0, 0, 5]);
        let running = p.pick_next(0).unwrap();
        assert_eq!(running, TaskId(0));
        // The running task has left its FIFO: the next pick is the head.
        assert_eq!(p.peek_after(running), Some(TaskId(1)));
        assert_eq!(p.peek_after(TaskId(1)), Some(TaskId(2)));
        // The end of a FIFO: the policy does not look into the next level.
        assert_eq!(p.peek_after(TaskId(2)), None);
        p.enqueue(running, Requeue::Preempted, 10);
        assert_eq!(p.peek_after(TaskId(2)), Some(TaskId(0)));
        assert_eq!(p.pick_next(10), Some(TaskId(1)));
        assert_eq!(p.peek_after(TaskId(1)), Some(TaskId(2)));
    }

    #[test]
    fn a_better_task_preempts() {
        let mut p = PriorityPolicy::new(10);
        admit_all(&mut p, &[5]);
        let running = p.pick_next(0).unwrap();
        assert!(!p.should_preempt(running, 0, 0));
        p.admit(TaskId(1), &TaskParams::with_nice(5), 0);
        p.enqueue(TaskId(1), Requeue::Woken, 0);
        assert!(
            !p.should_preempt(running, 0, 0),
            "equal level waits its turn"
        );
        p.admit(TaskId(2), &TaskParams::with_nice(4), 0);
        p.enqueue(TaskId(2), Requeue::Woken, 0);
        assert!(p.should_preempt(running, 0, 0));
    }

    /// A naive reference: every ready task has key = level + epoch it was queued in;
    /// the lowest (key, order queued) runs.
    #[derive(Debug, Default)]
    struct Model {
        base: Vec<u64>,
        /// (task, key, seq) of ready tasks.
        ready: Vec<(u32, u64, u64)>,
        seq: u64,
    }

    impl Model {
        fn push(&mut self, t: u32, now: Tick, aging: Tick) {
            let key = self.base[t as usize] + now / aging;
            self.push_keyed(t, key);
        }
        fn push_keyed(&mut self, t: u32, key: u64) {
            self.seq += 1;
            self.ready.push((t, key, self.seq));
        }
        fn pick(&mut self) -> Option<u32> {
            let best = self
                .ready
                .iter()
                .enumerate()
                .min_by_key(|(_, r)| (r.1, r.2))?
                .0;
            Some(self.ready.remove(best).0)
        }
    }

    #[derive(Debug, Clone)]
    enum Op {
        Enqueue(u32),
        Pick,
        Nice(u32, i8),
        Dequeue(u32),
        Advance(Tick),
    }

    fn op() -> impl Strategy<Value = Op> {
        prop_oneof![
            (0..12u32).prop_map(Op::Enqueue),
            Just(Op::Pick),
            Just(Op::Pick),
            (0..12u32, -20..20i8).prop_map(|(t, n)| Op::Nice(t, n)),
            (0..12u32).prop_map(Op::Dequeue),
            (0..60 as Tick).prop_map(Op::Advance),
            (0..5000 as Tick).prop_map(Op::Advance),
            // Past 2^32 epochs: keys are kept in 32 bits.
            (36..40u32).prop_map(|shift| Op::Advance(1 << shift)),
        ]
    }

    proptest! {
        /// The O(1) policy picks exactly what a scan over all ready tasks picks.
        #[test]
        fn matches_the_naive_model(
            nices in proptest::collection::vec(-20..20i8, 12),
            ops in proptest::collection::vec(op(), 0..300),
            aging in 1..50 as Tick,
            strict in any::<bool>(),
        ) {
            let mut p = PriorityPolicy::new(10).with_aging((!strict).then_some(aging));
            // Strict priority is aging with an interval longer than any run.
            let aging = if strict { Tick::MAX } else { aging };
            let mut m = Model::default();
            for (i, &n) in nices.iter().enumerate() {
                p.admit(TaskId(i as u32), &TaskParams::with_nice(n), 0);
                m.base.push(nice_level(n) as u64);
            }
            let mut now = 0;
            for op in ops {
                match op {
                    Op::Enqueue(t) => {
                        // A second enqueue of a ready task changes nothing.
                        p.enqueue(TaskId(t), Requeue::Woken, now);
                        if !m.ready.iter().any(|r| r.0 == t) {
                            m.push(t, now, aging);
                        }
                    }
                    Op::Pick => {
                        prop_assert_eq!(p.pick_next(now).map(|t| t.0), m.pick());
                    }
                    Op::Nice(t, n) => {
                        p.set_nice(TaskId(t), n, now);
                        let (old, new) = (m.base[t as usize], nice_level(n) as u64);
                        m.base[t as usize] = new;
                        if new != old
                            && let Some(i) = m.ready.iter().position(|r| r.0 == t)
                        {
                            // The task keeps the epoch it was queued in.
                            let (_, key, _) = m.ready.remove(i);
                            m.push_keyed(t, (new + key - old).max(now / aging));
                        }
                    }
                    Op::Dequeue(t) => {
                        p.dequeue(TaskId(t));
                        m.ready.retain(|r| r.0 != t);
                    }
                    Op::Advance(d) => now += d,
                }
                prop_assert_eq!(p.ready_len(), m.ready.len());
            }
        }
    }
}
