//! The default policy: 40 nice levels, round-robin within a level, aging.

use crate::lists::TaskLists;
use crate::policy::{Policy, Requeue, TaskId, TaskParams, Tick, nice_level};

const LEVELS: usize = 40;

#[derive(Clone, Copy, Debug, Default)]
struct Task {
    /// Level given by the task's nice value.
    base: u8,
    /// When the task entered the list it is on (for aging).
    since: Tick,
}

/// Priority scheduling with round-robin inside each of the 40 nice levels, and aging.
///
/// * Level 0 is nice -20, level 39 is nice 19. The first task of the most favoured
///   non-empty level runs next; a bitmap of non-empty levels makes `pick_next` O(1)
///   whatever the number of ready tasks.
/// * Each dispatch gets a slice of `quantum` ticks; a task that used it up goes to the back
///   of its level, so equal tasks share the CPU round-robin.
/// * **Aging.** A ready task that has waited `aging_interval` ticks on its level without
///   running moves up one level (to the back of it). When it runs, it drops back to the
///   level of its nice value. Each move is O(1), and a task moves at most 39 times per
///   wait, so aging adds amortized O(1) per operation.
/// * **Bound.** With quantum Q, aging interval A and n ready tasks, a task that becomes
///   ready at level b runs within `b·(A + Q) + (n − 1)·Q` ticks under any higher-priority
///   load, provided the kernel calls `pick_next` at least every Q ticks (it does whenever
///   the running process computes or blocks; see [`PriorityPolicy::wait_bound`]).
/// * A task woken while a task of a less favoured level runs preempts it
///   ([`Policy::should_preempt`]).
#[derive(Clone, Debug)]
pub struct PriorityPolicy {
    quantum: Tick,
    aging_interval: Option<Tick>,
    lists: TaskLists,
    tasks: Vec<Task>,
    /// Bit `l` set when level `l` has a ready task.
    nonempty: u64,
    /// No head of any level below 0 can age before this tick.
    next_aging: Tick,
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
            lists: TaskLists::new(LEVELS),
            tasks: Vec::new(),
            nonempty: 0,
            next_aging: Tick::MAX,
        }
    }

    /// Sets the aging interval (at least 1 tick), or turns aging off with `None`, which
    /// gives strict priority order (and lets a low-priority task starve).
    pub fn with_aging(mut self, interval: Option<Tick>) -> Self {
        self.aging_interval = interval.map(|a| a.max(1));
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
    /// while `ready` tasks (itself included) are ready: `b·(A + Q) + (ready − 1)·Q` for
    /// level b. `None` when aging is off (the wait is unbounded).
    pub fn wait_bound(&self, nice: i8, ready: usize) -> Option<Tick> {
        let aging = self.aging_interval?;
        let level = nice_level(nice) as Tick;
        let others = ready.saturating_sub(1) as Tick;
        Some(level * (aging + self.quantum) + others * self.quantum)
    }

    /// The level a ready task is on now (its nice level, or better once aged).
    pub fn effective_level(&self, task: TaskId) -> Option<usize> {
        self.lists.list_of(task)
    }

    fn task(&mut self, task: TaskId) -> &mut Task {
        let i = task.index();
        if i >= self.tasks.len() {
            self.tasks.resize(i + 1, Task::default());
        }
        &mut self.tasks[i]
    }

    #[inline]
    fn push(&mut self, level: usize, task: TaskId, now: Tick) {
        self.lists.push_back(level, task);
        self.nonempty |= 1 << level;
        self.tasks[task.index()].since = now;
        if level > 0
            && let Some(aging) = self.aging_interval
        {
            self.next_aging = self.next_aging.min(now.saturating_add(aging));
        }
    }

    #[inline]
    fn mark_if_empty(&mut self, level: usize) {
        if self.lists.list_is_empty(level) {
            self.nonempty &= !(1 << level);
        }
    }

    /// Moves every task that waited a whole interval on its level up one level.
    fn age(&mut self, now: Tick, aging: Tick) {
        let mut next = Tick::MAX;
        // Favoured levels first, so a task moves at most one level per sweep.
        let mut levels = self.nonempty & !1;
        while levels != 0 {
            let level = levels.trailing_zeros() as usize;
            levels &= levels - 1;
            while let Some(head) = self.lists.front(level) {
                let since = self.tasks[head.index()].since;
                if since.saturating_add(aging) > now {
                    next = next.min(since.saturating_add(aging));
                    break;
                }
                self.lists.pop_front(level);
                self.mark_if_empty(level);
                self.lists.push_back(level - 1, head);
                self.nonempty |= 1 << (level - 1);
                self.tasks[head.index()].since = now;
                if level > 1 {
                    next = next.min(now.saturating_add(aging));
                }
            }
        }
        self.next_aging = next;
    }
}

