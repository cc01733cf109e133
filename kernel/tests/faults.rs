//! Faults: contained panics, deadlock reports, typed errors for bad input, signals with
//! their default actions, and a `KernelHandle` used from other threads.

mod common;

use std::cell::Cell;
use std::convert::Infallible;
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll, Waker};
use std::thread;
use std::time::Duration;

use common::*;
use vproc_kernel::{
    Command, Errno, Error, ErrorKind, EventKind, ExitStatus, Kernel, KernelHandle, Pid, Proc,
    ProcState, Signal, Stop, WaitFor, WaitOn,
};

fn signaled(signal: Signal, core_dumped: bool) -> ExitStatus {
    ExitStatus::Signaled {
        signal,
        core_dumped,
    }
}

/// A program that blocks forever on something nothing will ever wake.
async fn forever(_p: Proc) {
    std::future::pending::<()>().await
}

// ---------------------------------------------------------------------------------------
// Panics

#[test]
fn a_panicking_program_ends_with_its_message_and_others_go_on() {
    let mut kernel = Kernel::new();
    let bystander = kernel
        .spawn_fn(Command::new("bystander"), |p| async move {
            for _ in 0..10 {
                p.compute(10).await;
                p.yield_now().await;
            }
            p.times().user as i32
        })
        .unwrap();
    let parent = kernel
        .spawn_fn(Command::new("parent"), |p| async move {
            let child = p.spawn_fn(Command::new("child"), |c| async move {
                c.compute(5).await;
                if c.pid().as_u32() > 0 {
                    panic!("disk on fire: sector {}", 42);
                }
            })?;
            let (pid, status) = p.wait().await?;
            assert_eq!(pid, child);
            assert_eq!(
                status,
                ExitStatus::Panicked("disk on fire: sector 42".into())
            );
            assert_eq!(status.shell_code(), 134);
            // The parent goes on after its child's panic.
            p.compute(3).await;
            Ok::<_, Error>(())
        })
        .unwrap();
    let host_panic = kernel
        .spawn_fn(Command::new("static"), |p| async move {
            p.sleep(7).await;
            if p.pid().as_u32() > 0 {
                panic!("static message");
            }
        })
        .unwrap();
    let odd_payload = kernel
        .spawn_fn(Command::new("odd"), |p| async move {
            if p.pid().as_u32() > 0 {
                std::panic::panic_any(17u32);
            }
        })
        .unwrap();
    assert_eq!(kernel.run().unwrap(), Stop::AllExited);
    assert_eq!(host_status(&mut kernel, bystander), ExitStatus::Exited(100));
    assert_success(&mut kernel, parent);
    assert_eq!(
        host_status(&mut kernel, host_panic),
        ExitStatus::Panicked("static message".into())
    );
    match host_status(&mut kernel, odd_payload) {
        ExitStatus::Panicked(message) => assert!(!message.is_empty()),
        other => panic!("expected a panic status, got {other}"),
    }
    assert_only_init(&kernel);
    let live = kernel.live_objects();
    assert_eq!((live.programs, live.timers, live.ready), (0, 0, 0));
}

// ---------------------------------------------------------------------------------------
// Deadlocks

