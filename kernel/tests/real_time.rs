//! The real-time clock: a tick lasts its wall-clock length and sleeping waits for real.

use std::time::{Duration, Instant};

use vproc_kernel::{Command, Kernel, KernelHandle, Stop};

#[test]
fn sleeping_takes_real_time() {
    let mut kernel = Kernel::builder()
        .real_time(Duration::from_millis(1))
        .build();
    let pid = kernel
        .spawn_fn(Command::new("sleeper"), |p| async move {
            let before = p.now();
            p.sleep(60).await;
            if p.now() >= before + 60 { 0 } else { 1 }
        })
        .expect("spawn");
    let started = Instant::now();
    assert_eq!(kernel.run().expect("run"), Stop::AllExited);
    let elapsed = started.elapsed();
    assert!(
        elapsed >= Duration::from_millis(60),
        "slept only {elapsed:?}"
    );
    assert!(
        elapsed < Duration::from_secs(5),
        "slept far too long: {elapsed:?}"
    );
    assert!(
        kernel
            .exit_status(pid)
            .expect("host child")
            .is_some_and(|s| s.success())
    );
    assert!(kernel.now() >= 60);
}

#[test]
fn the_clock_follows_the_wall_even_when_idle_between_runs() {
    let mut kernel = Kernel::builder()
        .real_time(Duration::from_millis(1))
        .build();
    std::thread::sleep(Duration::from_millis(30));
    kernel
        .spawn_fn(Command::new("clock"), |p| async move {
            // The wall clock has moved 30 ms since the kernel was built.
            if p.now() >= 30 { 0 } else { 1 }
        })
        .expect("spawn");
    assert_eq!(kernel.run().expect("run"), Stop::AllExited);
    assert!(kernel.now() >= 30);
}

#[test]
fn a_handle_wakes_a_kernel_that_waits_for_a_long_sleeper() {
    let mut kernel = Kernel::builder()
        .real_time(Duration::from_millis(1))
        .build();
    let handle = kernel.handle();
    kernel
        .spawn_fn(Command::new("long"), |p| async move {
            p.sleep(60_000).await;
        })
        .expect("spawn");
    let (done_tx, done_rx) = std::sync::mpsc::channel();
    let worker = std::thread::spawn(move || {
        let started = Instant::now();
        let pid = handle
            .spawn_fn(Command::new("quick"), |_| async { 5 })
            .expect("spawn through the handle");
        let status = handle.wait(pid).expect("wait");
        let _ = done_tx.send((status, started.elapsed()));
        // Ends the long sleeper so that run() returns.
        for info in handle.ps().expect("ps") {
            if info.name == "long" {
                handle
                    .kill(info.pid, vproc_kernel::Signal::SIGKILL)
                    .expect("kill");
            }
        }
    });
    assert_eq!(kernel.run().expect("run"), Stop::AllExited);
    let (status, took) = done_rx
        .recv_timeout(Duration::from_secs(10))
        .expect("the handle's calls were served");
    assert_eq!(status.code(), Some(5));
    assert!(
        took < Duration::from_secs(10),
        "the idle kernel woke late: {took:?}"
    );
    worker.join().expect("worker");
}

#[test]
fn a_handle_is_send_sync_and_clone() {
    fn assert_send_sync_clone<T: Send + Sync + Clone>() {}
    assert_send_sync_clone::<KernelHandle>();
}
