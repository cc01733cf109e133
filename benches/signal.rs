//! Signal round trip: one process sends SIGUSR1 to another, whose handler acknowledges
//! with SIGUSR2, whose handler in the sender counts; beside the same round trip between
//! two OS threads of this process (`pthread_kill`, `sigaction`, `sigsuspend`) in the same
//! run. Prints the context switches one vproc round trip costs.

use std::cell::Cell;
use std::rc::Rc;
use std::time::{Duration, Instant};

use criterion::{Criterion, criterion_group, criterion_main};
use vproc::kernel::{Command, Kernel, Proc, SigAction, SigHow, SigSet, Signal, Stop};

/// `rounds` round trips between two virtual processes. Returns the time the rounds took
/// (measured inside the sender, so building the kernel and spawning are left out) and
/// the kernel's context switches over the whole run.
///
/// The sender blocks SIGUSR1 and SIGUSR2 before it spawns the receiver, which inherits
/// the mask: a SIGUSR1 sent before the receiver has installed its handler stays pending
/// instead of killing it. Each side waits in `sigsuspend` with its own signal unblocked,
/// the race-free way to wait for a signal.
fn vproc_round_trips(rounds: u64) -> (Duration, u64) {
    let mut kernel = Kernel::builder().event_ring(0).build();
    let elapsed = Rc::new(Cell::new(Duration::ZERO));
    let took = elapsed.clone();
    kernel
        .spawn_fn(Command::new("sender"), move |p| async move {
            let usr1 = SigSet::of(Signal::SIGUSR1);
            let usr2 = SigSet::of(Signal::SIGUSR2);
            let acks = Rc::new(Cell::new(0u64));
            let count = acks.clone();
            p.sigprocmask(SigHow::Block, usr1 | usr2);
            p.sigaction(
                Signal::SIGUSR2,
                SigAction::handler(move |_, _| count.set(count.get() + 1)),
            )
            .expect("sigaction");
            let receiver = p
                .spawn_fn(Command::new("receiver"), move |c| async move {
                    c.sigaction(
                        Signal::SIGUSR1,
                        SigAction::handler(|c: &Proc, _| {
                            c.kill(c.getppid(), Signal::SIGUSR2).expect("acknowledge");
                        }),
                    )
                    .expect("sigaction");
                    loop {
                        // Fails with EINTR once the handler has run, as it always does.
                        let _ = c.sigsuspend(SigSet::empty()).await;
                    }
                })
                .expect("spawn");
            let wait_mask = (usr1 | usr2) - usr2;
            let start = Instant::now();
            for round in 1..=rounds {
                p.kill(receiver, Signal::SIGUSR1).expect("kill");
                while acks.get() < round {
                    let _ = p.sigsuspend(wait_mask).await;
                }
            }
            took.set(start.elapsed());
            assert_eq!(acks.get(), rounds);
            p.kill(receiver, Signal::SIGKILL).expect("kill");
            p.wait().await.expect("wait");
        })
        .expect("spawn");
    assert_eq!(kernel.run().expect("run"), Stop::AllExited);
    (elapsed.get(), kernel.context_switches())
}

/// The same round trip between two OS threads: the sender `pthread_kill`s SIGUSR1 to the
/// receiver, whose handler `pthread_kill`s SIGUSR2 back; the sender's handler counts.
#[cfg(target_os = "linux")]
mod os {
    use std::sync::Once;
    use std::sync::atomic::{AtomicU64, Ordering::SeqCst};
    use std::sync::mpsc;
    use std::time::{Duration, Instant};

    use nix::libc::c_int;
    use nix::sys::pthread::{Pthread, pthread_kill, pthread_self};
    use nix::sys::signal::{SaFlags, SigAction, SigHandler, SigSet, Signal, sigaction};

    /// Acknowledgements the sender's SIGUSR2 handler has counted (over all runs).
    static ACKS: AtomicU64 = AtomicU64::new(0);
    /// SIGUSR1s the receiver's handler has acknowledged (over all runs).
    static HANDLED: AtomicU64 = AtomicU64::new(0);
    /// The sender thread of the current run, for the receiver's handler to answer.
    static SENDER: AtomicU64 = AtomicU64::new(0);

