//! Scheduling: fairness among equals, strict priority order, the aging bound, preemption
//! by a woken sleeper, exact sleeps on the virtual clock, and the run limits.

mod common;

use std::cell::RefCell;
use std::rc::Rc;

use common::*;
use vproc_kernel::{
    Command, Error, EventKind, ExitStatus, Kernel, Pid, Proc, ProcState, Stop, Tick, WaitFor,
    WaitOn,
};
use vproc_sched::PriorityPolicy;

/// A compute-bound program that never ends.
async fn hog(p: Proc, burst: Tick) {
    loop {
        p.compute(burst).await;
    }
}

fn spawn_hog(kernel: &mut Kernel, name: &str, nice: i32, burst: Tick) -> Pid {
    kernel
        .spawn_fn(Command::new(name.to_string()).nice(nice), move |p| {
            hog(p, burst)
        })
        .unwrap()
}

#[test]
fn equal_priority_hogs_share_the_cpu_within_one_percent() {
    const TICKS: Tick = 1_000_000;
    let mut kernel = Kernel::new();
    // Different burst lengths: a slice is a slice, whatever the program asks for.
    let hogs: Vec<Pid> = [7, 7, 3, 1000]
        .iter()
        .enumerate()
        .map(|(i, &burst)| spawn_hog(&mut kernel, &format!("hog{i}"), 0, burst))
        .collect();
    assert_eq!(kernel.run_for(TICKS).unwrap(), Stop::TimeLimit);
    assert_eq!(kernel.now(), TICKS);
    let ps = kernel.ps();
    let user: Vec<Tick> = hogs.iter().map(|&pid| expect_row(&ps, pid).user).collect();
    let total: Tick = user.iter().sum();
    assert_eq!(
        total, TICKS,
        "compute makes no system calls: every tick is user time"
    );
    let (min, max) = (*user.iter().min().unwrap(), *user.iter().max().unwrap());
    assert!(
        (max - min) * 100 <= max,
        "user ticks differ by more than 1%: {user:?}"
    );
    for &pid in &hogs {
        let row = expect_row(&ps, pid);
        assert!(row.involuntary_switches > 0, "{row:?}");
        assert_eq!(row.system, 0);
    }
}

#[test]
fn without_aging_processes_complete_in_nice_order() {
    let mut kernel = Kernel::builder()
        .policy(PriorityPolicy::new(10).with_aging(None))
        .build();
    let events = record_events(&mut kernel);
    let order: Rc<RefCell<Vec<i32>>> = Rc::default();
    let nices = [5, -3, 19, 0, -20, 10, 7, -11];
    let mut pids = Vec::new();
    for nice in nices {
        let order = order.clone();
        let pid = kernel
            .spawn_fn(
                Command::new(format!("n{nice}")).nice(nice),
                move |p| async move {
                    // Several slices, with a yield in between: the process keeps its rank.
                    p.compute(35).await;
                    p.yield_now().await;
                    p.compute(35).await;
                    order.borrow_mut().push(nice);
                },
            )
            .unwrap();
        pids.push((nice, pid));
    }
    assert_eq!(kernel.run().unwrap(), Stop::AllExited);
    let mut sorted = nices.to_vec();
    sorted.sort();
    assert_eq!(*order.borrow(), sorted);

    // Strict: each one starts only after every more favoured one has exited.
    pids.sort();
    let events = events.borrow();
    for pair in pids.windows(2) {
        let (_, better) = pair[0];
        let (_, worse) = pair[1];
        let exited = events
            .iter()
            .find(|e| e.pid == better && matches!(e.kind, EventKind::Exited(_)))
            .unwrap()
            .tick;
        let started = first_transition_to(&events, worse, ProcState::Running).unwrap();
        assert!(
            started >= exited,
            "pid {worse} ran at {started} before {better} exited at {exited}"
        );
    }
    for (_, pid) in pids {
        assert_success(&mut kernel, pid);
    }
}