#[test]
fn a_parent_waiting_on_a_child_blocked_forever_is_a_deadlock() {
    let mut kernel = Kernel::new();
    let child_pid = Rc::new(Cell::new(Pid(0)));
    let cp = child_pid.clone();
    let parent = kernel
        .spawn_fn(Command::new("parent"), move |p| async move {
            let child = p.spawn_fn(Command::new("child"), forever)?;
            cp.set(child);
            p.waitpid(WaitFor::Pid(child), Default::default()).await?;
            Ok::<_, Error>(())
        })
        .unwrap();
    let report = match kernel.run().unwrap() {
        Stop::Deadlock(report) => report,
        other => panic!("expected a deadlock, got {other:?}"),
    };
    let child = child_pid.get();
    let mut blocked = report.blocked.clone();
    blocked.sort_by_key(|(pid, _, _)| *pid);
    assert_eq!(
        blocked,
        vec![
            (
                parent,
                "parent".to_string(),
                ProcState::Waiting(WaitOn::Child(WaitFor::Pid(child)))
            ),
            (
                child,
                "child".to_string(),
                ProcState::Waiting(WaitOn::Event)
            ),
        ]
    );
    assert_eq!(report.tick, kernel.now());
    let text = report.to_string();
    assert!(
        text.contains("deadlock") && text.contains("parent") && text.contains("child"),
        "{text}"
    );

    // The host can break it.
    kernel.kill(child, Signal::SIGKILL).unwrap();
    assert_eq!(kernel.run().unwrap(), Stop::AllExited);
    assert_success(&mut kernel, parent);
    assert_only_init(&kernel);
}

#[test]
fn stopped_processes_are_reported_as_deadlocked() {
    let mut kernel = Kernel::new();
    let child_pid = Rc::new(Cell::new(Pid(0)));
    let cp = child_pid.clone();
    let parent = kernel
        .spawn_fn(Command::new("parent"), move |p| async move {
            let child = p.spawn_fn(Command::new("worker"), |c| async move {
                c.compute(500).await;
                9
            })?;
            cp.set(child);
            assert_eq!(p.wait().await?, (child, ExitStatus::Exited(9)));
            Ok::<_, Error>(())
        })
        .unwrap();
    let lone = kernel
        .spawn_fn(Command::new("lone"), |p| async move {
            p.compute(50).await;
        })
        .unwrap();
    assert_eq!(kernel.run_for(20).unwrap(), Stop::TimeLimit);
    let child = child_pid.get();
    kernel.kill(child, Signal::SIGSTOP).unwrap();
    kernel.kill(lone, Signal::SIGTSTP).unwrap();
    let report = match kernel.run().unwrap() {
        Stop::Deadlock(report) => report,
        other => panic!("expected a deadlock, got {other:?}"),
    };
    let mut blocked = report.blocked.clone();
    blocked.sort_by_key(|(pid, _, _)| *pid);
    assert_eq!(
        blocked,
        vec![
            (
                parent,
                "parent".to_string(),
                ProcState::Waiting(WaitOn::Child(WaitFor::Any))
            ),
            (lone, "lone".to_string(), ProcState::Stopped),
            (child, "worker".to_string(), ProcState::Stopped),
        ]
    );
    for pid in [child, lone] {
        kernel.kill(pid, Signal::SIGCONT).unwrap();
    }
    assert_eq!(kernel.run().unwrap(), Stop::AllExited);
    assert_success(&mut kernel, parent);
    assert_success(&mut kernel, lone);
}

#[test]
fn a_killed_sleepers_timer_does_not_move_the_clock() {
    let mut kernel = Kernel::new();
    let sleeper = kernel
        .spawn_fn(Command::new("sleeper"), |p| async move {
            p.sleep(1_000_000).await;
        })
        .unwrap();
    let stuck = kernel.spawn_fn(Command::new("stuck"), forever).unwrap();
    assert_eq!(kernel.run_for(10).unwrap(), Stop::TimeLimit);
    kernel.kill(sleeper, Signal::SIGKILL).unwrap();
    assert_eq!(kernel.live_objects().timers, 0);
    let before = kernel.now();
    let report = match kernel.run().unwrap() {
        Stop::Deadlock(report) => report,
        other => panic!("expected a deadlock, got {other:?}"),
    };
    assert_eq!(
        report.blocked,
        vec![(
            stuck,
            "stuck".to_string(),
            ProcState::Waiting(WaitOn::Event)
        )]
    );
    // Nobody sleeps any more: there is no wake-up for the clock to jump to.
    assert_eq!(report.tick, before, "the deadlock was found late");
    assert_eq!(kernel.now(), before);
}

