//! Property tests of the simulator on random workloads, under every policy: what OSTEP's
//! definitions promise must hold whatever the policy does.

use proptest::prelude::*;
use vproc::kernel::Tick;
use vproc::kernel::sim::{Job, Report, Workload, simulate};
use vproc::sched::{MlfqConfig, MlfqPolicy, POLICY_NAMES, Policy, by_name};

/// A random job: length 1..60, arrival 0..80, maybe I/O every 1..12 ticks, tickets,
/// nice.
fn job() -> impl Strategy<Value = Job> {
    (
        1..60u64,
        0..80u64,
        prop_oneof![Just(0u64), 1..12u64],
        1..200u32,
        -5..5i8,
    )
        .prop_map(|(length, arrival, io, tickets, nice)| {
            Job::new(length)
                .arrive(arrival)
                .io(io)
                .tickets(tickets)
                .nice(nice)
        })
}

fn workload() -> impl Strategy<Value = Workload> {
    (prop::collection::vec(job(), 1..7), 1..8u64)
        .prop_map(|(jobs, io_time)| Workload::new(jobs).io_time(io_time))
}

/// Every policy by name, and MLFQ with a boost, I/O at the front and the old rules.
fn policies(quantum: Tick, seed: u64) -> Vec<Box<dyn Policy>> {
    let mut all: Vec<Box<dyn Policy>> = POLICY_NAMES
        .iter()
        .map(|name| by_name(name, quantum, seed).expect("a known policy"))
        .collect();
    all.push(Box::new(MlfqPolicy::new(MlfqConfig {
        boost: Some(37),
        io_front: true,
        io_reset: true,
        ..MlfqConfig::uniform(4, quantum, 2)
    })));
    all
}

fn check(workload: &Workload, report: &Report) -> Result<(), TestCaseError> {
    let name = &report.policy;
    prop_assert_eq!(report.jobs.len(), workload.jobs.len());
    for (job, r) in workload.jobs.iter().zip(&report.jobs) {
        prop_assert_eq!(
            r.arrival,
            job.arrival,
            "{}: job {} arrives on time",
            name,
            r.id
        );
        prop_assert_eq!(r.length, job.length);
        prop_assert!(r.turnaround >= r.length, "{}: job {}: {:?}", name, r.id, r);
        prop_assert_eq!(
            r.io,
            job.io_count() * workload.io_time,
            "{}: job {} I/O",
            name,
            r.id
        );
        prop_assert_eq!(
            r.wait,
            r.turnaround - r.length - r.io,
            "{}: job {}: wait is the time neither running nor in I/O",
            name,
            r.id
        );
        prop_assert!(r.response <= r.wait, "{}: job {}: {:?}", name, r.id, r);
        let ran: Tick = report
            .schedule
            .iter()
            .filter(|s| s.job == r.id)
            .map(|s| s.end - s.start)
            .sum();
        prop_assert_eq!(
            ran,
            r.length,
            "{}: job {}'s slices add up to its length",
            name,
            r.id
        );
    }
    for pair in report.schedule.windows(2) {
        prop_assert!(
            pair[0].end <= pair[1].start,
            "{}: slices overlap or are out of order: {:?}",
            name,
            pair
        );
    }
    for s in &report.schedule {
        let job = &report.jobs[s.job];
        prop_assert!(s.start < s.end && s.start >= job.first_run && s.end <= job.completion);
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    #[test]
    fn every_policy_keeps_ostep_definitions(
        workload in workload(),
        quantum in 1..12u64,
        seed in any::<u64>(),
        switch_cost in prop_oneof![Just(0u64), 1..3u64],
    ) {
        for policy in policies(quantum, seed) {
            let report = simulate(&workload, policy, switch_cost).expect("a valid workload runs");
            check(&workload, &report)?;
            let switches = report.schedule.windows(2).filter(|p| p[0].job != p[1].job).count() as u64;
            prop_assert!(report.context_switches >= switches, "{}: {} switches counted, {} seen", report.policy, report.context_switches, switches);
        }
    }

    #[test]
    fn one_seed_gives_one_report(workload in workload(), seed in any::<u64>()) {
        for (a, b) in policies(3, seed).into_iter().zip(policies(3, seed)) {
            let first = simulate(&workload, a, 1).expect("runs");
            let second = simulate(&workload, b, 1).expect("runs");
            prop_assert_eq!(first, second);
        }
    }
}

#[test]
fn a_workload_without_jobs_or_with_an_empty_job_is_refused() {
    let fifo = || by_name("fifo", 1, 0).expect("fifo");
    let none = simulate(&Workload::new(Vec::new()), fifo(), 0).expect_err("no jobs");
    assert_eq!(none.errno(), vproc::kernel::Errno::EINVAL);
    let empty = simulate(&Workload::from_lengths(&[3, 0]), fifo(), 0).expect_err("len 0");
    assert!(empty.to_string().contains("job 1"), "{empty}");
}