#[test]
fn aging_runs_a_nice_19_process_within_the_wait_bound() {
    for hogs in [1, 3, 6] {
        for low_first in [false, true] {
            let policy = PriorityPolicy::default();
            let bound = policy.wait_bound(19, hogs + 1).unwrap();
            let aging = policy.aging_interval().unwrap();
            let mut kernel = Kernel::builder().policy(policy).build();
            let events = record_events(&mut kernel);
            let spawn_low = |kernel: &mut Kernel| spawn_hog(kernel, "low", 19, 5);
            let mut low = None;
            if low_first {
                low = Some(spawn_low(&mut kernel));
            }
            for i in 0..hogs {
                spawn_hog(&mut kernel, &format!("hog{i}"), -20, 7);
            }
            if !low_first {
                low = Some(spawn_low(&mut kernel));
            }
            let low = low.unwrap();
            assert_eq!(kernel.run_for(bound + 1).unwrap(), Stop::TimeLimit);
            let ps = kernel.ps();
            let row = expect_row(&ps, low);
            assert_eq!(row.created, 0);
            let started = row
                .started
                .unwrap_or_else(|| panic!("{hogs} hogs: nice 19 never ran within {bound}"));
            assert!(
                started <= bound,
                "{hogs} hogs: first run at {started}, bound {bound}"
            );
            // It got there by aging through 39 levels, not by luck.
            assert!(started >= 39 * aging, "{hogs} hogs: ran at {started}");
            assert_eq!(
                first_transition_to(&events.borrow(), low, ProcState::Running),
                Some(started)
            );
        }
    }
}

/// Runs a nice-10 process computing, and a sleeper with `sleeper_nice` that wakes in the
/// middle of one of its slices. Returns (wake tick, tick the sleeper next ran, whether the
/// computing process was taken off the CPU at the wake tick).
fn wake_during_a_burst(sleeper_nice: i32) -> (Tick, Tick, bool) {
    let mut kernel = Kernel::new();
    let events = record_events(&mut kernel);
    let low = kernel
        .spawn_fn(Command::new("cruncher").nice(10), |p| async move {
            p.compute(2_000).await;
        })
        .unwrap();
    let sleeper = kernel
        .spawn_fn(Command::new("sleeper").nice(sleeper_nice), |p| async move {
            p.sleep(95).await;
            p.compute(5).await;
        })
        .unwrap();
    assert_eq!(kernel.run().unwrap(), Stop::AllExited);
    assert_success(&mut kernel, low);
    assert_success(&mut kernel, sleeper);
    let events = events.borrow();
    let slept = first_transition_to(&events, sleeper, ProcState::Waiting(WaitOn::Sleep))
        .expect("the sleeper slept");
    let wake = first_transition_to(&events, sleeper, ProcState::Ready).expect("it woke");
    assert_eq!(wake, slept + 95, "a sleeper wakes at its tick");
    // The cruncher was on the CPU, mid-slice, when the sleeper woke.
    let slice_start = events
        .iter()
        .filter(|e| {
            e.pid == low
                && e.tick <= wake
                && matches!(
                    e.kind,
                    EventKind::Transition {
                        to: ProcState::Running,
                        ..
                    }
                )
        })
        .map(|e| e.tick)
        .next_back()
        .unwrap();
    assert!(
        wake > slice_start && wake < slice_start + PriorityPolicy::default().quantum(),
        "the wake-up ({wake}) should fall inside a slice starting at {slice_start}"
    );
    let ran_again = events
        .iter()
        .find(|e| {
            e.pid == sleeper
                && e.tick >= wake
                && matches!(
                    e.kind,
                    EventKind::Transition {
                        to: ProcState::Running,
                        ..
                    }
                )
        })
        .unwrap()
        .tick;
    let preempted_at_wake = events.iter().any(|e| {
        e.pid == low
            && e.tick == wake
            && e.kind
                == EventKind::Transition {
                    from: ProcState::Running,
                    to: ProcState::Ready,
                }
    });
    (wake, ran_again, preempted_at_wake)
}

#[test]
fn short_bursts_run_back_to_back_until_the_slice_is_used_up() {
    // Bursts of 1 and 3 ticks under a quantum of 10: each dispatch holds the CPU for one
    // whole slice, however many bursts it takes, and a burst that crosses the slice's
    // end is cut there and finished in the next dispatch.
    let mut kernel = Kernel::builder().syscall_cost(0).dispatch_log(true).build();
    let ones = spawn_hog(&mut kernel, "ones", 0, 1);
    let threes = spawn_hog(&mut kernel, "threes", 0, 3);
    assert_eq!(kernel.run_for(100).unwrap(), Stop::TimeLimit);
    let log = kernel.take_dispatch_log();
    let slices: Vec<(Pid, Tick, Tick)> = log.iter().map(|d| (d.pid, d.start, d.end)).collect();
    let expected: Vec<(Pid, Tick, Tick)> = (0..10)
        .map(|i| (if i % 2 == 0 { ones } else { threes }, i * 10, i * 10 + 10))
        .collect();
    assert_eq!(slices, expected);
    let ps = kernel.ps();
    assert_eq!(expect_row(&ps, ones).user, 50);
    assert_eq!(expect_row(&ps, threes).user, 50);
}

