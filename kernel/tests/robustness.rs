//! Behaviour at the edges: wakes from any wait, misused handles and Procs, panics in
//! destructors, clock limits, and stepping a kernel with `run_for`.

use std::cell::{Cell, RefCell};
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll, Waker};
use std::time::{Duration, Instant};

use vproc_kernel::{Command, Errno, EventKind, Kernel, Pid, Proc, ProcState, Signal, Stop, Tick};

/// A flag one process sets and another awaits, woken through its waker.
#[derive(Clone, Default)]
struct Flag(Rc<(Cell<bool>, RefCell<Option<Waker>>)>);

impl Flag {
    fn set(&self) {
        self.0.0.set(true);
        if let Some(waker) = self.0.1.borrow_mut().take() {
            waker.wake();
        }
    }
    fn wait(&self) -> FlagWait {
        FlagWait(self.clone())
    }
}

struct FlagWait(Flag);

impl Future for FlagWait {
    type Output = ();
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        if self.0.0.0.get() {
            return Poll::Ready(());
        }
        *self.0.0.1.borrow_mut() = Some(cx.waker().clone());
        Poll::Pending
    }
}

/// The first of two futures to finish.
async fn select<A: Future, B: Future>(a: A, b: B) -> Result<A::Output, B::Output> {
    let mut a = Box::pin(a);
    let mut b = Box::pin(b);
    std::future::poll_fn(move |cx| {
        if let Poll::Ready(x) = a.as_mut().poll(cx) {
            return Poll::Ready(Ok(x));
        }
        if let Poll::Ready(y) = b.as_mut().poll(cx) {
            return Poll::Ready(Err(y));
        }
        Poll::Pending
    })
    .await
}

#[test]
fn an_event_wakes_a_process_that_also_sleeps() {
    let mut kernel = Kernel::new();
    let flag = Flag::default();
    let woke = Rc::new(Cell::new(None));
    let (f, w) = (flag.clone(), woke.clone());
    kernel
        .spawn_fn(Command::new("waiter"), move |p| async move {
            let by_event = select(f.wait(), p.sleep(1_000)).await.is_ok();
            w.set(Some((by_event, p.now())));
        })
        .unwrap();
    kernel
        .spawn_fn(Command::new("setter"), move |p| async move {
            p.sleep(5).await;
            flag.set();
        })
        .unwrap();
    assert_eq!(kernel.run().unwrap(), Stop::AllExited);
    let (by_event, at) = woke.get().unwrap();
    assert!(by_event, "the event, not the timeout, ended the wait");
    assert!(at < 20, "woke at tick {at}, long after the event");
}

#[test]
fn an_event_wakes_a_process_after_an_abandoned_wait() {
    let mut kernel = Kernel::new();
    let flag = Flag::default();
    let woke = Rc::new(Cell::new(None));
    let (f, w) = (flag.clone(), woke.clone());
    kernel
        .spawn_fn(Command::new("parent"), move |p| async move {
            let child = p.spawn_fn(Command::new("child"), |c| async move {
                c.sleep(1_000_000).await;
            })?;
            // A wait polled once and given up for something else.
            let _ = select(p.wait(), std::future::ready(())).await;
            f.wait().await;
            w.set(Some(p.now()));
            p.setpriority(Some(child), 0)
        })
        .unwrap();
    kernel
        .spawn_fn(Command::new("setter"), move |p| async move {
            p.sleep(5).await;
            flag.set();
        })
        .unwrap();
    kernel.run_for(100).unwrap();
    assert!(woke.get().is_some_and(|at| at < 20), "{:?}", woke.get());
}

#[test]
fn a_handle_on_the_kernels_own_thread_fails_with_edeadlk() {
    let mut kernel = Kernel::new();
    let handle = kernel.handle();
    let result = Rc::new(RefCell::new(None));
    let r = result.clone();
    kernel
        .spawn_fn(Command::new("confused"), move |_| async move {
            *r.borrow_mut() = Some(handle.ps().map(|ps| ps.len()));
        })
        .unwrap();
    let outside = kernel.handle();
    assert_eq!(outside.ps().unwrap_err().errno(), Errno::EDEADLK);
    drop(outside);
    assert_eq!(kernel.run().unwrap(), Stop::AllExited);
    let got = result.borrow_mut().take().unwrap();
    assert_eq!(got.unwrap_err().errno(), Errno::EDEADLK);
}