impl Policy for PriorityPolicy {
    fn name(&self) -> &'static str {
        "priority"
    }

    fn admit(&mut self, task: TaskId, params: &TaskParams, _now: Tick) {
        *self.task(task) = Task {
            base: nice_level(params.nice) as u8,
            since: 0,
        };
    }

    #[inline]
    fn enqueue(&mut self, task: TaskId, _why: Requeue, now: Tick) {
        let level = self.task(task).base as usize;
        self.push(level, task, now);
    }

    #[inline]
    fn pick_next(&mut self, now: Tick) -> Option<TaskId> {
        if now >= self.next_aging
            && let Some(aging) = self.aging_interval
        {
            self.age(now, aging);
        }
        if self.nonempty == 0 {
            return None;
        }
        let level = self.nonempty.trailing_zeros() as usize;
        let task = self.lists.pop_front(level);
        self.mark_if_empty(level);
        task
    }

    #[inline]
    fn slice(&self, _task: TaskId) -> Tick {
        self.quantum
    }

    #[inline]
    fn charge(&mut self, _task: TaskId, _ran: Tick, _now: Tick) {}

    fn dequeue(&mut self, task: TaskId) {
        if let Some(level) = self.lists.remove(task) {
            self.mark_if_empty(level);
        }
    }

    fn set_nice(&mut self, task: TaskId, nice: i8, now: Tick) {
        let base = nice_level(nice);
        self.task(task).base = base as u8;
        if let Some(level) = self.lists.remove(task) {
            self.mark_if_empty(level);
            self.push(base, task, now);
        }
    }

    fn retire(&mut self, task: TaskId) {
        self.dequeue(task);
    }

    fn should_preempt(&self, running: TaskId, _now: Tick) -> bool {
        if self.nonempty == 0 {
            return false;
        }
        let best = self.nonempty.trailing_zeros() as usize;
        let base = self
            .tasks
            .get(running.index())
            .map_or(0, |t| t.base as usize);
        best < base
    }

    fn ready_len(&self) -> usize {
        self.lists.len()
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
        // 39 promotions of 100 ticks each reach level 0 at tick 3900, behind the hog that
        // was re-queued at that same tick; the hog's slice ends at 3910.
        assert_eq!(waited, 3910);
        assert!(waited <= p.wait_bound(19, 2).unwrap());
        // Once it ran it drops back to nice 19's level.
        p.enqueue(low, Requeue::Preempted, now);
        assert_eq!(p.effective_level(low), Some(39));
    }

    #[test]
    fn a_better_task_preempts() {
        let mut p = PriorityPolicy::new(10);
        admit_all(&mut p, &[5]);
        let running = p.pick_next(0).unwrap();
        assert!(!p.should_preempt(running, 0));
        p.admit(TaskId(1), &TaskParams::with_nice(5), 0);
        p.enqueue(TaskId(1), Requeue::Woken, 0);
        assert!(!p.should_preempt(running, 0), "equal level waits its turn");
        p.admit(TaskId(2), &TaskParams::with_nice(4), 0);
        p.enqueue(TaskId(2), Requeue::Woken, 0);
        assert!(p.should_preempt(running, 0));
    }

    /// A naive reference: scan every ready task, age by elapsed intervals, stable order.
    #[derive(Debug, Default)]
    struct Model {
        base: Vec<usize>,
        /// (task, level, since, seq) of ready tasks.
        ready: Vec<(u32, usize, Tick, u64)>,
        seq: u64,
    }

    impl Model {
        fn push(&mut self, t: u32, level: usize, now: Tick) {
            self.seq += 1;
            self.ready.push((t, level, now, self.seq));
        }
        fn age(&mut self, now: Tick, aging: Tick) {
            // Favoured levels first, one level per sweep, FIFO within a level.
            for level in 1..LEVELS {
                let mut movers: Vec<usize> = (0..self.ready.len())
                    .filter(|&i| self.ready[i].1 == level && self.ready[i].2 + aging <= now)
                    .collect();
                movers.sort_by_key(|&i| self.ready[i].3);
                for i in movers {
                    self.seq += 1;
                    self.ready[i].1 = level - 1;
                    self.ready[i].2 = now;
                    self.ready[i].3 = self.seq;
                }
            }
        }
        fn pick(&mut self) -> Option<u32> {
            let best = self
                .ready
                .iter()
                .enumerate()
                .min_by_key(|(_, r)| (r.1, r.3))?
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
        ]
    }

    proptest! {
        /// The O(1) policy picks exactly what a scan over all ready tasks picks.
        #[test]
        fn matches_the_naive_model(
            nices in proptest::collection::vec(-20..20i8, 12),
            ops in proptest::collection::vec(op(), 0..300),
            aging in 1..50 as Tick,
        ) {
            let mut p = PriorityPolicy::new(10).with_aging(Some(aging));
            let mut m = Model::default();
            for (i, &n) in nices.iter().enumerate() {
                p.admit(TaskId(i as u32), &TaskParams::with_nice(n), 0);
                m.base.push(nice_level(n));
            }
            let mut now = 0;
            for op in ops {
                match op {
                    Op::Enqueue(t) => {
                        if !m.ready.iter().any(|r| r.0 == t) {
                            p.enqueue(TaskId(t), Requeue::Woken, now);
                            let level = m.base[t as usize];
                            m.push(t, level, now);
                        }
                    }
                    Op::Pick => {
                        // The policy ages lazily at pick time; so does the model.
                        m.age(now, aging);
                        prop_assert_eq!(p.pick_next(now).map(|t| t.0), m.pick());
                    }
                    Op::Nice(t, n) => {
                        p.set_nice(TaskId(t), n, now);
                        m.base[t as usize] = nice_level(n);
                        if let Some(i) = m.ready.iter().position(|r| r.0 == t) {
                            m.ready.remove(i);
                            m.push(t, nice_level(n), now);
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