#[test]
fn a_killed_sleepers_timer_leaves_a_burst_whole() {
    // The cruncher kills the sleeper, then computes through the tick the sleeper would
    // have woken at: its burst goes on as one dispatch, and ends when it would have.
    let mut kernel = Kernel::builder()
        .policy(vproc_sched::FifoPolicy::fifo())
        .syscall_cost(0)
        .dispatch_log(true)
        .build();
    let sleeper = kernel
        .spawn_fn(Command::new("sleeper"), |p| async move {
            p.sleep(30).await;
        })
        .unwrap();
    let cruncher = kernel
        .spawn_fn(Command::new("cruncher"), move |p| async move {
            p.compute(10).await;
            p.kill(sleeper, Signal::SIGKILL)
                .expect("the sleeper is there");
            p.compute(90).await;
        })
        .unwrap();
    assert_eq!(kernel.run().unwrap(), Stop::AllExited);
    assert_eq!(kernel.now(), 100);
    let log: Vec<_> = kernel
        .take_dispatch_log()
        .into_iter()
        .map(|d| (d.pid, d.start, d.end))
        .collect();
    assert_eq!(log, vec![(cruncher, 0, 100)]);
    // Sleeper, cruncher, then the sleeper again, only to take its SIGKILL.
    assert_eq!(kernel.context_switches(), 2);
}

// ---------------------------------------------------------------------------------------
// Bad input

#[test]
fn bad_pids_give_typed_errors() {
    let mut kernel = Kernel::new();
    assert_eq!(
        errno_of(kernel.kill(Pid(4242), Signal::SIGTERM)),
        Errno::ESRCH
    );
    assert_eq!(errno_of(kernel.kill(Pid(0), Signal::SIGTERM)), Errno::ESRCH);
    assert_eq!(errno_of(kernel.run_until(Pid(4242))), Errno::ESRCH);
    let pid = kernel
        .spawn_fn(Command::new("prio"), |p| async move {
            assert_eq!(errno_of(p.setpriority(Some(Pid(4242)), 3)), Errno::ESRCH);
            assert_eq!(errno_of(p.getpriority(Some(Pid(4242)))), Errno::ESRCH);
            // Known pids work, and values are clamped.
            p.setpriority(Some(p.pid()), 50)?;
            assert_eq!(p.getpriority(Some(p.pid()))?, 19);
            Ok::<_, Error>(())
        })
        .unwrap();
    assert_eq!(kernel.run().unwrap(), Stop::AllExited);
    assert_success(&mut kernel, pid);
    // Once its status is collected, the pid is unknown.
    assert_eq!(errno_of(kernel.kill(pid, Signal::SIGTERM)), Errno::ESRCH);
    assert_eq!(errno_of(kernel.run_until(pid)), Errno::ESRCH);
    let err = kernel.kill(Pid(4242), Signal::SIGTERM).unwrap_err();
    assert!(matches!(err.kind(), ErrorKind::Sys { .. }));
    assert!(err.to_string().contains("4242"), "{err}");
}

#[test]
fn init_ignores_signals() {
    let mut kernel = Kernel::new();
    for signal in [Signal::SIGKILL, Signal::SIGTERM, Signal::SIGSTOP] {
        kernel.kill(Pid::INIT, signal).unwrap();
    }
    let ps = kernel.ps();
    assert_eq!(
        expect_row(&ps, Pid::INIT).state,
        ProcState::Waiting(WaitOn::Child(WaitFor::Any))
    );
    let pid = kernel
        .spawn_fn(Command::new("after"), |_| async { 3 })
        .unwrap();
    assert_eq!(kernel.run().unwrap(), Stop::AllExited);
    assert_eq!(host_status(&mut kernel, pid), ExitStatus::Exited(3));
}

// ---------------------------------------------------------------------------------------
// Signals

