//! Memory per live process: RSS growth with 1,000,000 processes asleep, beside the RSS
//! growth per OS thread with 10,000 threads asleep. Prints bytes per process/thread, then
//! times spawn-to-sleep of one process beside one OS thread with criterion.

use std::sync::{Arc, Barrier};
use std::time::{Duration, Instant};

use criterion::{Criterion, criterion_group};
use vproc::kernel::{Command, Kernel, Stop};

/// Resident set size of this process, in bytes (Linux).
fn rss() -> Option<u64> {
    let statm = std::fs::read_to_string("/proc/self/statm").ok()?;
    let pages: u64 = statm.split_whitespace().nth(1)?.parse().ok()?;
    Some(pages * 4096)
}

/// Spawns `n` processes that each go to sleep, runs until all sleep.
fn sleeping_kernel(n: u64) -> Kernel {
    let mut kernel = Kernel::builder().event_ring(0).build();
    for _ in 0..n {
        kernel
            .spawn_fn(Command::new("sleeper"), |p| async move {
                p.sleep(u64::MAX / 2).await;
            })
            .expect("spawn");
    }
    let stop = kernel.run_for(n * 2 + 10).expect("run");
    assert_eq!(stop, Stop::TimeLimit);
    kernel
}

fn per_process(n: u64) -> Option<f64> {
    let before = rss()?;
    let kernel = sleeping_kernel(n);
    assert_eq!(kernel.live_objects().timers, n as usize);
    let after = rss()?;
    drop(kernel);
    Some((after.saturating_sub(before)) as f64 / n as f64)
}

fn per_thread(n: usize) -> Option<f64> {
    let before = rss()?;
    let gate = Arc::new(Barrier::new(n + 1));
    let ready = Arc::new(Barrier::new(n + 1));
    let threads: Vec<_> = (0..n)
        .map(|_| {
            let gate = gate.clone();
            let ready = ready.clone();
            std::thread::spawn(move || {
                ready.wait();
                gate.wait();
            })
        })
        .collect();
    ready.wait();
    let after = rss()?;
    gate.wait();
    for t in threads {
        t.join().expect("join");
    }
    Some((after.saturating_sub(before)) as f64 / n as f64)
}

fn report() {
    match (per_process(1_000_000), per_thread(10_000)) {
        (Some(process), Some(thread)) => {
            println!(
                "memory/vproc_sleeping_process: {process:.0} bytes RSS each (1,000,000 asleep)"
            );
            println!("memory/os_thread_sleeping:     {thread:.0} bytes RSS each (10,000 asleep)");
            println!(
                "memory/ratio: an OS thread takes {:.1}x a vproc process",
                thread / process
            );
        }
        _ => println!("memory: /proc/self/statm is not readable here; no RSS figures"),
    }
}

/// Spawns `n` processes that go to sleep, in kernels of at most 100,000 processes (pids
/// run out at 4,194,303).
fn spawn_to_sleep(n: u64) -> Duration {
    let mut total = Duration::ZERO;
    let mut left = n;
    while left > 0 {
        let batch = left.min(100_000);
        left -= batch;
        let start = Instant::now();
        let kernel = sleeping_kernel(batch);
        total += start.elapsed();
        drop(kernel);
    }
    total
}

fn bench(c: &mut Criterion) {
    let mut group = c.benchmark_group("spawn_to_sleep");
    group.bench_function("vproc", |b| b.iter_custom(spawn_to_sleep));
    group.bench_function("os_thread", |b| {
        b.iter(|| {
            let t = std::thread::spawn(std::thread::park);
            t.thread().unpark();
            t.join().expect("join")
        })
    });
    group.finish();
}

criterion_group!(benches, bench);

fn main() {
    report();
    benches();
    criterion::Criterion::default()
        .configure_from_args()
        .final_summary();
}
