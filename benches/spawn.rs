//! spawn + exit + reap of one process, beside std::thread spawn + join.

use std::time::{Duration, Instant};

use criterion::{Criterion, criterion_group, criterion_main};
use vproc::kernel::{Command, Kernel, Stop, WaitFlags, WaitFor};

/// A parent spawns `n` children one after another, each exiting at once, and reaps each.
fn spawn_exit_reap(n: u64) -> Duration {
    let mut kernel = Kernel::builder().event_ring(0).build();
    kernel
        .spawn_fn(Command::new("parent"), move |p| async move {
            for _ in 0..n {
                let child = p.spawn_fn(Command::new("child"), |_| async {})?;
                p.waitpid(WaitFor::Pid(child), WaitFlags::empty()).await?;
            }
            Ok::<_, vproc::kernel::Error>(())
        })
        .expect("spawn the parent");
    let start = Instant::now();
    let stop = kernel.run().expect("run");
    let elapsed = start.elapsed();
    assert_eq!(stop, Stop::AllExited);
    elapsed
}

fn bench(c: &mut Criterion) {
    let mut group = c.benchmark_group("spawn_exit_reap");
    group.bench_function("vproc", |b| b.iter_custom(spawn_exit_reap));
    group.bench_function("std_thread", |b| {
        b.iter(|| std::thread::spawn(|| {}).join().expect("join"))
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