#[test]
fn terminating_signals_kill_with_the_right_status() {
    let mut kernel = Kernel::new();
    let sleeper = kernel
        .spawn_fn(Command::new("sleeper"), |p| async move {
            p.sleep(1_000).await;
        })
        .unwrap();
    let cruncher = kernel
        .spawn_fn(Command::new("cruncher"), |p| async move {
            p.compute(10_000).await;
        })
        .unwrap();
    let waiter_child = Rc::new(Cell::new(Pid(0)));
    let wc = waiter_child.clone();
    let waiter = kernel
        .spawn_fn(Command::new("waiter"), move |p| async move {
            let child = p.spawn_fn(Command::new("victim"), forever)?;
            wc.set(child);
            assert_eq!(p.wait().await?, (child, signaled(Signal::SIGINT, false)));
            Ok::<_, Error>(())
        })
        .unwrap();
    assert_eq!(kernel.run_for(30).unwrap(), Stop::TimeLimit);
    let ps = kernel.ps();
    assert!(
        expect_row(&ps, cruncher).user > 0,
        "the cruncher is mid-burst"
    );
    kernel.kill(sleeper, Signal::SIGTERM).unwrap();
    kernel.kill(cruncher, Signal::SIGSEGV).unwrap();
    kernel.kill(waiter_child.get(), Signal::SIGINT).unwrap();
    assert!(
        row(&kernel.ps(), sleeper).is_none(),
        "reaped by init at once"
    );
    assert_eq!(kernel.run().unwrap(), Stop::AllExited);
    let term = host_status(&mut kernel, sleeper);
    assert_eq!(term, signaled(Signal::SIGTERM, false));
    assert_eq!(term.shell_code(), 143);
    let segv = host_status(&mut kernel, cruncher);
    assert_eq!(segv, signaled(Signal::SIGSEGV, true));
    assert!(segv.to_string().contains("core dumped"), "{segv}");
    assert_success(&mut kernel, waiter);
    let live = kernel.live_objects();
    assert_eq!(
        (live.processes, live.programs, live.timers, live.ready),
        (1, 0, 0, 0)
    );
}

#[test]
fn a_killed_zombie_keeps_its_status() {
    let mut kernel = Kernel::new();
    let child_pid = Rc::new(Cell::new(Pid(0)));
    let cp = child_pid.clone();
    let parent = kernel
        .spawn_fn(Command::new("parent"), move |p| async move {
            cp.set(p.spawn_fn(Command::new("child"), |_| async { 8 })?);
            p.sleep(100).await;
            assert_eq!(p.wait().await?.1, ExitStatus::Exited(8));
            Ok::<_, Error>(())
        })
        .unwrap();
    assert_eq!(kernel.run_for(50).unwrap(), Stop::TimeLimit);
    let child = child_pid.get();
    assert_eq!(expect_row(&kernel.ps(), child).state, ProcState::Zombie);
    kernel.kill(child, Signal::SIGKILL).unwrap();
    assert_eq!(kernel.run().unwrap(), Stop::AllExited);
    assert_success(&mut kernel, parent);
}

#[test]
fn ignored_signals_change_nothing() {
    let mut kernel = Kernel::new();
    let events = record_events(&mut kernel);
    let pid = kernel
        .spawn_fn(Command::new("calm"), |p| async move {
            p.compute(40).await;
            p.sleep(40).await;
            5
        })
        .unwrap();
    assert_eq!(kernel.run_for(20).unwrap(), Stop::TimeLimit);
    let before = events.borrow().len();
    let state = expect_row(&kernel.ps(), pid).state;
    for signal in [
        Signal::SIGCHLD,
        Signal::SIGURG,
        Signal::SIGWINCH,
        Signal::SIGCONT,
    ] {
        kernel.kill(pid, signal).unwrap();
    }
    assert_eq!(
        events.borrow().len(),
        before,
        "no event for an ignored signal"
    );
    assert_eq!(expect_row(&kernel.ps(), pid).state, state);
    assert_eq!(kernel.run_for(30).unwrap(), Stop::TimeLimit);
    kernel.kill(pid, Signal::SIGCHLD).unwrap(); // while it sleeps
    assert_eq!(kernel.run().unwrap(), Stop::AllExited);
    assert_eq!(host_status(&mut kernel, pid), ExitStatus::Exited(5));
}