#[test]
fn run_for_returns_while_a_handle_exists() {
    for real in [false, true] {
        let mut kernel = if real {
            Kernel::builder()
                .real_time(Duration::from_millis(1))
                .build()
        } else {
            Kernel::new()
        };
        let _handle = kernel.handle();
        kernel
            .spawn_fn(Command::new("idle"), |_| std::future::pending::<()>())
            .unwrap();
        let started = Instant::now();
        assert_eq!(kernel.run_for(30).unwrap(), Stop::TimeLimit);
        assert!(kernel.now() >= 30);
        assert!(started.elapsed() < Duration::from_secs(5));
    }
}

#[test]
fn run_for_in_real_time_runs_after_a_pause_of_the_host() {
    let mut kernel = Kernel::builder()
        .real_time(Duration::from_millis(1))
        .build();
    let worker = kernel.spawn_fn(Command::new("worker"), worker).unwrap();
    std::thread::sleep(Duration::from_millis(40));
    kernel.run_for(20).unwrap();
    let user = kernel
        .ps()
        .into_iter()
        .find(|p| p.pid == worker)
        .unwrap()
        .user;
    assert!(
        user >= 10,
        "the worker computed {user} ticks in a 20-tick run"
    );
}

async fn worker(p: Proc) {
    loop {
        p.compute(1).await;
    }
}

struct PanicOnDrop(&'static str);

impl Drop for PanicOnDrop {
    fn drop(&mut self) {
        panic!("{}", self.0);
    }
}

#[test]
fn panics_in_destructors_and_payloads_stay_inside() {
    let hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(|_| {}));
    let mut kernel = Kernel::new();
    // A panic whose payload panics when dropped.
    let payload = kernel
        .spawn_fn(Command::new("payload"), |_| async {
            std::panic::panic_any(PanicOnDrop("payload drop"));
        })
        .unwrap();
    // A destructor that panics when the process exits through exit().
    let exits = kernel
        .spawn_fn(Command::new("exits"), |p| async move {
            let _guard = PanicOnDrop("exit drop");
            p.exit(4).await;
        })
        .unwrap();
    // A destructor that panics when the process is killed.
    let killed = kernel
        .spawn_fn(Command::new("killed"), |p| async move {
            let _guard = PanicOnDrop("kill drop");
            p.sleep(1_000).await;
        })
        .unwrap();
    kernel.run_for(10).unwrap();
    kernel.kill(killed, Signal::SIGKILL).unwrap();
    let stop = kernel.run();
    std::panic::set_hook(hook);
    assert_eq!(stop.unwrap(), Stop::AllExited);
    assert!(matches!(
        kernel.exit_status(payload).unwrap(),
        Some(vproc_kernel::ExitStatus::Panicked(_))
    ));
    assert_eq!(kernel.exit_status(exits).unwrap().unwrap().code(), Some(4));
    assert!(kernel.exit_status(killed).unwrap().is_some());
    assert_eq!(kernel.live_objects().processes, 1);
}

#[test]
fn a_proc_kept_after_its_process_ended_acts_on_nothing() {
    let mut kernel = Kernel::new();
    let kept: Rc<RefCell<Option<Proc>>> = Rc::default();
    let k = kept.clone();
    kernel
        .spawn_fn(Command::new("short"), move |p| async move {
            *k.borrow_mut() = Some(p);
        })
        .unwrap();
    kernel.run().unwrap();
    // The slot is reused by the next process.
    let seen = Rc::new(RefCell::new(None));
    let s = seen.clone();
    let next = kernel
        .spawn_fn(Command::new("next"), move |p| async move {
            let stale = kept.borrow_mut().take().unwrap();
            let set = stale.setenv("HOME", "/stolen");
            let nice = stale.setpriority(None, 19);
            *s.borrow_mut() = Some((set, nice, stale.getenv("HOME"), p.getenv("HOME")));
            p.getpriority(None)
        })
        .unwrap();
    kernel.run().unwrap();
    let (set, nice, stale_home, own_home) = seen.borrow_mut().take().unwrap();
    assert_eq!(set.unwrap_err().errno(), Errno::ESRCH);
    assert_eq!(nice.unwrap_err().errno(), Errno::ESRCH);
    assert_eq!((stale_home, own_home), (None, None));
    assert_eq!(kernel.exit_status(next).unwrap().unwrap().code(), Some(0));
}