#[test]
fn room_made_up_front_changes_no_schedule() {
    // Hints smaller than the run (2 processes of 6, 3 log entries of dozens) and hints
    // bigger than it give the schedule a kernel without hints gives.
    let run = |builder: vproc_kernel::KernelBuilder| {
        let mut kernel = builder.syscall_cost(0).build();
        for (i, burst) in [1, 3, 7, 10, 13, 40].into_iter().enumerate() {
            spawn_hog(&mut kernel, &format!("hog{i}"), i as i32 - 3, burst);
        }
        assert_eq!(kernel.run_for(500).unwrap(), Stop::TimeLimit);
        let log: Vec<(Pid, Tick, Tick)> = kernel
            .take_dispatch_log()
            .iter()
            .map(|d| (d.pid, d.start, d.end))
            .collect();
        let users: Vec<Tick> = kernel.ps().iter().map(|row| row.user).collect();
        (log, users)
    };
    let plain = run(Kernel::builder().dispatch_log(true));
    assert!(plain.0.len() > 20, "{} stretches", plain.0.len());
    let small = run(Kernel::builder().processes(2).dispatch_log_capacity(3));
    let big = run(Kernel::builder()
        .processes(1000)
        .dispatch_log_capacity(10_000));
    assert_eq!(small, plain);
    assert_eq!(big, plain);
}

#[test]
fn a_woken_higher_priority_sleeper_preempts_at_its_wake_up_tick() {
    let (wake, ran, preempted) = wake_during_a_burst(-5);
    assert!(preempted, "the cruncher kept the CPU past {wake}");
    assert_eq!(ran, wake);
}

#[test]
fn a_woken_lower_priority_sleeper_does_not_preempt() {
    let (wake, ran, preempted) = wake_during_a_burst(15);
    assert!(!preempted);
    assert!(ran > wake);
}

#[test]
fn sleep_wakes_exactly_n_ticks_later() {
    // With free system calls, `now` reads exactly the wake-up tick.
    let mut kernel = Kernel::builder().syscall_cost(0).build();
    let seen: Rc<RefCell<Vec<(Tick, Tick, Tick)>>> = Rc::default();
    let mut pids = Vec::new();
    for (k, n) in [1, 37, 500, 0, 12].into_iter().enumerate() {
        let seen = seen.clone();
        pids.push(
            kernel
                .spawn_fn(Command::new("sleeper"), move |p| async move {
                    // Stagger: each measured sleep has the CPU to itself when it ends.
                    p.sleep(1_000 * k as Tick + 3).await;
                    let before = p.now();
                    p.sleep(n).await;
                    seen.borrow_mut().push((n, before, p.now()));
                })
                .unwrap(),
        );
    }
    assert_eq!(kernel.run().unwrap(), Stop::AllExited);
    let seen = seen.borrow();
    assert_eq!(seen.len(), 5);
    for &(n, before, after) in seen.iter() {
        assert_eq!(after, before + n, "sleep({n})");
    }

    // With the default cost, the sleep call costs its tick, then the wait is exact.
    let mut kernel = Kernel::new();
    let events = record_events(&mut kernel);
    let pid = kernel
        .spawn_fn(Command::new("sleeper"), |p| async move {
            p.compute(3).await;
            p.sleep(37).await;
        })
        .unwrap();
    assert_eq!(kernel.run().unwrap(), Stop::AllExited);
    assert_success(&mut kernel, pid);
    let events = events.borrow();
    let slept = first_transition_to(&events, pid, ProcState::Waiting(WaitOn::Sleep));
    assert_eq!(slept, Some(4), "3 ticks of compute, 1 for the call");
    assert_eq!(
        first_transition_to(&events, pid, ProcState::Ready),
        Some(41),
        "woken at its tick"
    );
}