#[test]
fn sigstop_stops_and_sigcont_resumes() {
    let mut kernel = Kernel::new();
    let events = record_events(&mut kernel);
    let worker = kernel
        .spawn_fn(Command::new("worker"), |p| async move {
            p.compute(300).await;
            7
        })
        .unwrap();
    let other = kernel
        .spawn_fn(Command::new("other"), |p| async move {
            p.compute(1_000).await;
        })
        .unwrap();
    assert_eq!(kernel.run_for(100).unwrap(), Stop::TimeLimit);
    let used = expect_row(&kernel.ps(), worker).user;
    assert!(used > 0 && used < 300, "{used}");

    kernel.kill(worker, Signal::SIGSTOP).unwrap();
    kernel.kill(worker, Signal::SIGSTOP).unwrap(); // stopping twice is harmless
    assert_eq!(expect_row(&kernel.ps(), worker).state, ProcState::Stopped);
    assert_eq!(kernel.run_for(500).unwrap(), Stop::TimeLimit);
    let ps = kernel.ps();
    assert_eq!(expect_row(&ps, worker).state, ProcState::Stopped);
    assert_eq!(
        expect_row(&ps, worker).user,
        used,
        "a stopped process does not run"
    );
    assert_eq!(
        expect_row(&ps, other).user,
        600 - used,
        "the other one had the CPU"
    );

    kernel.kill(worker, Signal::SIGCONT).unwrap();
    assert_eq!(expect_row(&kernel.ps(), worker).state, ProcState::Ready);
    assert_eq!(kernel.run().unwrap(), Stop::AllExited);
    assert_eq!(host_status(&mut kernel, worker), ExitStatus::Exited(7));
    assert_success(&mut kernel, other);

    let transitions: Vec<(ProcState, ProcState)> = events
        .borrow()
        .iter()
        .filter(|e| e.pid == worker)
        .filter_map(|e| match e.kind {
            EventKind::Transition { from, to }
                if to == ProcState::Stopped || from == ProcState::Stopped =>
            {
                Some((from, to))
            }
            _ => None,
        })
        .collect();
    assert_eq!(
        transitions,
        vec![
            (ProcState::Ready, ProcState::Stopped),
            (ProcState::Stopped, ProcState::Ready)
        ]
    );
}

#[test]
fn a_stopped_sleeper_or_waiter_finishes_its_call_after_sigcont() {
    let mut kernel = Kernel::new();
    let woke_at = Rc::new(Cell::new(0));
    let w = woke_at.clone();
    let sleeper = kernel
        .spawn_fn(Command::new("sleeper"), move |p| async move {
            let start = p.now();
            p.sleep(100).await;
            w.set(p.now() - start);
        })
        .unwrap();
    let waiter = kernel
        .spawn_fn(Command::new("waiter"), |p| async move {
            let child = p.spawn_fn(Command::new("child"), |c| async move {
                c.sleep(20).await;
                3
            })?;
            assert_eq!(p.wait().await?, (child, ExitStatus::Exited(3)));
            Ok::<_, Error>(())
        })
        .unwrap();
    assert_eq!(kernel.run_for(10).unwrap(), Stop::TimeLimit);
    kernel.kill(sleeper, Signal::SIGSTOP).unwrap();
    kernel.kill(waiter, Signal::SIGSTOP).unwrap();
    // Early continue: the sleep is not over yet.
    kernel.kill(sleeper, Signal::SIGCONT).unwrap();
    assert_eq!(kernel.run_for(40).unwrap(), Stop::TimeLimit);
    let ps = kernel.ps();
    assert_eq!(
        expect_row(&ps, sleeper).state,
        ProcState::Waiting(WaitOn::Sleep)
    );
    // The waiter's child exited while the waiter was stopped.
    assert_eq!(expect_row(&ps, waiter).state, ProcState::Stopped);
    assert!(
        ps.iter()
            .any(|i| i.ppid == waiter && i.state == ProcState::Zombie)
    );
    kernel.kill(waiter, Signal::SIGCONT).unwrap();
    assert_eq!(kernel.run().unwrap(), Stop::AllExited);
    assert_success(&mut kernel, sleeper);
    assert_success(&mut kernel, waiter);
    assert!(woke_at.get() >= 100, "slept {} ticks", woke_at.get());
    assert!(woke_at.get() <= 102, "slept {} ticks", woke_at.get());
}

