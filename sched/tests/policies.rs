//! Every policy behind the Policy trait: the protocol holds for all, and each orders
//! tasks as its definition says.

use std::collections::BTreeMap;

use proptest::prelude::*;
use vproc_sched::{
    FifoPolicy, LotteryPolicy, POLICY_NAMES, Policy, Requeue, SchedError, ShortestPolicy,
    StridePolicy, TaskId, TaskParams, Tick, by_name,
};

fn admit(policy: &mut dyn Policy, jobs: &[TaskParams]) {
    for (i, params) in jobs.iter().enumerate() {
        policy.admit(TaskId(i as u32), params, 0);
        policy.enqueue(TaskId(i as u32), Requeue::New, 0);
    }
}

fn job(length: Tick) -> TaskParams {
    TaskParams {
        length: Some(length),
        ..TaskParams::default()
    }
}

fn tickets(tickets: u32) -> TaskParams {
    TaskParams {
        tickets,
        ..TaskParams::default()
    }
}

/// Runs picked tasks for a slice each (or `cap` ticks) until all are done; returns the
/// order of dispatches.
fn run(policy: &mut dyn Policy, lengths: &[Tick], cap: Tick) -> Vec<u32> {
    let mut left: Vec<Tick> = lengths.to_vec();
    let mut now = 0;
    let mut order = Vec::new();
    while let Some(task) = policy.pick_next(now) {
        order.push(task.0);
        let ran = policy.slice(task).min(cap).min(left[task.index()]);
        now += ran;
        left[task.index()] -= ran;
        policy.charge(task, ran, now);
        if left[task.index()] > 0 {
            policy.enqueue(task, Requeue::Preempted, now);
        } else {
            policy.retire(task);
        }
    }
    order
}

#[test]
fn fifo_runs_in_arrival_order_without_preemption() {
    let mut p = FifoPolicy::fifo();
    admit(&mut p, &[job(100), job(10), job(10)]);
    assert_eq!(run(&mut p, &[100, 10, 10], Tick::MAX), [0, 1, 2]);
}

#[test]
fn rr_gives_each_a_quantum_in_turn() {
    let mut p = FifoPolicy::round_robin(5);
    admit(&mut p, &[job(10), job(5), job(15)]);
    assert_eq!(run(&mut p, &[10, 5, 15], Tick::MAX), [0, 1, 2, 0, 2, 2]);
}

#[test]
fn sjf_is_a_stable_sort_by_length() {
    let mut p = ShortestPolicy::sjf();
    admit(&mut p, &[job(100), job(10), job(10)]);
    assert_eq!(run(&mut p, &[100, 10, 10], Tick::MAX), [1, 2, 0]);
}

#[test]
fn stcf_preempts_for_a_shorter_arrival() {
    let mut p = ShortestPolicy::stcf();
    p.admit(TaskId(0), &job(100), 0);
    p.enqueue(TaskId(0), Requeue::New, 0);
    assert_eq!(p.pick_next(0), Some(TaskId(0)));
    // B arrives at 10 with 10 ticks of work: A has 90 left, so B takes the CPU.
    p.admit(TaskId(1), &job(10), 10);
    p.enqueue(TaskId(1), Requeue::New, 10);
    assert!(p.should_preempt(TaskId(0), 10, 10));
    // A job longer than what A has left does not.
    p.dequeue(TaskId(1));
    p.admit(TaskId(2), &job(95), 10);
    p.enqueue(TaskId(2), Requeue::New, 10);
    assert!(!p.should_preempt(TaskId(0), 10, 10));
}

#[test]
fn stride_follows_the_ostep_example() {
    // A 100 tickets (stride 100), B 50 (200), C 250 (40): OSTEP's figure 9.3.
    let mut p = StridePolicy::new(1);
    admit(&mut p, &[tickets(100), tickets(50), tickets(250)]);
    let mut order = Vec::new();
    for now in 0..9 {
        let task = p.pick_next(now).unwrap();
        order.push(["A", "B", "C"][task.index()]);
        p.charge(task, 1, now + 1);
        p.enqueue(task, Requeue::Preempted, now + 1);
    }
    assert_eq!(order, ["A", "B", "C", "C", "C", "A", "C", "C", "A"]);
}