#[test]
fn sleeping_forever_is_reported_as_blocked_not_as_a_time_limit() {
    let mut kernel = Kernel::new();
    kernel
        .spawn_fn(Command::new("forever"), |p| async move {
            p.sleep(Tick::MAX).await;
        })
        .unwrap();
    let Stop::Deadlock(report) = kernel.run().unwrap() else {
        panic!("expected a deadlock report");
    };
    assert_eq!(report.blocked.len(), 1);
    assert!(kernel.now() < 100, "the clock jumped to {}", kernel.now());
}

/// Ticks at which each process was dispatched.
fn schedule(steps: &[Tick]) -> Vec<(Tick, Pid)> {
    let mut kernel = Kernel::new();
    let runs = Rc::new(RefCell::new(Vec::new()));
    let r = runs.clone();
    kernel.subscribe(move |e| {
        if let EventKind::Transition {
            to: ProcState::Running,
            ..
        } = e.kind
        {
            r.borrow_mut().push((e.tick, e.pid));
        }
    });
    for name in ["a", "b"] {
        kernel
            .spawn_fn(Command::new(name), |p| async move {
                p.compute(45).await;
            })
            .unwrap();
    }
    for &ticks in steps {
        kernel.run_for(ticks).unwrap();
    }
    kernel.run().unwrap();
    runs.take()
}

#[test]
fn stepping_with_run_for_keeps_the_schedule() {
    let whole = schedule(&[]);
    assert_eq!(schedule(&[5]), whole);
    assert_eq!(schedule(&[1; 30]), whole);
    assert_eq!(schedule(&[7, 13, 2, 40]), whole);
}

#[test]
fn a_kernel_run_inside_a_process_keeps_the_outer_wakes() {
    let mut kernel = Kernel::new();
    let flag = Flag::default();
    let woke = Rc::new(Cell::new(false));
    let (f, w) = (flag.clone(), woke.clone());
    kernel
        .spawn_fn(Command::new("waiter"), move |_| async move {
            f.wait().await;
            w.set(true);
        })
        .unwrap();
    kernel
        .spawn_fn(Command::new("nester"), move |p| async move {
            p.yield_now().await;
            flag.set();
            let mut inner = Kernel::new();
            inner
                .spawn_fn(Command::new("inner"), |p| async move {
                    p.yield_now().await;
                })
                .unwrap();
            inner.run().map(|_| ())
        })
        .unwrap();
    assert_eq!(kernel.run().unwrap(), Stop::AllExited);
    assert!(woke.get());
}

#[test]
fn serve_returns_once_no_handle_is_left() {
    let mut kernel = Kernel::new();
    let handle = kernel.handle();
    let thread = std::thread::spawn(move || {
        let pid = handle.spawn_fn(Command::new("job"), |_| async {});
        drop(handle);
        pid
    });
    let stop = kernel.serve().unwrap();
    assert_eq!(stop, Stop::AllExited);
    assert!(thread.join().unwrap().is_ok());
}

#[test]
fn a_favoured_child_takes_the_cpu_from_its_parent() {
    let mut kernel = Kernel::new();
    let first_run = Rc::new(Cell::new(None));
    let f = first_run.clone();
    kernel
        .spawn_fn(Command::new("parent").nice(10), move |p| async move {
            p.spawn_fn(Command::new("child").nice(-10), move |c| async move {
                f.set(Some(c.now()));
            })?;
            let spawned = p.now();
            p.compute(1_000).await;
            Ok::<_, vproc_kernel::Error>(spawned).map(|_| ())
        })
        .unwrap();
    kernel.run().unwrap();
    let ran = first_run.get().unwrap();
    assert!(ran <= 3, "the child waited until tick {ran}");
}

#[test]
fn host_children_start_at_nice_0_whatever_init_was_given() {
    let mut kernel = Kernel::new();
    kernel
        .spawn_fn(Command::new("renicer"), |p| async move {
            p.setpriority(Some(Pid::INIT), 10)
        })
        .unwrap();
    kernel.run().unwrap();
    let pid = kernel
        .spawn_fn(
            Command::new("later"),
            |p| async move { p.getpriority(None) },
        )
        .unwrap();
    kernel.run().unwrap();
    assert_eq!(kernel.exit_status(pid).unwrap().unwrap().code(), Some(0));
}