#[test]
fn stop_and_continue_of_a_sleeper_leaves_one_live_timer() {
    let mut kernel = Kernel::new();
    let pid = kernel
        .spawn_fn(Command::new("sleeper"), |p| async move {
            p.sleep(1_000).await;
        })
        .unwrap();
    assert_eq!(kernel.run_for(10).unwrap(), Stop::TimeLimit);
    assert_eq!(kernel.live_objects().timers, 1);
    kernel.kill(pid, Signal::SIGSTOP).unwrap();
    kernel.kill(pid, Signal::SIGCONT).unwrap();
    assert_eq!(kernel.run_for(10).unwrap(), Stop::TimeLimit);
    assert_eq!(
        expect_row(&kernel.ps(), pid).state,
        ProcState::Waiting(WaitOn::Sleep)
    );
    assert_eq!(kernel.live_objects().timers, 1, "one process sleeps");
}

// ---------------------------------------------------------------------------------------
// Destructors of programs

/// Makes a system call when dropped, as an RAII guard (a lock file, an fd) would.
struct CallsOnDrop<'a>(&'a Proc, Rc<Cell<bool>>);

impl Drop for CallsOnDrop<'_> {
    fn drop(&mut self) {
        let _ = self.0.now();
        self.1.set(true);
    }
}

#[test]
fn a_destructor_may_make_a_system_call_when_the_process_exits() {
    let mut kernel = Kernel::new();
    let dropped = Rc::new(Cell::new(false));
    let d = dropped.clone();
    let pid = kernel
        .spawn_fn(Command::new("guarded"), move |p| async move {
            let _guard = CallsOnDrop(&p, d);
            let _: Infallible = p.exit(3).await;
        })
        .unwrap();
    assert_eq!(kernel.run().unwrap(), Stop::AllExited);
    assert_eq!(host_status(&mut kernel, pid), ExitStatus::Exited(3));
    assert!(dropped.get());
}

#[test]
fn a_destructor_may_make_a_system_call_when_the_process_is_killed() {
    let mut kernel = Kernel::new();
    let dropped = Rc::new(Cell::new(false));
    let d = dropped.clone();
    let pid = kernel
        .spawn_fn(Command::new("guarded"), move |p| async move {
            let _guard = CallsOnDrop(&p, d);
            p.sleep(100).await;
        })
        .unwrap();
    assert_eq!(kernel.run_for(10).unwrap(), Stop::TimeLimit);
    kernel.kill(pid, Signal::SIGTERM).unwrap();
    assert!(dropped.get());
    assert_eq!(
        host_status(&mut kernel, pid),
        signaled(Signal::SIGTERM, false)
    );
    assert_eq!(kernel.run().unwrap(), Stop::AllExited);
}

// ---------------------------------------------------------------------------------------
// KernelHandle from other threads

const TIMEOUT: Duration = Duration::from_secs(20);

/// Runs `f` on its own thread and waits for it at most `TIMEOUT`, so a test fails
/// instead of hanging when the kernel never answers.
fn bounded<T: Send + 'static>(what: &str, f: impl FnOnce() -> T + Send + 'static) -> T {
    let (tx, rx) = mpsc::channel();
    thread::spawn(move || {
        let _ = tx.send(f());
    });
    rx.recv_timeout(TIMEOUT)
        .unwrap_or_else(|_| panic!("{what}: no answer within {TIMEOUT:?}"))
}