#[test]
fn lottery_shares_follow_tickets_and_one_seed_gives_one_schedule() {
    let draws = |seed| {
        let mut p = LotteryPolicy::new(1, seed);
        admit(&mut p, &[tickets(75), tickets(25)]);
        let mut wins = [0u32; 2];
        let mut order = Vec::new();
        for now in 0..100_000 {
            let task = p.pick_next(now).unwrap();
            wins[task.index()] += 1;
            order.push(task.0);
            p.enqueue(task, Requeue::Preempted, now + 1);
        }
        (wins, order)
    };
    let (wins, order) = draws(7);
    let share = f64::from(wins[0]) / 100_000.0;
    assert!((share - 0.75).abs() < 0.02, "A won {share:.3} of the draws");
    assert_eq!(draws(7).1, order);
    assert_ne!(draws(8).1, order);
}

#[test]
fn names_choose_policies_and_unknown_names_fail() {
    for name in POLICY_NAMES {
        assert_eq!(by_name(name, 10, 0).unwrap().name(), name);
    }
    assert_eq!(by_name(" FCFS ", 10, 0).unwrap().name(), "fifo");
    let err = match by_name("fastest", 10, 0) {
        Err(e) => e,
        Ok(_) => panic!("'fastest' is no policy"),
    };
    assert_eq!(err, SchedError::UnknownPolicy("fastest".into()));
    assert!(
        err.to_string()
            .starts_with("EINVAL: unknown policy 'fastest'")
    );
}

#[test]
fn cfs_shares_follow_nice_weights() {
    // nice 0 (weight 1024) against nice 5 (335): about 75% and 25%.
    let mut p = vproc_sched::FairPolicy::new(60, 10);
    for (i, nice) in [0i8, 5].into_iter().enumerate() {
        p.admit(TaskId(i as u32), &TaskParams::with_nice(nice), 0);
        p.enqueue(TaskId(i as u32), Requeue::New, 0);
    }
    let mut ran = [0u64; 2];
    let mut now = 0;
    while now < 1_000_000 {
        let task = p.pick_next(now).unwrap();
        let slice = p.slice(task);
        now += slice;
        ran[task.index()] += slice;
        p.charge(task, slice, now);
        p.enqueue(task, Requeue::Preempted, now);
    }
    let share = ran[0] as f64 / (ran[0] + ran[1]) as f64;
    let expected = 1024.0 / (1024.0 + 335.0);
    assert!(
        (share - expected).abs() < 0.01,
        "nice 0 got {share:.3}, expected {expected:.3}"
    );
}

#[test]
fn zero_tickets_never_win_against_tickets() {
    let mut p = LotteryPolicy::new(1, 5);
    admit(&mut p, &[tickets(0), tickets(100)]);
    for now in 0..10_000 {
        let task = p.pick_next(now).unwrap();
        assert_eq!(task, TaskId(1));
        p.enqueue(task, Requeue::Preempted, now + 1);
    }
    // Alone, it still runs.
    p.dequeue(TaskId(1));
    assert_eq!(p.pick_next(10_000), Some(TaskId(0)));
}

#[test]
fn stride_keeps_proportions_for_large_ticket_counts() {
    for (a, b) in [
        (4000u32, 5000u32),
        (6000, 9000),
        (10_000, 20_000),
        (3000, 4000),
    ] {
        let mut p = StridePolicy::new(1);
        admit(&mut p, &[tickets(a), tickets(b)]);
        let mut ran = [0u32; 2];
        for now in 0..90_000 {
            let task = p.pick_next(now).unwrap();
            ran[task.index()] += 1;
            p.charge(task, 1, now + 1);
            p.enqueue(task, Requeue::Preempted, now + 1);
        }
        let got = f64::from(ran[0]) / f64::from(ran[1]);
        let want = f64::from(a) / f64::from(b);
        assert!((got - want).abs() < 0.01, "{a}:{b} ran {ran:?}");
    }
}