#[test]
fn the_virtual_clock_jumps_when_everyone_sleeps() {
    let mut kernel = Kernel::new();
    let events = record_events(&mut kernel);
    let durations = [5_000_000, 1_000_000, 2_000_000];
    let pids: Vec<Pid> = durations
        .iter()
        .map(|&n| {
            kernel
                .spawn_fn(Command::new("sleeper"), move |p| async move {
                    p.sleep(n).await;
                })
                .unwrap()
        })
        .collect();
    let started = std::time::Instant::now();
    assert_eq!(kernel.run().unwrap(), Stop::AllExited);
    let wall = started.elapsed();
    // Three sleeps of 1 tick of system time each, then jumps.
    assert_eq!(kernel.now(), 5_000_000 + 1);
    assert!(
        wall < std::time::Duration::from_secs(5),
        "virtual time should not be waited out: {wall:?}"
    );
    let events = events.borrow();
    // Nothing happens between going to sleep and the wake-ups: the clock jumped.
    let ticks: Vec<Tick> = events.iter().map(|e| e.tick).collect();
    let mut distinct = ticks.clone();
    distinct.dedup();
    assert_eq!(distinct, vec![0, 1, 2, 3, 1_000_002, 2_000_003, 5_000_001]);
    for (&pid, &n) in pids.iter().zip(&durations) {
        let woke = first_transition_to(&events, pid, ProcState::Ready).unwrap();
        let slept =
            first_transition_to(&events, pid, ProcState::Waiting(WaitOn::Sleep)).expect("slept");
        assert_eq!(woke - slept, n);
        assert_success(&mut kernel, pid);
    }
}

#[test]
fn run_for_stops_at_the_limit() {
    let mut kernel = Kernel::new();
    let a = spawn_hog(&mut kernel, "a", 0, 13);
    let b = spawn_hog(&mut kernel, "b", 0, 4);
    assert_eq!(kernel.run_for(12_345).unwrap(), Stop::TimeLimit);
    assert_eq!(kernel.now(), 12_345);
    let user = |kernel: &Kernel| {
        let ps = kernel.ps();
        expect_row(&ps, a).user + expect_row(&ps, b).user
    };
    assert_eq!(user(&kernel), 12_345);
    assert_eq!(kernel.run_for(655).unwrap(), Stop::TimeLimit);
    assert_eq!(kernel.now(), 13_000);
    assert_eq!(user(&kernel), 13_000);
    assert_eq!(kernel.run_for(0).unwrap(), Stop::TimeLimit);
    assert_eq!(kernel.now(), 13_000);
}

#[test]
fn run_for_stops_at_the_limit_while_everyone_sleeps() {
    let mut kernel = Kernel::new();
    let pid = kernel
        .spawn_fn(Command::new("sleeper"), |p| async move {
            p.sleep(1_000).await;
        })
        .unwrap();
    assert_eq!(kernel.run_for(100).unwrap(), Stop::TimeLimit);
    assert_eq!(
        kernel.now(),
        100,
        "the clock jumps to the limit, not past it"
    );
    let ps = kernel.ps();
    let row = expect_row(&ps, pid);
    assert_eq!(row.state, ProcState::Waiting(WaitOn::Sleep));
    assert_eq!(row.wake_at, Some(1_001));
    assert_eq!(kernel.run().unwrap(), Stop::AllExited);
    assert_eq!(kernel.now(), 1_001);
    assert_success(&mut kernel, pid);
}

#[test]
fn run_until_returns_when_the_target_exits() {
    let mut kernel = Kernel::new();
    let inner = Rc::new(std::cell::Cell::new(Pid(0)));
    let slot = inner.clone();
    let short = kernel
        .spawn_fn(Command::new("short"), |p| async move {
            p.sleep(100).await;
            1
        })
        .unwrap();
    let long = kernel
        .spawn_fn(Command::new("long"), move |p| async move {
            let child = p.spawn_fn(Command::new("inner"), |c| async move {
                c.sleep(300).await;
                4
            })?;
            slot.set(child);
            p.sleep(1_000).await;
            assert_eq!(
                p.waitpid(WaitFor::Pid(child), Default::default()).await?,
                Some((child, ExitStatus::Exited(4)))
            );
            Ok::<_, Error>(())
        })
        .unwrap();
    assert_eq!(kernel.run_until(short).unwrap(), Stop::TargetExited(short));
    assert!(
        kernel.now() >= 100 && kernel.now() < 300,
        "now {}",
        kernel.now()
    );
    assert!(row(&kernel.ps(), long).is_some(), "others still run");
    // Its status is not collected yet: run_until returns at once.
    assert_eq!(kernel.run_until(short).unwrap(), Stop::TargetExited(short));
    assert_eq!(host_status(&mut kernel, short), ExitStatus::Exited(1));

    // A process that is not the host's: it returns once it is a zombie.
    let inner = inner.get();
    assert_eq!(kernel.run_until(inner).unwrap(), Stop::TargetExited(inner));
    assert_eq!(expect_row(&kernel.ps(), inner).state, ProcState::Zombie);
    assert!(kernel.now() >= 300 && kernel.now() < 1_000);

    assert_eq!(kernel.run_until(long).unwrap(), Stop::TargetExited(long));
    assert_success(&mut kernel, long);
    assert_only_init(&kernel);
}