    /// The receiver's SIGUSR1 handler: acknowledges to the sender. `pthread_kill` is
    /// async-signal-safe (signal-safety(7)); nix's wrapper adds no more than a compare.
    extern "C" fn acknowledge(_: c_int) {
        HANDLED.fetch_add(1, SeqCst);
        let _ = pthread_kill(SENDER.load(SeqCst) as Pthread, Signal::SIGUSR2);
    }

    /// The sender's SIGUSR2 handler: counts. Touches only an atomic.
    extern "C" fn count(_: c_int) {
        ACKS.fetch_add(1, SeqCst);
    }

    /// Installs both handlers (once for the process), and blocks both signals in the
    /// calling thread (criterion's), so that the threads it spawns inherit the block and
    /// take each signal only inside `sigsuspend`, and it never takes one itself.
    fn install() {
        static INSTALL: Once = Once::new();
        INSTALL.call_once(|| {
            for (signal, handler) in [
                (Signal::SIGUSR1, acknowledge as extern "C" fn(c_int)),
                (Signal::SIGUSR2, count),
            ] {
                let action = SigAction::new(
                    SigHandler::Handler(handler),
                    SaFlags::empty(),
                    SigSet::empty(),
                );
                // SAFETY: the handlers touch only atomics and call the async-signal-safe
                // `pthread_kill`; nothing else in this program handles these signals.
                unsafe { sigaction(signal, &action) }.expect("sigaction");
            }
        });
        both().thread_block().expect("pthread_sigmask");
    }

    fn both() -> SigSet {
        let mut set = SigSet::empty();
        set.add(Signal::SIGUSR1);
        set.add(Signal::SIGUSR2);
        set
    }

    /// The mask to wait in: the thread's own (both blocked) less `signal`.
    fn waiting_for(signal: Signal) -> SigSet {
        let mut mask = SigSet::thread_get_mask().expect("pthread_sigmask");
        mask.remove(signal);
        mask
    }

    /// `rounds` round trips; returns the time the rounds took, measured in the sender
    /// (thread start-up is left out).
    pub fn round_trips(rounds: u64) -> Duration {
        install();
        std::thread::scope(|s| {
            let (ready, receiver_id) = mpsc::channel::<Pthread>();
            let receiver = s.spawn(move || {
                let mask = waiting_for(Signal::SIGUSR1);
                // It leaves once it has handled every round's signal (the handler has
                // acknowledged before it returns), so no signal is left in flight.
                let done = HANDLED.load(SeqCst) + rounds;
                ready.send(pthread_self()).expect("send");
                while HANDLED.load(SeqCst) < done {
                    mask.suspend().expect("sigsuspend");
                }
            });
            let receiver_id = receiver_id.recv().expect("receiver started");
            let sender = s.spawn(move || {
                SENDER.store(pthread_self() as u64, SeqCst);
                let mask = waiting_for(Signal::SIGUSR2);
                let mut acks = ACKS.load(SeqCst);
                let start = Instant::now();
                for _ in 0..rounds {
                    pthread_kill(receiver_id, Signal::SIGUSR1).expect("pthread_kill");
                    acks += 1;
                    // SIGUSR2 is blocked here except inside sigsuspend: no lost wake-up.
                    while ACKS.load(SeqCst) < acks {
                        mask.suspend().expect("sigsuspend");
                    }
                }
                start.elapsed()
            });
            let elapsed = sender.join().expect("sender");
            receiver.join().expect("receiver");
            elapsed
        })
    }
}

fn bench(c: &mut Criterion) {
    // Switches per round trip, from two runs so that start-up and exit cancel out.
    let (small, large) = (1_000u64, 101_000u64);
    let (_, s1) = vproc_round_trips(small);
    let (_, s2) = vproc_round_trips(large);
    eprintln!(
        "signal: vproc round trip = {:.2} context switches ({} over {} round trips)",
        (s2 - s1) as f64 / (large - small) as f64,
        s2 - s1,
        large - small
    );

    let mut group = c.benchmark_group("signal_round_trip");
    group.bench_function("vproc_kill_handler", |b| {
        b.iter_custom(|n| vproc_round_trips(n).0)
    });
    #[cfg(target_os = "linux")]
    group.bench_function("os_threads_pthread_kill", |b| {
        b.iter_custom(os::round_trips)
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