#[test]
fn huge_parameters_do_not_overflow() {
    for name in POLICY_NAMES {
        let mut p = by_name(name, Tick::MAX / 2, u64::MAX).unwrap();
        p.admit(TaskId(0), &job(Tick::MAX), 0);
        p.enqueue(TaskId(0), Requeue::Woken, Tick::MAX / 4);
        let running = p.pick_next(Tick::MAX / 4).unwrap();
        p.charge(running, Tick::MAX / 3, Tick::MAX / 2);
        p.enqueue(TaskId(1), Requeue::Woken, Tick::MAX / 2);
        let _ = p.should_preempt(running, Tick::MAX / 3, Tick::MAX / 2);
        p.enqueue(running, Requeue::Yielded, Tick::MAX / 2);
        assert_eq!(p.ready_len(), 2, "{name}");
    }
}

#[test]
fn a_yielding_task_lets_another_run_first() {
    for name in POLICY_NAMES {
        if name == "lottery" {
            continue; // a draw may pick it again; it is only unlikely to, forever
        }
        let mut p = by_name(name, 10, 0).unwrap();
        admit(p.as_mut(), &[job(1), job(100)]);
        let first = p.pick_next(0).unwrap();
        p.enqueue(first, Requeue::Yielded, 0);
        let second = p.pick_next(0).unwrap();
        assert_ne!(first, second, "{name} picked the yielding task again");
    }
}

#[derive(Debug, Clone)]
enum Op {
    Enqueue(u32),
    Pick,
    Dequeue(u32),
    Charge(Tick),
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        (0..8u32).prop_map(Op::Enqueue),
        Just(Op::Pick),
        Just(Op::Pick),
        (0..8u32).prop_map(Op::Dequeue),
        (0..30 as Tick).prop_map(Op::Charge),
    ]
}

proptest! {
    /// For every policy: pick returns only ready tasks, each once per enqueue; the ready
    /// count is right; nothing ready is lost.
    #[test]
    fn the_protocol_holds_for_every_policy(
        name in proptest::sample::select(POLICY_NAMES.to_vec()),
        params in proptest::collection::vec((1..500 as Tick, 1..200u32, -20..20i8), 8),
        ops in proptest::collection::vec(op(), 0..200),
    ) {
        let mut p = by_name(name, 5, 1).unwrap();
        for (i, &(length, tickets, nice)) in params.iter().enumerate() {
            p.admit(TaskId(i as u32), &TaskParams { nice, length: Some(length), tickets }, 0);
        }
        let mut ready: BTreeMap<u32, ()> = BTreeMap::new();
        let mut running: Option<u32> = None;
        let mut now = 0;
        for op in ops {
            match op {
                Op::Enqueue(t) => {
                    if running != Some(t) && !ready.contains_key(&t) {
                        p.enqueue(TaskId(t), Requeue::Woken, now);
                        ready.insert(t, ());
                    }
                }
                Op::Pick => {
                    if let Some(r) = running.take() {
                        p.enqueue(TaskId(r), Requeue::Preempted, now);
                        ready.insert(r, ());
                    }
                    match p.pick_next(now) {
                        Some(t) => {
                            prop_assert!(ready.remove(&t.0).is_some(), "{name} picked {t:?}, not ready");
                            running = Some(t.0);
                        }
                        None => prop_assert!(ready.is_empty(), "{name} lost {ready:?}"),
                    }
                }
                Op::Dequeue(t) => {
                    p.dequeue(TaskId(t));
                    ready.remove(&t);
                }
                Op::Charge(ran) => {
                    now += ran;
                    if let Some(r) = running {
                        p.charge(TaskId(r), ran, now);
                    }
                }
            }
            prop_assert_eq!(p.ready_len(), ready.len(), "{}", name);
        }
        // Everything still ready comes out, each once.
        let mut drained = Vec::new();
        while let Some(t) = p.pick_next(now) {
            drained.push(t.0);
        }
        drained.sort_unstable();
        prop_assert_eq!(drained, ready.keys().copied().collect::<Vec<_>>());
    }
}
