//! The simulator at scale: 100,000 jobs that do I/O, under MLFQ with OSTEP's defaults (3
//! queues, quantum 10, allotment 1, I/O of 5 ticks), in scheduling decisions per second;
//! beside OSTEP's own mlfq.py on the same workload when it is at hand.
//!
//! mlfq.py is not part of vproc: point `OSTEP_MLFQ` at a copy of it
//! (github.com/remzi-arpacidusseau/ostep-homework, cpu-sched-mlfq/mlfq.py) and have
//! `python3` on the PATH. The workload is then mlfq.py's own random one (`-j 100000
//! -s 0`: lengths 1..99, an I/O every 1..9 ticks), read from its job list, and the bench
//! checks that both give the same average response and turnaround. Without it, vproc's
//! generator draws a workload of the same shape.
//!
//! The bench allocates with mimalloc, as `process-demo sim` does.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use vproc::kernel::sim::{Job, RandomWorkload, Report, Workload, simulate};
use vproc::sched::{MlfqConfig, MlfqPolicy};

/// The allocator of `process-demo`, where users run simulations.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

const JOBS: usize = 100_000;

/// vproc's runs timed beside mlfq.py's one, of which the median is quoted.
const TIMED_RUNS: usize = 5;

fn run(workload: &Workload) -> Report {
    let policy = Box::new(MlfqPolicy::new(MlfqConfig::default()));
    simulate(workload, policy, 0).expect("the workload runs")
}

/// mlfq.py, made runnable by python3 (its `__future__` import must come first), in a
/// temporary file.
fn python_mlfq() -> Option<PathBuf> {
    let source = std::fs::read_to_string(std::env::var_os("OSTEP_MLFQ")?).ok()?;
    Command::new("python3").arg("--version").output().ok()?;
    let future = "from __future__ import print_function";
    let body: String = source
        .lines()
        .filter(|l| l.trim() != future)
        .map(|l| format!("{l}\n"))
        .collect();
    let path = std::env::temp_dir().join(format!("vproc-bench-mlfq-{}.py", std::process::id()));
    std::fs::write(&path, format!("{future}\n{body}")).ok()?;
    Some(path)
}

fn python(script: &Path, solve: bool) -> (String, Duration) {
    let mut command = Command::new("python3");
    command
        .arg(script)
        .args(["-j", &JOBS.to_string(), "-s", "0"]);
    if solve {
        command.arg("-c");
    }
    let start = Instant::now();
    let output = command.output().expect("python3 runs mlfq.py");
    let elapsed = start.elapsed();
    assert!(
        output.status.success(),
        "mlfq.py failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    (
        String::from_utf8_lossy(&output.stdout).into_owned(),
        elapsed,
    )
}

/// The jobs of mlfq.py's listing: `Job  0: startTime   0 - runTime  84 - ioFreq   7`.
fn parse_jobs(listing: &str) -> Workload {
    let jobs = listing
        .lines()
        .filter(|l| l.trim_start().starts_with("Job ") && l.contains("ioFreq"))
        .map(|l| {
            let numbers: Vec<u64> = l
                .split(|c: char| !c.is_ascii_digit())
                .filter_map(|w| w.parse().ok())
                .collect();
            // [job, start, run, io]
            Job::new(numbers[2]).arrive(numbers[1]).io(numbers[3])
        })
        .collect();
    Workload::new(jobs)
}

/// mlfq.py's "Avg" line: (response, turnaround).
fn parse_averages(output: &str) -> (f64, f64) {
    let line = output
        .lines()
        .find(|l| l.trim_start().starts_with("Avg"))
        .expect("mlfq.py prints averages");
    let after = |key: &str| -> f64 {
        let rest = &line[line.find(key).expect("a key") + key.len()..];
        rest.split_whitespace()
            .next()
            .expect("a value")
            .parse()
            .expect("a number")
    };
    (after("response "), after("turnaround "))
}

fn bench(c: &mut Criterion) {
    let peer = python_mlfq();
    let workload = match &peer {
        Some(script) => parse_jobs(&python(script, false).0),
        None => {
            eprintln!(
                "sim_mlfq: OSTEP_MLFQ is not set (or python3 is missing): no mlfq.py beside vproc"
            );
            RandomWorkload {
                jobs: JOBS,
                min_len: 1,
                max_len: 99,
                io_percent: 100,
                max_io: 9,
                ..RandomWorkload::default()
            }
            .generate()
        }
    };
    assert_eq!(workload.jobs.len(), JOBS);
    let report = run(&workload);
    // Each slice is one decision of the policy put on the CPU.
    let decisions = report.schedule.len() as u64;
    let mut group = c.benchmark_group("sim_mlfq");
    group.sample_size(10);
    group.throughput(Throughput::Elements(decisions));
    group.bench_function("vproc_100k_jobs", |b| b.iter(|| run(&workload)));
    group.finish();

    // Timed runs side by side with mlfq.py, for the ratio: vproc's median of a few (one
    // run alone moves with the machine's noise by several percent), mlfq.py's one run.
    let mut times: Vec<Duration> = (0..TIMED_RUNS)
        .map(|_| {
            let start = Instant::now();
            let again = run(&workload);
            let elapsed = start.elapsed();
            assert_eq!(again, report, "one workload, one schedule");
            elapsed
        })
        .collect();
    times.sort();
    let ours = times[TIMED_RUNS / 2];
    let avg = report.averages();
    // mlfq.py decides once a tick (counting from 0); vproc once a slice, and runs a slice
    // to its end unless an event of the schedule cuts it. Both counts, for the comparison.
    let ticks = report.span().1;
    println!(
        "sim_mlfq: vproc: {decisions} decisions in {:.3} s (median of {TIMED_RUNS} runs) = {:.1} M decisions/s ({ticks} ticks simulated = {:.1} M ticks/s, mlfq.py's unit); avg response {:.2}, turnaround {:.2}",
        ours.as_secs_f64(),
        decisions as f64 / ours.as_secs_f64() / 1e6,
        ticks as f64 / ours.as_secs_f64() / 1e6,
        avg.response,
        avg.turnaround
    );
    if let Some(script) = peer {
        let (output, theirs) = python(&script, true);
        let (response, turnaround) = parse_averages(&output);
        println!(
            "sim_mlfq: mlfq.py: {:.1} s; avg response {response:.2}, turnaround {turnaround:.2}; vproc is {:.0}x faster",
            theirs.as_secs_f64(),
            theirs.as_secs_f64() / ours.as_secs_f64()
        );
        assert!(
            (response - avg.response).abs() < 0.01 && (turnaround - avg.turnaround).abs() < 0.01,
            "vproc and mlfq.py disagree on the same workload"
        );
        let _ = std::fs::remove_file(script);
    }
}

criterion_group!(benches, bench);
criterion_main!(benches);