/// Starts a kernel on its own thread; `drive` runs it and its result comes back on the
/// returned channel once the kernel is dropped.
fn start_kernel<R: Send + 'static>(
    drive: impl FnOnce(&mut Kernel) -> R + Send + 'static,
) -> (KernelHandle, mpsc::Receiver<R>) {
    let (handle_tx, handle_rx) = mpsc::channel();
    let (done_tx, done_rx) = mpsc::channel();
    thread::spawn(move || {
        let mut kernel = Kernel::new();
        kernel.register("answer", |_p: Proc| async { 42 });
        handle_tx.send(kernel.handle()).unwrap();
        let result = drive(&mut kernel);
        drop(kernel);
        let _ = done_tx.send(result);
    });
    let handle = handle_rx.recv_timeout(TIMEOUT).expect("the kernel started");
    (handle, done_rx)
}

#[test]
fn a_handle_spawns_lists_kills_and_waits_from_another_thread() {
    let (handle, done) = start_kernel(|kernel| {
        let stop = kernel.serve();
        (stop, kernel.ps().len(), kernel.live_objects())
    });

    // spawn_fn and wait.
    let h = handle.clone();
    let status = bounded("spawn and wait", move || {
        let pid = h
            .spawn_fn(Command::new("worker"), |p| async move {
                p.compute(100).await;
                p.sleep(50).await;
                p.times().user as i32 / 10
            })
            .unwrap();
        h.wait(pid).map(|s| (pid, s))
    });
    let (worker, status) = status.unwrap();
    assert_eq!(status, ExitStatus::Exited(10));
    let h = handle.clone();
    assert_eq!(
        bounded("wait again", move || errno_of(h.wait(worker))),
        Errno::ECHILD
    );

    // A registered program, and an unknown one.
    let h = handle.clone();
    let (answer, missing) = bounded("spawn by name", move || {
        let pid = h.spawn(Command::new("answer")).unwrap();
        (h.wait(pid), errno_of(h.spawn(Command::new("missing"))))
    });
    assert_eq!(answer.unwrap(), ExitStatus::Exited(42));
    assert_eq!(missing, Errno::ENOENT);

    // A process that blocks forever: ps sees it, wait blocks until kill.
    let h = handle.clone();
    let (blocked, ps) = bounded("spawn a blocked process", move || {
        let pid = h.spawn_fn(Command::new("blocked"), forever).unwrap();
        (pid, h.ps().unwrap())
    });
    let row = expect_row(&ps, blocked);
    assert_eq!(row.name, "blocked");
    assert_eq!(row.ppid, Pid::INIT);
    assert!(
        matches!(
            row.state,
            ProcState::Ready | ProcState::Waiting(WaitOn::Event)
        ),
        "{:?}",
        row.state
    );
    let (waited_tx, waited_rx) = mpsc::channel();
    let h = handle.clone();
    thread::spawn(move || {
        let _ = waited_tx.send(h.wait(blocked));
    });
    assert!(
        waited_rx.recv_timeout(Duration::from_millis(100)).is_err(),
        "wait returned while the process still runs"
    );
    let h = handle.clone();
    let killed = bounded("kill", move || {
        (
            h.kill(blocked, Signal::SIGTERM),
            errno_of(h.kill(Pid(4242), Signal::SIGTERM)),
            errno_of(h.wait(Pid(4242))),
        )
    });
    assert_eq!(killed, (Ok(()), Errno::ESRCH, Errno::ECHILD));
    let status = waited_rx.recv_timeout(TIMEOUT).expect("wait answered");
    assert_eq!(status.unwrap(), signaled(Signal::SIGTERM, false));

    handle.shutdown();
    let (stop, processes, live) = done.recv_timeout(TIMEOUT).expect("serve returned");
    assert_eq!(stop.unwrap(), Stop::Shutdown);
    assert_eq!(processes, 1);
    assert_eq!(live.uncollected_exits, 0);
    assert_eq!(live.programs, 0);

    // The kernel is gone: calls fail instead of blocking.
    let h = handle.clone();
    assert_eq!(
        bounded("ps after drop", move || errno_of(h.ps())),
        Errno::ESHUTDOWN
    );
}

