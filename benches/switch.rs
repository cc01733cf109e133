//! Cost of one switch: two processes yielding to each other, beside two OS threads
//! ping-ponging over channels.

use std::time::{Duration, Instant};

use criterion::{Criterion, criterion_group, criterion_main};
use crossbeam_channel::bounded;
use vproc::kernel::{Command, Kernel, Stop};

/// `switches` switches between two processes that only yield; `events` is the size of
/// the kernel's event ring (0: no events kept).
fn yield_ping_pong(switches: u64, events: usize) -> Duration {
    let mut kernel = Kernel::builder().event_ring(events).build();
    for name in ["ping", "pong"] {
        kernel
            .spawn_fn(Command::new(name), move |p| async move {
                for _ in 0..switches / 2 {
                    p.yield_now().await;
                }
            })
            .expect("spawn");
    }
    let start = Instant::now();
    let stop = kernel.run().expect("run");
    let elapsed = start.elapsed();
    assert_eq!(stop, Stop::AllExited);
    elapsed
}

/// `switches` hand-overs between two OS threads over two rendezvous channels.
fn thread_ping_pong(switches: u64) -> Duration {
    let (to_pong, pong_rx) = bounded::<u64>(0);
    let (to_ping, ping_rx) = bounded::<u64>(0);
    let pong = std::thread::spawn(move || {
        while let Ok(v) = pong_rx.recv() {
            if to_ping.send(v).is_err() {
                break;
            }
        }
    });
    let start = Instant::now();
    for i in 0..switches / 2 {
        to_pong.send(i).expect("send");
        ping_rx.recv().expect("recv");
    }
    let elapsed = start.elapsed();
    drop(to_pong);
    pong.join().expect("join");
    elapsed
}

fn bench(c: &mut Criterion) {
    let mut group = c.benchmark_group("switch");
    group.bench_function("vproc_yield", |b| b.iter_custom(|n| yield_ping_pong(n, 0)));
    group.bench_function("vproc_yield_event_ring", |b| {
        b.iter_custom(|n| yield_ping_pong(n, 1024))
    });
    group.bench_function("os_threads_channel", |b| b.iter_custom(thread_ping_pong));
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
