//! The teaching policies run real processes on the kernel and give OSTEP's worked
//! examples (Operating Systems: Three Easy Pieces, chapter 7).

use std::rc::Rc;

use vproc::kernel::sim::{Job, Workload, simulate};
use vproc::kernel::{Command, Kernel, Stop, Tick};
use vproc::sched::{Policy, by_name};

/// Runs jobs of (arrival, length, I/O after every n ticks of CPU, 0 for none) as
/// processes under `policy` with the simulator, I/Os lasting `io_time`; system calls
/// cost nothing, as in OSTEP. Returns (arrival, first run, completion) by job.
fn run_jobs(
    policy: Box<dyn Policy>,
    io_time: Tick,
    jobs: &[(Tick, Tick, Tick)],
) -> Vec<(Tick, Tick, Tick)> {
    let workload = Workload::new(
        jobs.iter()
            .map(|&(arrival, length, io)| Job::new(length).arrive(arrival).io(io))
            .collect(),
    )
    .io_time(io_time);
    simulate(&workload, policy, 0)
        .expect("the workload runs")
        .jobs
        .iter()
        .map(|j| (j.arrival, j.first_run, j.completion))
        .collect()
}

/// Jobs of (arrival, length) without I/O under the policy named `policy`.
fn simulate_named(policy: &str, quantum: Tick, jobs: &[(Tick, Tick)]) -> Vec<(Tick, Tick, Tick)> {
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
    let runs = simulate_named("fifo", 10, &[(0, 10), (0, 10), (0, 10)]);
    assert_eq!(average_turnaround(&runs), 20.0);
}

#[test]
fn a_long_job_first_fifo_against_sjf() {
    let jobs = [(0, 100), (0, 10), (0, 10)];
    assert_eq!(
        average_turnaround(&simulate_named("fifo", 10, &jobs)),
        110.0
    );
    assert_eq!(average_turnaround(&simulate_named("sjf", 10, &jobs)), 50.0);
}

#[test]
fn late_short_jobs_sjf_against_stcf() {
    let jobs = [(0, 100), (10, 10), (10, 10)];
    let sjf = average_turnaround(&simulate_named("sjf", 10, &jobs));
    assert!((sjf - 103.33).abs() < 0.01, "sjf {sjf}");
    assert_eq!(average_turnaround(&simulate_named("stcf", 10, &jobs)), 50.0);
}

#[test]
fn round_robin_with_quantum_1_answers_fast() {
    let runs = simulate_named("rr", 1, &[(0, 5), (0, 5), (0, 5)]);
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