#[test]
fn run_waits_for_a_handle_instead_of_reporting_a_deadlock() {
    let (handle, done) = start_kernel(|kernel| {
        let blocked = kernel.spawn_fn(Command::new("blocked"), forever).unwrap();
        (blocked, kernel.run())
    });
    // The kernel is idle with a handle alive: it must still answer.
    let h = handle.clone();
    let ps = bounded("ps while idle", move || h.ps().unwrap());
    let blocked = ps
        .iter()
        .find(|p| p.name == "blocked")
        .expect("the blocked process is listed");
    assert!(
        done.try_recv().is_err(),
        "run returned while a handle exists"
    );
    let pid = blocked.pid;
    let h = handle.clone();
    bounded("kill", move || h.kill(pid, Signal::SIGKILL)).unwrap();
    let (blocked, stop) = done.recv_timeout(TIMEOUT).expect("run returned");
    assert_eq!(blocked, pid);
    assert_eq!(stop.unwrap(), Stop::AllExited);
}

#[test]
fn dropping_the_last_handle_lets_an_idle_run_report_the_deadlock() {
    let (handle, done) = start_kernel(|kernel| {
        let blocked = kernel.spawn_fn(Command::new("blocked"), forever).unwrap();
        (blocked, kernel.run())
    });
    let h = handle.clone();
    bounded("ps", move || h.ps().unwrap());
    drop(handle);
    let (blocked, stop) = done.recv_timeout(TIMEOUT).expect("run returned");
    match stop.unwrap() {
        Stop::Deadlock(report) => assert_eq!(
            report.blocked,
            vec![(
                blocked,
                "blocked".to_string(),
                ProcState::Waiting(WaitOn::Event)
            )]
        ),
        other => panic!("expected a deadlock, got {other:?}"),
    }
}

/// A one-shot flag set from any thread, awaited by a process.
#[derive(Default)]
struct Flag {
    set: AtomicBool,
    waker: Mutex<Option<Waker>>,
}

struct FlagWait(Arc<Flag>);

impl Future for FlagWait {
    type Output = ();

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        if self.0.set.load(Ordering::Acquire) {
            return Poll::Ready(());
        }
        *self.0.waker.lock().unwrap() = Some(cx.waker().clone());
        if self.0.set.load(Ordering::Acquire) {
            return Poll::Ready(());
        }
        Poll::Pending
    }
}

#[test]
fn a_waker_fired_on_another_thread_resumes_the_process() {
    let (handle, done) = start_kernel(|kernel| kernel.serve());
    let flag = Arc::new(Flag::default());
    let f = flag.clone();
    let h = handle.clone();
    let pid = bounded("spawn", move || {
        h.spawn_fn(Command::new("flag"), move |p| async move {
            FlagWait(f).await;
            p.compute(5).await;
            21
        })
        .unwrap()
    });
    // Wait until it blocks on the flag.
    let deadline = std::time::Instant::now() + TIMEOUT;
    loop {
        let h = handle.clone();
        let ps = bounded("ps", move || h.ps().unwrap());
        if expect_row(&ps, pid).state == ProcState::Waiting(WaitOn::Event) {
            break;
        }
        assert!(std::time::Instant::now() < deadline, "never blocked");
        thread::sleep(Duration::from_millis(1));
    }
    flag.set.store(true, Ordering::Release);
    let waker = flag
        .waker
        .lock()
        .unwrap()
        .take()
        .expect("the process left its waker");
    waker.wake();
    let h = handle.clone();
    assert_eq!(
        bounded("wait", move || h.wait(pid)).unwrap(),
        ExitStatus::Exited(21)
    );
    handle.shutdown();
    assert_eq!(
        done.recv_timeout(TIMEOUT).expect("serve returned").unwrap(),
        Stop::Shutdown
    );
}
