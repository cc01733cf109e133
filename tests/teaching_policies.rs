//! The teaching policies run real processes on the kernel and give OSTEP's worked
//! examples (Operating Systems: Three Easy Pieces, chapter 7).

use std::cell::RefCell;
use std::rc::Rc;

use vproc::kernel::{Command, Kernel, Stop, Tick};
use vproc::sched::{Policy, by_name};

/// (job, first run, completion) of each job that finished.
type Times = Rc<RefCell<Vec<(usize, Tick, Tick)>>>;

/// Runs jobs of (arrival, length, I/O after every n ticks of CPU, 0 for none) as
/// processes under `policy`, with I/Os lasting `io_time`; system calls cost nothing, as
/// in OSTEP. Returns (arrival, first run, completion) by job.
fn run_jobs(
    policy: Box<dyn Policy>,
    io_time: Tick,
    jobs: &[(Tick, Tick, Tick)],
) -> Vec<(Tick, Tick, Tick)> {
    let mut kernel = Kernel::builder()
        .policy_boxed(policy)
        .syscall_cost(0)
        .build();
    let times: Times = Rc::default();
    let mut order: Vec<usize> = (0..jobs.len()).collect();
    order.sort_by_key(|&i| jobs[i].0);
    for i in order {
        let (arrival, length, io) = jobs[i];
        if kernel.now() < arrival {
            kernel.run_for(arrival - kernel.now()).expect("run");
        }
        let times = times.clone();
        let command = Command::new(format!("job{i}")).expected_length(length);
        kernel
            .spawn_fn(command, move |p| async move {
                let first = p.now();
                let mut left = length;
                while left > 0 {
                    let burst = if io > 0 { io.min(left) } else { left };
                    p.compute(burst).await;
                    left -= burst;
                    if left > 0 && io > 0 {
                        p.sleep(io_time).await;
                    }
                }
                times.borrow_mut().push((i, first, p.now()));
            })
            .expect("spawn");
    }
    assert_eq!(kernel.run().expect("run"), Stop::AllExited);
    let mut done = times.borrow().clone();
    done.sort_unstable();
    done.into_iter()
        .map(|(i, first, end)| (jobs[i].0, first, end))
        .collect()
}

/// Jobs of (arrival, length) without I/O under the policy named `policy`.
fn simulate(policy: &str, quantum: Tick, jobs: &[(Tick, Tick)]) -> Vec<(Tick, Tick, Tick)> {
    let jobs: Vec<(Tick, Tick, Tick)> = jobs.iter().map(|&(a, l)| (a, l, 0)).collect();
    run_jobs(by_name(policy, quantum, 0).expect("a policy"), 0, &jobs)
}

/// Jobs of (arrival, length, I/O every n ticks) under MLFQ.
fn simulate_mlfq(
    config: vproc::sched::MlfqConfig,
    io_time: Tick,
    jobs: &[(Tick, Tick, Tick)],
) -> Vec<(Tick, Tick, Tick)> {
    run_jobs(
        Box::new(vproc::sched::MlfqPolicy::new(config)),
        io_time,
        jobs,
    )
}

fn average_turnaround(runs: &[(Tick, Tick, Tick)]) -> f64 {
    runs.iter()
        .map(|&(a, _, end)| (end - a) as f64)
        .sum::<f64>()
        / runs.len() as f64
}

fn average_response(runs: &[(Tick, Tick, Tick)]) -> f64 {
    runs.iter()
        .map(|&(a, first, _)| (first - a) as f64)
        .sum::<f64>()
        / runs.len() as f64
}

#[test]
fn a_process_yielding_while_it_waits_does_not_stall_any_policy() {
    use std::cell::Cell;
    for policy in vproc::sched::POLICY_NAMES {
        let mut kernel = Kernel::builder()
            .policy_boxed(by_name(policy, 10, 3).expect("a policy"))
            .syscall_cost(0)
            .build();
        let flag = Rc::new(Cell::new(false));
        let waiting = flag.clone();
        // The waiter is the shortest job and came first: it must still let the setter run.
        kernel
            .spawn_fn(
                Command::new("waiter").expected_length(1),
                move |p| async move {
                    while !waiting.get() {
                        p.yield_now().await;
                    }
                },
            )
            .expect("spawn");
        kernel
            .spawn_fn(
                Command::new("setter").expected_length(50),
                move |p| async move {
                    p.compute(5).await;
                    flag.set(true);
                },
            )
            .expect("spawn");
        assert_eq!(
            kernel.run_for(1_000).expect("run"),
            Stop::AllExited,
            "{policy}"
        );
    }
}

#[test]
fn fifo_three_equal_jobs() {
    let runs = simulate("fifo", 10, &[(0, 10), (0, 10), (0, 10)]);
    assert_eq!(average_turnaround(&runs), 20.0);
}

#[test]
fn a_long_job_first_fifo_against_sjf() {
    let jobs = [(0, 100), (0, 10), (0, 10)];
    assert_eq!(average_turnaround(&simulate("fifo", 10, &jobs)), 110.0);
    assert_eq!(average_turnaround(&simulate("sjf", 10, &jobs)), 50.0);
}

#[test]
fn late_short_jobs_sjf_against_stcf() {
    let jobs = [(0, 100), (10, 10), (10, 10)];
    let sjf = average_turnaround(&simulate("sjf", 10, &jobs));
    assert!((sjf - 103.33).abs() < 0.01, "sjf {sjf}");
    assert_eq!(average_turnaround(&simulate("stcf", 10, &jobs)), 50.0);
}

#[test]
fn round_robin_with_quantum_1_answers_fast() {
    let runs = simulate("rr", 1, &[(0, 5), (0, 5), (0, 5)]);
    assert_eq!(average_response(&runs), 1.0);
}

#[test]
fn mlfq_a_short_job_arriving_late_runs_at_once_and_finishes_quickly() {
    // OSTEP figure 8.4: a long job sinks to the bottom; a short one arriving at 100 runs
    // at once in the top queue and is done in 20 ticks.
    let runs = simulate_mlfq(Default::default(), 5, &[(0, 200, 0), (100, 20, 0)]);
    assert_eq!(runs[1], (100, 100, 120));
    assert_eq!(runs[0].2, 220);
}

#[test]
fn mlfq_boost_keeps_a_long_job_from_starving() {
    // Under the old rules (I/O resets the accounting), two jobs that do an I/O after
    // every tick of CPU stay in the top queue and, taking turns, keep it busy: the long
    // job starves until they are done, unless boosts lift it.
    let jobs = [(0, 100, 0), (0, 300, 1), (0, 300, 1)];
    let old_rules = vproc::sched::MlfqConfig {
        io_reset: true,
        ..Default::default()
    };
    let unboosted = simulate_mlfq(old_rules.clone(), 1, &jobs);
    let boosted = simulate_mlfq(
        vproc::sched::MlfqConfig {
            boost: Some(50),
            ..old_rules
        },
        1,
        &jobs,
    );
    let interactive_end = unboosted[1].2.min(unboosted[2].2);
    assert!(
        unboosted[0].2 > interactive_end,
        "without boost the long job should wait for the others: {unboosted:?}"
    );
    assert!(
        boosted[0].2 < interactive_end,
        "with boosts it should finish first: {boosted:?} against {unboosted:?}"
    );
}
