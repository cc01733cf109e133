//! Signals as a process sees them: default actions, handlers, masks, interrupted calls,
//! stop and continue, SIGCHLD and auto-reaping, inheritance, sigwait, alarm, SIGPIPE and
//! raise. Where POSIX leaves a choice, the expected behaviour is Linux's.

mod common;

use std::cell::{Cell, RefCell};
use std::rc::Rc;

use common::{errno_of, events_of, expect_row, record_events, row, run_main};
use vproc_ipc::DefaultAction;
use vproc_kernel::{
    Command, Disposition, Errno, EventKind, ExitStatus, Fd, Kernel, OpenFlags, Pid, PollEvents,
    PollFd, Proc, ProcState, SaFlags, SigAction, SigHow, SigSet, Signal, Stdio, Stop, WaitFlags,
    WaitFor, WaitOn,
};

// ---------------------------------------------------------------------------------------
// Helpers

/// A count of handler runs.
fn counter() -> Rc<Cell<u32>> {
    Rc::new(Cell::new(0))
}

/// A handler that counts its runs in `count`.
fn counting(count: &Rc<Cell<u32>>) -> SigAction {
    let count = count.clone();
    SigAction::handler(move |_, _| count.set(count.get() + 1))
}

/// A handler that does nothing, with `SA_RESTART` when `restart`.
fn quiet_handler(restart: bool) -> SigAction {
    let flags = if restart {
        SaFlags::RESTART
    } else {
        SaFlags::empty()
    };
    SigAction::handler(|_, _| {}).flags(flags)
}

/// Reads `fd` to its end and counts the bytes.
async fn drain(p: &Proc, fd: Fd) -> usize {
    let mut buf = vec![0u8; 65536];
    let mut total = 0;
    loop {
        let n = p.read(fd, &mut buf).await.expect("read");
        if n == 0 {
            return total;
        }
        total += n;
    }
}

/// The status of a process the default action of `signal` killed.
fn killed_by(signal: Signal) -> ExitStatus {
    ExitStatus::Signaled {
        signal,
        core_dumped: signal.default_action() == DefaultAction::Core,
    }
}

/// The blocked set of the calling process.
fn mask(p: &Proc) -> SigSet {
    p.sigprocmask(SigHow::Block, SigSet::empty())
}

/// Waits for `pid` (with `flags`), which must report a status.
async fn wait_for(p: &Proc, pid: Pid, flags: WaitFlags) -> ExitStatus {
    let (got, status) = p
        .waitpid(WaitFor::Pid(pid), flags)
        .await
        .expect("waitpid")
        .expect("a status");
    assert_eq!(got, pid);
    status
}

/// The state `ps` shows for `pid`.
fn state_of(p: &Proc, pid: Pid) -> ProcState {
    expect_row(&p.ps(), pid).state
}

/// A child that sleeps for a long time, then exits with 7 (8 if its sleep ended early).
fn sleeper(p: &Proc) -> Pid {
    p.spawn_fn(Command::new("sleeper"), |c| async move {
        if c.sleep(1_000).await == 0 { 7 } else { 8 }
    })
    .expect("spawn")
}

// ---------------------------------------------------------------------------------------
// Default actions

#[test]
fn every_signal_has_its_default_action() {
    let mut kernel = Kernel::new();
    run_main(&mut kernel, |p| async move {
        for signal in Signal::ALL {
            let child = sleeper(&p);
            p.sleep(5).await; // the child is asleep
            p.kill(child, signal).expect("kill");
            let status = wait_for(&p, child, WaitFlags::UNTRACED).await;
            match signal.default_action() {
                DefaultAction::Terminate | DefaultAction::Core => {
                    assert_eq!(status, killed_by(signal), "{signal}");
                }
                DefaultAction::Stop => {
                    assert_eq!(status, ExitStatus::Stopped(signal), "{signal}");
                    assert_eq!(state_of(&p, child), ProcState::Stopped, "{signal}");
                    p.kill(child, Signal::SIGCONT).expect("kill");
                    // Stopped and continued, the sleep goes on to its end.
                    let status = wait_for(&p, child, WaitFlags::empty()).await;
                    assert_eq!(status, ExitStatus::Exited(7), "{signal}");
                }
                DefaultAction::Ignore | DefaultAction::Continue => {
                    assert_eq!(status, ExitStatus::Exited(7), "{signal}");
                }
            }
        }
    });
}

#[test]
fn default_actions_apply_to_ready_and_computing_processes_too() {
    let mut kernel = Kernel::new();
    run_main(&mut kernel, |p| async move {
        // Not yet run: ready.
        let fresh = p
            .spawn_fn(Command::new("fresh"), |_| async { 0 })
            .expect("spawn");
        p.kill(fresh, Signal::SIGQUIT).expect("kill");
        assert_eq!(
            wait_for(&p, fresh, WaitFlags::empty()).await,
            killed_by(Signal::SIGQUIT)
        );
        // Preempted in the middle of a CPU burst.
        let busy = p
            .spawn_fn(Command::new("busy"), |c| async move {
                c.compute(10_000).await;
                3
            })
            .expect("spawn");
        p.compute(100).await;
        p.kill(busy, Signal::SIGTSTP).expect("kill");
        assert_eq!(state_of(&p, busy), ProcState::Stopped);
        let used = expect_row(&p.ps(), busy).user;
        p.compute(100).await;
        assert_eq!(
            expect_row(&p.ps(), busy).user,
            used,
            "a stopped process runs not"
        );
        p.kill(busy, Signal::SIGCONT).expect("kill");
        p.kill(busy, Signal::SIGWINCH).expect("kill");
        assert_eq!(
            wait_for(&p, busy, WaitFlags::empty()).await,
            ExitStatus::Exited(3)
        );
    });
}

// ---------------------------------------------------------------------------------------
// Handlers

#[test]
fn a_handler_runs_once_per_delivery() {
    let mut kernel = Kernel::new();
    run_main(&mut kernel, |p| async move {
        let count = counter();
        let old = p
            .sigaction(Signal::SIGUSR1, counting(&count))
            .expect("sigaction");
        assert!(matches!(old.disposition, Disposition::Default));
        assert!(matches!(
            p.sigaction_of(Signal::SIGUSR1).disposition,
            Disposition::Handler(_)
        ));
        p.kill(p.pid(), Signal::SIGUSR1).expect("kill");
        p.yield_now().await;
        assert_eq!(count.get(), 1);
        p.raise(Signal::SIGUSR1).await.expect("raise");
        assert_eq!(count.get(), 2);
        p.yield_now().await;
        p.sleep(10).await;
        assert_eq!(count.get(), 2, "nothing more without another signal");
    });
}

#[test]
fn standard_signals_do_not_queue() {
    let mut kernel = Kernel::new();
    run_main(&mut kernel, |p| async move {
        let count = counter();
        p.sigaction(Signal::SIGUSR1, counting(&count))
            .expect("sigaction");
        p.sigprocmask(SigHow::Block, SigSet::of(Signal::SIGUSR1));
        for _ in 0..3 {
            p.kill(p.pid(), Signal::SIGUSR1).expect("kill");
        }
        p.yield_now().await;
        assert_eq!(count.get(), 0, "blocked");
        assert_eq!(p.sigpending(), SigSet::of(Signal::SIGUSR1));
        p.sigprocmask(SigHow::Unblock, SigSet::of(Signal::SIGUSR1));
        p.yield_now().await;
        assert_eq!(count.get(), 1, "one pending instance, one delivery");
        assert_eq!(p.sigpending(), SigSet::empty());
    });
}

#[test]
fn pending_signals_are_delivered_lowest_number_first() {
    let mut kernel = Kernel::new();
    run_main(&mut kernel, |p| async move {
        let order = Rc::new(RefCell::new(Vec::new()));
        let signals = [Signal::SIGUSR2, Signal::SIGHUP, Signal::SIGUSR1];
        for signal in signals {
            let order = order.clone();
            p.sigaction(
                signal,
                SigAction::handler(move |_, s| order.borrow_mut().push(s)),
            )
            .expect("sigaction");
        }
        let set: SigSet = signals.into_iter().collect();
        p.sigprocmask(SigHow::Block, set);
        for signal in signals {
            p.kill(p.pid(), signal).expect("kill");
        }
        assert_eq!(p.sigpending(), set);
        p.sigprocmask(SigHow::SetMask, SigSet::empty());
        p.yield_now().await;
        assert_eq!(
            *order.borrow(),
            vec![Signal::SIGHUP, Signal::SIGUSR1, Signal::SIGUSR2]
        );
    });
}

#[test]
fn a_handler_runs_with_its_signal_and_its_mask_blocked() {
    let mut kernel = Kernel::new();
    run_main(&mut kernel, |p| async move {
        let seen = Rc::new(RefCell::new(Vec::new()));
        let s = seen.clone();
        let action = SigAction::handler(move |proc, _| s.borrow_mut().push(mask(proc)))
            .mask(SigSet::of(Signal::SIGUSR2));
        p.sigaction(Signal::SIGUSR1, action).expect("sigaction");
        p.sigprocmask(SigHow::Block, SigSet::of(Signal::SIGHUP));
        p.raise(Signal::SIGUSR1).await.expect("raise");
        let expected: SigSet = [Signal::SIGHUP, Signal::SIGUSR1, Signal::SIGUSR2]
            .into_iter()
            .collect();
        assert_eq!(*seen.borrow(), vec![expected]);
        assert_eq!(mask(&p), SigSet::of(Signal::SIGHUP), "restored after it");

        // SA_NODEFER: the signal itself stays unblocked.
        let s = seen.clone();
        let action = SigAction::handler(move |proc, _| s.borrow_mut().push(mask(proc)))
            .flags(SaFlags::NODEFER);
        p.sigaction(Signal::SIGUSR1, action).expect("sigaction");
        p.raise(Signal::SIGUSR1).await.expect("raise");
        assert_eq!(seen.borrow()[1], SigSet::of(Signal::SIGHUP));
    });
}

#[test]
fn a_signal_sent_by_its_own_handler_is_delivered_after_it_returns() {
    let mut kernel = Kernel::new();
    run_main(&mut kernel, |p| async move {
        let depth = Rc::new(Cell::new(0));
        let runs = counter();
        let (d, r) = (depth.clone(), runs.clone());
        let action = SigAction::handler(move |proc, signal| {
            d.set(d.get() + 1);
            assert_eq!(d.get(), 1, "handlers do not nest");
            r.set(r.get() + 1);
            if r.get() == 1 {
                proc.kill(proc.pid(), signal).expect("kill");
                // Blocked while its handler runs: pending.
                assert_eq!(proc.sigpending(), SigSet::of(signal));
            }
            d.set(d.get() - 1);
        });
        p.sigaction(Signal::SIGUSR1, action).expect("sigaction");
        p.raise(Signal::SIGUSR1).await.expect("raise");
        assert_eq!(runs.get(), 2);
    });
}

#[test]
fn sa_resethand_runs_the_handler_once_then_the_default() {
    let mut kernel = Kernel::new();
    run_main(&mut kernel, |p| async move {
        let count = counter();
        let c = count.clone();
        let child = p
            .spawn_fn(Command::new("once"), move |c2| async move {
                let action = counting(&c).flags(SaFlags::RESETHAND);
                c2.sigaction(Signal::SIGUSR1, action).expect("sigaction");
                c2.raise(Signal::SIGUSR1).await.expect("raise");
                assert!(matches!(
                    c2.sigaction_of(Signal::SIGUSR1).disposition,
                    Disposition::Default
                ));
                c2.raise(Signal::SIGUSR1).await.expect("raise");
                0
            })
            .expect("spawn");
        assert_eq!(
            wait_for(&p, child, WaitFlags::empty()).await,
            killed_by(Signal::SIGUSR1)
        );
        assert_eq!(count.get(), 1);
    });
}

#[test]
fn raise_runs_the_handler_before_it_returns() {
    let mut kernel = Kernel::new();
    run_main(&mut kernel, |p| async move {
        // Another process is ready: raise still returns only after the handler.
        let other = p
            .spawn_fn(Command::new("other"), |c| async move {
                c.compute(50).await;
            })
            .expect("spawn");
        let count = counter();
        p.sigaction(Signal::SIGUSR2, counting(&count))
            .expect("sigaction");
        p.raise(Signal::SIGUSR2).await.expect("raise");
        assert_eq!(count.get(), 1);
        // Blocked, it stays pending.
        p.sigprocmask(SigHow::Block, SigSet::of(Signal::SIGUSR2));
        p.raise(Signal::SIGUSR2).await.expect("raise");
        assert_eq!(count.get(), 1);
        assert_eq!(p.sigpending(), SigSet::of(Signal::SIGUSR2));
        p.sigprocmask(SigHow::Unblock, SigSet::of(Signal::SIGUSR2));
        p.yield_now().await;
        assert_eq!(count.get(), 2);
        wait_for(&p, other, WaitFlags::empty()).await;

        // With the default action, raise does not return.
        let child = p
            .spawn_fn(Command::new("raiser"), |c| async move {
                let _ = c.raise(Signal::SIGTERM).await;
                0
            })
            .expect("spawn");
        assert_eq!(
            wait_for(&p, child, WaitFlags::empty()).await,
            killed_by(Signal::SIGTERM)
        );
    });
}

#[test]
fn a_panicking_handler_ends_the_process_with_a_panicked_status() {
    let mut kernel = Kernel::new();
    run_main(&mut kernel, |p| async move {
        let after = Rc::new(Cell::new(false));
        let a = after.clone();
        let child = p
            .spawn_fn(Command::new("panicky"), move |c| async move {
                let action = SigAction::handler(|_, _| panic!("handler failed"));
                c.sigaction(Signal::SIGUSR1, action).expect("sigaction");
                c.sleep(1_000).await;
                a.set(true);
            })
            .expect("spawn");
        p.sleep(5).await;
        p.kill(child, Signal::SIGUSR1).expect("kill");
        match wait_for(&p, child, WaitFlags::empty()).await {
            ExitStatus::Panicked(message) => {
                assert!(message.contains("handler failed"), "{message}")
            }
            other => panic!("expected a panic, got {other:?}"),
        }
        assert!(!after.get(), "the program did not go on");
    });
}

// ---------------------------------------------------------------------------------------
// Masks

#[test]
fn a_mask_holds_a_signal_pending_and_releases_it_when_unblocked() {
    let mut kernel = Kernel::new();
    run_main(&mut kernel, |p| async move {
        let reached = Rc::new(Cell::new(0));
        let r = reached.clone();
        let child = p
            .spawn_fn(Command::new("masked"), move |c| async move {
                let old = c.sigprocmask(SigHow::Block, SigSet::of(Signal::SIGTERM));
                assert_eq!(old, SigSet::empty());
                c.raise(Signal::SIGTERM).await.expect("raise");
                c.sleep(10).await;
                assert_eq!(c.sigpending(), SigSet::of(Signal::SIGTERM));
                r.set(1);
                let old = c.sigprocmask(SigHow::SetMask, SigSet::empty());
                assert_eq!(old, SigSet::of(Signal::SIGTERM));
                c.yield_now().await;
                r.set(2);
            })
            .expect("spawn");
        assert_eq!(
            wait_for(&p, child, WaitFlags::empty()).await,
            killed_by(Signal::SIGTERM)
        );
        assert_eq!(reached.get(), 1, "alive while blocked, dead once unblocked");
    });
}

#[test]
fn a_blocked_signal_sent_from_outside_waits_for_the_unblock() {
    let mut kernel = Kernel::new();
    let count = counter();
    let c = count.clone();
    let pid = kernel
        .spawn_fn(Command::new("masked"), move |p| async move {
            p.sigaction(Signal::SIGUSR1, counting(&c))
                .expect("sigaction");
            p.sigprocmask(SigHow::Block, SigSet::of(Signal::SIGUSR1));
            p.sleep(100).await;
            let pending = p.sigpending();
            p.sigprocmask(SigHow::Unblock, SigSet::of(Signal::SIGUSR1));
            p.sleep(100).await;
            assert_eq!(pending, SigSet::of(Signal::SIGUSR1));
        })
        .expect("spawn");
    assert_eq!(kernel.run_for(10).unwrap(), Stop::TimeLimit);
    kernel.kill(pid, Signal::SIGUSR1).unwrap();
    assert_eq!(
        expect_row(&kernel.ps(), pid).state,
        ProcState::Waiting(WaitOn::Sleep),
        "a blocked signal does not wake a sleeper"
    );
    assert_eq!(kernel.run().unwrap(), Stop::AllExited);
    assert_eq!(count.get(), 1);
    assert_eq!(
        kernel.exit_status(pid).unwrap(),
        Some(ExitStatus::Exited(0))
    );
}

#[test]
fn sigkill_and_sigstop_cannot_be_caught_blocked_or_ignored() {
    let mut kernel = Kernel::new();
    run_main(&mut kernel, |p| async move {
        for signal in [Signal::SIGKILL, Signal::SIGSTOP] {
            assert_eq!(
                errno_of(p.sigaction(signal, SigAction::handler(|_, _| {}))),
                Errno::EINVAL
            );
            assert_eq!(
                errno_of(p.signal(signal, Disposition::Ignore)),
                Errno::EINVAL
            );
            assert_eq!(
                errno_of(p.signal(signal, Disposition::Default)),
                Errno::EINVAL
            );
        }
        // sigprocmask leaves them out silently.
        p.sigprocmask(SigHow::SetMask, SigSet::ALL);
        let all_but = SigSet::ALL - SigSet::of(Signal::SIGKILL) - SigSet::of(Signal::SIGSTOP);
        assert_eq!(mask(&p), all_but);
        p.sigprocmask(SigHow::SetMask, SigSet::empty());

        // A child that blocks and ignores everything it can is still stopped and killed.
        let child = p
            .spawn_fn(Command::new("stubborn"), |c| async move {
                c.sigprocmask(SigHow::Block, SigSet::ALL);
                for signal in Signal::ALL.into_iter().filter(|s| s.is_catchable()) {
                    c.signal(signal, Disposition::Ignore).expect("ignore");
                }
                c.sleep(1_000).await;
            })
            .expect("spawn");
        p.sleep(5).await;
        p.kill(child, Signal::SIGSTOP).expect("kill");
        assert_eq!(
            wait_for(&p, child, WaitFlags::UNTRACED).await,
            ExitStatus::Stopped(Signal::SIGSTOP)
        );
        p.kill(child, Signal::SIGCONT).expect("kill");
        p.kill(child, Signal::SIGKILL).expect("kill");
        assert_eq!(
            wait_for(&p, child, WaitFlags::empty()).await,
            killed_by(Signal::SIGKILL)
        );
    });
}

#[test]
fn an_ignored_signal_is_discarded_and_a_newly_ignored_pending_one_too() {
    let mut kernel = Kernel::new();
    run_main(&mut kernel, |p| async move {
        p.signal(Signal::SIGTERM, Disposition::Ignore)
            .expect("ignore");
        p.raise(Signal::SIGTERM).await.expect("raise");
        assert_eq!(p.sigpending(), SigSet::empty());
        // Blocked, an ignored signal is kept (its action may change before the unblock),
        // as on Linux.
        p.sigprocmask(SigHow::Block, SigSet::of(Signal::SIGHUP));
        p.raise(Signal::SIGHUP).await.expect("raise");
        assert_eq!(p.sigpending(), SigSet::of(Signal::SIGHUP));
        p.signal(Signal::SIGHUP, Disposition::Ignore)
            .expect("ignore");
        assert_eq!(p.sigpending(), SigSet::empty(), "discarded by the SIG_IGN");
        p.sigprocmask(SigHow::SetMask, SigSet::empty());
        p.yield_now().await;
    });
}

// ---------------------------------------------------------------------------------------
// Interrupted calls

/// Spawns a child whose stdin is a new pipe, with `program`; returns its pid and the
/// write end (the caller closes it).
fn child_reading_a_pipe<F, Fut>(p: &Proc, program: F) -> (Pid, Fd)
where
    F: FnOnce(Proc) -> Fut + 'static,
    Fut: std::future::Future<Output = ()> + 'static,
{
    let (r, w) = p.pipe2(OpenFlags::CLOEXEC).expect("pipe");
    let child = p
        .spawn_fn(Command::new("reader").stdin(Stdio::Fd(r)), program)
        .expect("spawn");
    p.close(r).expect("close");
    (child, w)
}

#[test]
fn a_blocked_pipe_read_fails_with_eintr_after_a_handler() {
    let mut kernel = Kernel::new();
    run_main(&mut kernel, |p| async move {
        let count = counter();
        let c = count.clone();
        let (child, w) = child_reading_a_pipe(&p, move |c2| async move {
            c2.sigaction(Signal::SIGUSR1, counting(&c))
                .expect("sigaction");
            let mut buf = [0u8; 8];
            assert_eq!(errno_of(c2.read(Fd::STDIN, &mut buf).await), Errno::EINTR);
        });
        p.sleep(10).await;
        assert_eq!(state_of(&p, child), ProcState::Waiting(WaitOn::Read));
        p.kill(child, Signal::SIGUSR1).expect("kill");
        assert_eq!(
            wait_for(&p, child, WaitFlags::empty()).await,
            ExitStatus::Exited(0)
        );
        assert_eq!(count.get(), 1);
        p.close(w).expect("close");
    });
}

#[test]
fn sa_restart_restarts_a_blocked_pipe_read() {
    let mut kernel = Kernel::new();
    run_main(&mut kernel, |p| async move {
        let count = counter();
        let c = count.clone();
        let (child, w) = child_reading_a_pipe(&p, move |c2| async move {
            let action = counting(&c).flags(SaFlags::RESTART);
            c2.sigaction(Signal::SIGUSR1, action).expect("sigaction");
            let mut buf = [0u8; 8];
            let n = c2.read(Fd::STDIN, &mut buf).await.expect("read");
            assert_eq!(&buf[..n], b"late");
        });
        p.sleep(10).await;
        p.kill(child, Signal::SIGUSR1).expect("kill");
        p.sleep(10).await;
        assert_eq!(count.get(), 1);
        assert_eq!(
            state_of(&p, child),
            ProcState::Waiting(WaitOn::Read),
            "the read waits again"
        );
        p.write(w, b"late").await.expect("write");
        p.close(w).expect("close");
        assert_eq!(
            wait_for(&p, child, WaitFlags::empty()).await,
            ExitStatus::Exited(0)
        );
    });
}

#[test]
fn a_blocked_pipe_write_fails_with_eintr_or_restarts() {
    let mut kernel = Kernel::new();
    run_main(&mut kernel, |p| async move {
        for restart in [false, true] {
            let (r, w) = p.pipe2(OpenFlags::CLOEXEC).expect("pipe");
            let child = p
                .spawn_fn(
                    Command::new("writer").stdout(Stdio::Fd(w)),
                    move |c| async move {
                        c.sigaction(Signal::SIGUSR1, quiet_handler(restart))
                            .expect("sigaction");
                        let full = vec![b'x'; 65536];
                        assert_eq!(c.write(Fd::STDOUT, &full).await.expect("fill"), 65536);
                        let more = c.write(Fd::STDOUT, b"y").await;
                        if restart {
                            assert_eq!(more.expect("restarted"), 1);
                        } else {
                            assert_eq!(errno_of(more), Errno::EINTR);
                        }
                    },
                )
                .expect("spawn");
            p.close(w).expect("close");
            p.sleep(10).await;
            assert_eq!(state_of(&p, child), ProcState::Waiting(WaitOn::Write));
            p.kill(child, Signal::SIGUSR1).expect("kill");
            p.sleep(10).await;
            let total = drain(&p, r).await;
            assert_eq!(total, if restart { 65537 } else { 65536 });
            p.close(r).expect("close");
            assert_eq!(
                wait_for(&p, child, WaitFlags::empty()).await,
                ExitStatus::Exited(0)
            );
        }
    });
}

#[test]
fn an_interrupted_pipe_write_returns_what_it_wrote() {
    // Linux's pipe_write: a handler ends a write that stored some bytes with their count,
    // with or without SA_RESTART.
    let mut kernel = Kernel::new();
    run_main(&mut kernel, |p| async move {
        for restart in [false, true] {
            let (r, w) = p.pipe2(OpenFlags::CLOEXEC).expect("pipe");
            let child = p
                .spawn_fn(
                    Command::new("writer").stdout(Stdio::Fd(w)),
                    move |c| async move {
                        c.sigaction(Signal::SIGUSR1, quiet_handler(restart))
                            .expect("sigaction");
                        let big = vec![b'x'; 100_000];
                        assert_eq!(c.write(Fd::STDOUT, &big).await.expect("partial"), 65536);
                    },
                )
                .expect("spawn");
            p.close(w).expect("close");
            p.sleep(10).await;
            assert_eq!(state_of(&p, child), ProcState::Waiting(WaitOn::Write));
            p.kill(child, Signal::SIGUSR1).expect("kill");
            assert_eq!(
                wait_for(&p, child, WaitFlags::empty()).await,
                ExitStatus::Exited(0)
            );
            let total = drain(&p, r).await;
            assert_eq!(total, 65536, "what was written stays in the pipe");
            p.close(r).expect("close");
        }
    });
}

#[test]
fn a_blocked_fifo_open_fails_with_eintr_or_restarts() {
    let mut kernel = Kernel::new();
    run_main(&mut kernel, |p| async move {
        p.mkfifo("/tmp/fifo", 0o644).expect("mkfifo");
        for restart in [false, true] {
            let child = p
                .spawn_fn(Command::new("opener"), move |c| async move {
                    c.sigaction(Signal::SIGUSR1, quiet_handler(restart))
                        .expect("sigaction");
                    let opened = c.open("/tmp/fifo", OpenFlags::RDONLY, 0).await;
                    if restart {
                        c.close(opened.expect("restarted")).expect("close");
                    } else {
                        assert_eq!(errno_of(opened), Errno::EINTR);
                    }
                })
                .expect("spawn");
            p.sleep(10).await;
            assert_eq!(state_of(&p, child), ProcState::Waiting(WaitOn::Open));
            p.kill(child, Signal::SIGUSR1).expect("kill");
            p.sleep(10).await;
            if restart {
                assert_eq!(state_of(&p, child), ProcState::Waiting(WaitOn::Open));
                let w = p
                    .open("/tmp/fifo", OpenFlags::WRONLY, 0)
                    .await
                    .expect("open");
                p.close(w).expect("close");
            }
            assert_eq!(
                wait_for(&p, child, WaitFlags::empty()).await,
                ExitStatus::Exited(0)
            );
        }
        p.unlink("/tmp/fifo").expect("unlink");
    });
}

#[test]
fn wait_fails_with_eintr_or_restarts() {
    let mut kernel = Kernel::new();
    run_main(&mut kernel, |p| async move {
        for restart in [false, true] {
            let count = counter();
            let flags = if restart {
                SaFlags::RESTART
            } else {
                SaFlags::empty()
            };
            p.sigaction(Signal::SIGUSR1, counting(&count).flags(flags))
                .expect("sigaction");
            let child = p
                .spawn_fn(Command::new("poker"), |c| async move {
                    c.sleep(10).await;
                    c.kill(c.getppid(), Signal::SIGUSR1).expect("kill");
                    c.sleep(10).await;
                    5
                })
                .expect("spawn");
            let waited = p.wait().await;
            assert_eq!(count.get(), 1);
            if restart {
                assert_eq!(waited.expect("restarted"), (child, ExitStatus::Exited(5)));
            } else {
                assert_eq!(errno_of(waited), Errno::EINTR);
                assert_eq!(state_of(&p, child), ProcState::Waiting(WaitOn::Sleep));
                assert_eq!(
                    p.wait().await.expect("wait"),
                    (child, ExitStatus::Exited(5))
                );
            }
        }
    });
}

#[test]
fn sleep_ends_early_with_the_ticks_left_even_with_sa_restart() {
    let mut kernel = Kernel::new();
    run_main(&mut kernel, |p| async move {
        for flags in [SaFlags::empty(), SaFlags::RESTART] {
            let count = counter();
            p.sigaction(Signal::SIGUSR1, counting(&count).flags(flags))
                .expect("sigaction");
            let child = p
                .spawn_fn(Command::new("poker"), |c| async move {
                    c.sleep(100).await;
                    c.kill(c.getppid(), Signal::SIGUSR1).expect("kill");
                })
                .expect("spawn");
            let start = p.now();
            let left = p.sleep(1_000).await;
            let slept = p.now() - start;
            assert_eq!(count.get(), 1);
            assert!((100..110).contains(&slept), "slept {slept}");
            assert!(
                left > 0 && left + slept >= 1_000,
                "left {left}, slept {slept}"
            );
            assert!(left + slept <= 1_002, "left {left}, slept {slept}");
            wait_for(&p, child, WaitFlags::empty()).await;
        }
    });
}

#[test]
fn a_sleep_after_an_interrupted_sleep_wakes_on_time() {
    // The interrupted sleep's timer must not stand in for the next sleep's.
    let mut kernel = Kernel::new();
    run_main(&mut kernel, |p| async move {
        p.sigaction(Signal::SIGUSR1, SigAction::handler(|_, _| {}))
            .expect("sigaction");
        for next in [50, 500] {
            let child = p
                .spawn_fn(Command::new("poker"), |c| async move {
                    c.sleep(10).await;
                    c.kill(c.getppid(), Signal::SIGUSR1).expect("kill");
                })
                .expect("spawn");
            assert!(p.sleep(100).await > 0);
            let start = p.now();
            assert_eq!(p.sleep(next).await, 0);
            let slept = p.now() - start;
            assert!(
                (next..next + 3).contains(&slept),
                "slept {slept} for {next}"
            );
            wait_for(&p, child, WaitFlags::empty()).await;
        }
    });
}

#[test]
fn an_ignored_signal_unblocked_while_pending_interrupts_nothing() {
    let mut kernel = Kernel::new();
    run_main(&mut kernel, |p| async move {
        for signal in [Signal::SIGCHLD, Signal::SIGCONT, Signal::SIGTERM] {
            if signal == Signal::SIGTERM {
                p.signal(signal, Disposition::Ignore).expect("ignore");
            }
            p.sigprocmask(SigHow::Block, SigSet::of(signal));
            p.kill(p.pid(), signal).expect("kill");
            assert_eq!(p.sigpending(), SigSet::of(signal), "kept while blocked");
            p.sigprocmask(SigHow::Unblock, SigSet::of(signal));
            assert_eq!(p.sleep(50).await, 0, "{signal} ended the sleep");
        }
    });
}

#[test]
fn a_stop_taken_at_a_blocking_call_does_not_interrupt_it() {
    let mut kernel = Kernel::new();
    let pid = kernel
        .spawn_fn(Command::new("stopper"), |p| async move {
            p.sigprocmask(SigHow::Block, SigSet::of(Signal::SIGTSTP));
            p.raise(Signal::SIGTSTP).await.expect("raise");
            p.sigprocmask(SigHow::Unblock, SigSet::of(Signal::SIGTSTP));
            // The stop is taken here; continued, the sleep goes on to its end.
            if p.sleep(100).await == 0 { 0 } else { 1 }
        })
        .expect("spawn");
    assert_eq!(kernel.run_for(20).unwrap(), Stop::TimeLimit);
    assert_eq!(expect_row(&kernel.ps(), pid).state, ProcState::Stopped);
    kernel.kill(pid, Signal::SIGCONT).unwrap();
    assert_eq!(kernel.run().unwrap(), Stop::AllExited);
    assert_eq!(
        kernel.exit_status(pid).unwrap(),
        Some(ExitStatus::Exited(0))
    );
}

#[test]
fn poll_fails_with_eintr_and_is_never_restarted() {
    let mut kernel = Kernel::new();
    run_main(&mut kernel, |p| async move {
        for (flags, timeout) in [
            (SaFlags::empty(), None),
            (SaFlags::RESTART, None),
            (SaFlags::RESTART, Some(1_000)),
        ] {
            let count = counter();
            let c = count.clone();
            let (child, w) = child_reading_a_pipe(&p, move |c2| async move {
                c2.sigaction(Signal::SIGUSR1, counting(&c).flags(flags))
                    .expect("sigaction");
                let mut fds = [PollFd::new(Fd::STDIN, PollEvents::POLLIN)];
                assert_eq!(errno_of(c2.poll(&mut fds, timeout).await), Errno::EINTR);
            });
            p.sleep(10).await;
            assert_eq!(state_of(&p, child), ProcState::Waiting(WaitOn::Poll));
            p.kill(child, Signal::SIGUSR1).expect("kill");
            p.sleep(10).await;
            assert!(
                row(&p.ps(), child).is_none_or(|r| r.state == ProcState::Zombie),
                "{flags:?} {timeout:?}: the poll goes on"
            );
            p.close(w).expect("close");
            assert_eq!(
                wait_for(&p, child, WaitFlags::empty()).await,
                ExitStatus::Exited(0)
            );
            assert_eq!(count.get(), 1);
        }
    });
}

#[test]
fn sigsuspend_waits_for_a_handler_then_restores_the_mask() {
    let mut kernel = Kernel::new();
    run_main(&mut kernel, |p| async move {
        let count = counter();
        p.sigaction(Signal::SIGUSR1, counting(&count))
            .expect("sigaction");
        p.sigprocmask(SigHow::Block, SigSet::of(Signal::SIGUSR1));
        let child = p
            .spawn_fn(Command::new("poker"), |c| async move {
                c.sleep(50).await;
                // Ignored by default: does not end the suspend.
                c.kill(c.getppid(), Signal::SIGCHLD).expect("kill");
                c.sleep(50).await;
                c.kill(c.getppid(), Signal::SIGUSR1).expect("kill");
            })
            .expect("spawn");
        let start = p.now();
        assert_eq!(errno_of(p.sigsuspend(SigSet::empty()).await), Errno::EINTR);
        assert!(p.now() - start >= 100, "returned at {}", p.now() - start);
        assert_eq!(count.get(), 1);
        assert_eq!(mask(&p), SigSet::of(Signal::SIGUSR1), "mask restored");

        // A signal pending at the call is taken at once.
        p.kill(p.pid(), Signal::SIGUSR1).expect("kill");
        assert_eq!(errno_of(p.sigsuspend(SigSet::empty()).await), Errno::EINTR);
        assert_eq!(count.get(), 2);
        assert_eq!(mask(&p), SigSet::of(Signal::SIGUSR1));
        wait_for(&p, child, WaitFlags::empty()).await;
    });
}

#[test]
fn pause_returns_eintr_after_a_handler_and_a_default_action_ends_it() {
    let mut kernel = Kernel::new();
    run_main(&mut kernel, |p| async move {
        let count = counter();
        p.sigaction(Signal::SIGUSR2, counting(&count).flags(SaFlags::RESTART))
            .expect("sigaction");
        let child = p
            .spawn_fn(Command::new("poker"), |c| async move {
                c.sleep(20).await;
                c.kill(c.getppid(), Signal::SIGUSR2).expect("kill");
            })
            .expect("spawn");
        assert_eq!(errno_of(p.pause().await), Errno::EINTR);
        assert_eq!(count.get(), 1);
        wait_for(&p, child, WaitFlags::empty()).await;

        let pauser = p
            .spawn_fn(Command::new("pauser"), |c| async move {
                let _ = c.pause().await;
            })
            .expect("spawn");
        p.sleep(10).await;
        assert_eq!(state_of(&p, pauser), ProcState::Waiting(WaitOn::Signal));
        p.kill(pauser, Signal::SIGINT).expect("kill");
        assert_eq!(
            wait_for(&p, pauser, WaitFlags::empty()).await,
            killed_by(Signal::SIGINT)
        );
    });
}

// ---------------------------------------------------------------------------------------
// Stop and continue

#[test]
fn stop_and_continue_show_in_ps_events_and_waitpid() {
    let mut kernel = Kernel::new();
    let events = record_events(&mut kernel);
    let child_pid = Rc::new(Cell::new(Pid(0)));
    let cp = child_pid.clone();
    run_main(&mut kernel, move |p| async move {
        let child = p
            .spawn_fn(Command::new("worker"), |c| async move {
                for _ in 0..10 {
                    c.sleep(10).await;
                }
                4
            })
            .expect("spawn");
        cp.set(child);
        p.sleep(5).await;
        p.kill(child, Signal::SIGTSTP).expect("kill");
        assert_eq!(state_of(&p, child), ProcState::Stopped);
        // Without UNTRACED a stop is not reported.
        assert_eq!(
            p.waitpid(WaitFor::Pid(child), WaitFlags::NOHANG)
                .await
                .expect("wait"),
            None
        );
        let flags = WaitFlags::UNTRACED | WaitFlags::NOHANG;
        assert_eq!(
            p.waitpid(WaitFor::Any, flags).await.expect("wait"),
            Some((child, ExitStatus::Stopped(Signal::SIGTSTP)))
        );
        assert_eq!(
            p.waitpid(WaitFor::Any, flags).await.expect("wait"),
            None,
            "reported once"
        );
        p.sleep(100).await;
        assert_eq!(state_of(&p, child), ProcState::Stopped, "still stopped");
        p.kill(child, Signal::SIGCONT).expect("kill");
        assert_eq!(state_of(&p, child), ProcState::Ready);
        assert_eq!(
            p.waitpid(WaitFor::Pid(child), WaitFlags::UNTRACED | WaitFlags::NOHANG)
                .await
                .expect("wait"),
            None,
            "a continue needs CONTINUED"
        );
        assert_eq!(
            p.waitpid(WaitFor::Pid(child), WaitFlags::CONTINUED)
                .await
                .expect("wait"),
            Some((child, ExitStatus::Continued))
        );
        assert_eq!(
            wait_for(&p, child, WaitFlags::UNTRACED | WaitFlags::CONTINUED).await,
            ExitStatus::Exited(4)
        );
    });
    let child = child_pid.get();
    let stops: Vec<(ProcState, ProcState)> = events_of(&events.borrow(), child)
        .into_iter()
        .filter_map(|kind| match kind {
            EventKind::Transition { from, to }
                if from == ProcState::Stopped || to == ProcState::Stopped =>
            {
                Some((from, to))
            }
            _ => None,
        })
        .collect();
    assert_eq!(
        stops,
        vec![
            (ProcState::Waiting(WaitOn::Sleep), ProcState::Stopped),
            (ProcState::Stopped, ProcState::Ready),
        ]
    );
}

#[test]
fn a_process_can_stop_itself_and_be_continued() {
    let mut kernel = Kernel::new();
    let events = record_events(&mut kernel);
    let pid = kernel
        .spawn_fn(Command::new("self-stopper"), |p| async move {
            p.raise(Signal::SIGSTOP).await.expect("raise");
            9
        })
        .expect("spawn");
    assert_eq!(kernel.run_for(10).unwrap(), Stop::TimeLimit);
    assert_eq!(expect_row(&kernel.ps(), pid).state, ProcState::Stopped);
    kernel.kill(pid, Signal::SIGCONT).unwrap();
    assert_eq!(kernel.run().unwrap(), Stop::AllExited);
    assert_eq!(
        kernel.exit_status(pid).unwrap(),
        Some(ExitStatus::Exited(9))
    );
    assert!(
        events_of(&events.borrow(), pid).contains(&EventKind::Transition {
            from: ProcState::Running,
            to: ProcState::Stopped
        })
    );
}

#[test]
fn sigcont_discards_pending_stop_signals() {
    let mut kernel = Kernel::new();
    run_main(&mut kernel, |p| async move {
        let stops: SigSet = [Signal::SIGTSTP, Signal::SIGTTIN, Signal::SIGTTOU]
            .into_iter()
            .collect();
        p.sigprocmask(SigHow::Block, stops);
        for signal in stops.signals() {
            p.kill(p.pid(), signal).expect("kill");
        }
        assert_eq!(p.sigpending(), stops);
        p.kill(p.pid(), Signal::SIGCONT).expect("kill");
        assert_eq!(p.sigpending(), SigSet::empty());
        p.sigprocmask(SigHow::SetMask, SigSet::empty());
        p.yield_now().await; // and nothing stops it
    });
}

#[test]
fn a_stop_signal_discards_a_pending_sigcont() {
    let mut kernel = Kernel::new();
    run_main(&mut kernel, |p| async move {
        let count = counter();
        p.sigaction(Signal::SIGCONT, counting(&count))
            .expect("sigaction");
        let both = SigSet::of(Signal::SIGCONT) | SigSet::of(Signal::SIGTSTP);
        p.sigprocmask(SigHow::Block, both);
        p.kill(p.pid(), Signal::SIGCONT).expect("kill");
        assert_eq!(p.sigpending(), SigSet::of(Signal::SIGCONT));
        p.kill(p.pid(), Signal::SIGTSTP).expect("kill");
        assert_eq!(p.sigpending(), SigSet::of(Signal::SIGTSTP));
        p.signal(Signal::SIGTSTP, Disposition::Ignore)
            .expect("ignore");
        p.sigprocmask(SigHow::SetMask, SigSet::empty());
        p.yield_now().await;
        assert_eq!(count.get(), 0, "the SIGCONT was discarded");
    });
}

#[test]
fn a_handled_sigcont_continues_and_runs_its_handler() {
    let mut kernel = Kernel::new();
    run_main(&mut kernel, |p| async move {
        let count = counter();
        let c = count.clone();
        let child = p
            .spawn_fn(Command::new("worker"), move |c2| async move {
                c2.sigaction(Signal::SIGCONT, counting(&c))
                    .expect("sigaction");
                // The handler interrupts the sleep, as on Linux.
                if c2.sleep(50).await > 0 { 0 } else { 1 }
            })
            .expect("spawn");
        p.sleep(5).await;
        p.kill(child, Signal::SIGSTOP).expect("kill");
        p.kill(child, Signal::SIGCONT).expect("kill");
        assert_eq!(
            wait_for(&p, child, WaitFlags::empty()).await,
            ExitStatus::Exited(0),
            "the sleep ended early"
        );
        assert_eq!(count.get(), 1);
    });
}

#[test]
fn sigkill_ends_a_stopped_process_and_other_signals_wait_for_sigcont() {
    let mut kernel = Kernel::new();
    run_main(&mut kernel, |p| async move {
        let a = sleeper(&p);
        let b = sleeper(&p);
        p.sleep(5).await;
        p.kill(a, Signal::SIGSTOP).expect("kill");
        p.kill(b, Signal::SIGSTOP).expect("kill");
        p.kill(a, Signal::SIGKILL).expect("kill");
        assert_eq!(
            wait_for(&p, a, WaitFlags::empty()).await,
            killed_by(Signal::SIGKILL)
        );
        // A stopped process keeps a fatal signal pending until continued (Linux).
        p.kill(b, Signal::SIGTERM).expect("kill");
        p.sleep(10).await;
        assert_eq!(state_of(&p, b), ProcState::Stopped);
        p.kill(b, Signal::SIGCONT).expect("kill");
        assert_eq!(
            wait_for(&p, b, WaitFlags::empty()).await,
            killed_by(Signal::SIGTERM)
        );
    });
}

#[test]
fn the_host_stops_continues_and_kills_a_stopped_process() {
    let mut kernel = Kernel::new();
    let pid = kernel
        .spawn_fn(Command::new("sleeper"), |p| async move {
            p.sleep(100).await;
        })
        .expect("spawn");
    assert_eq!(kernel.run_for(10).unwrap(), Stop::TimeLimit);
    kernel.kill(pid, Signal::SIGSTOP).unwrap();
    kernel.kill(pid, Signal::SIGTERM).unwrap();
    assert_eq!(expect_row(&kernel.ps(), pid).state, ProcState::Stopped);
    kernel.kill(pid, Signal::SIGKILL).unwrap();
    assert_eq!(kernel.run().unwrap(), Stop::AllExited);
    assert_eq!(
        kernel.exit_status(pid).unwrap(),
        Some(killed_by(Signal::SIGKILL))
    );
}

// ---------------------------------------------------------------------------------------
// SIGCHLD and reaping

#[test]
fn sigchld_comes_on_exit_stop_and_continue_unless_sa_nocldstop() {
    let mut kernel = Kernel::new();
    run_main(&mut kernel, |p| async move {
        for flags in [SaFlags::empty(), SaFlags::NOCLDSTOP] {
            let count = counter();
            p.sigaction(Signal::SIGCHLD, counting(&count).flags(flags))
                .expect("sigaction");
            let child = sleeper(&p);
            p.sleep(5).await;
            p.kill(child, Signal::SIGSTOP).expect("kill");
            p.yield_now().await;
            let stop_signals = count.get();
            p.kill(child, Signal::SIGCONT).expect("kill");
            p.yield_now().await;
            let cont_signals = count.get() - stop_signals;
            p.kill(child, Signal::SIGTERM).expect("kill");
            let status = loop {
                // The SIGCHLD of the exit may interrupt the wait (no SA_RESTART).
                match p.wait().await {
                    Ok((_, status)) => break status,
                    Err(e) => assert_eq!(e.errno(), Errno::EINTR),
                }
            };
            assert_eq!(status, killed_by(Signal::SIGTERM));
            p.yield_now().await;
            let quiet = flags.contains(SaFlags::NOCLDSTOP);
            assert_eq!(
                (stop_signals, cont_signals, count.get()),
                if quiet { (0, 0, 1) } else { (1, 1, 3) },
                "{flags:?}"
            );
        }
    });
}

#[test]
fn children_leave_no_zombie_when_sigchld_is_ignored() {
    let mut kernel = Kernel::new();
    run_main(&mut kernel, |p| async move {
        p.signal(Signal::SIGCHLD, Disposition::Ignore)
            .expect("ignore");
        let quick = p
            .spawn_fn(Command::new("quick"), |_| async { 1 })
            .expect("spawn");
        p.sleep(10).await;
        assert!(row(&p.ps(), quick).is_none(), "no zombie");
        assert_eq!(errno_of(p.wait().await), Errno::ECHILD);
        // A wait already blocked ends with ECHILD when the last child goes.
        p.spawn_fn(Command::new("slow"), |c| async move {
            c.sleep(20).await;
        })
        .expect("spawn");
        assert_eq!(errno_of(p.wait().await), Errno::ECHILD);
    });
}

#[test]
fn children_leave_no_zombie_with_sa_nocldwait_and_sigchld_still_comes() {
    let mut kernel = Kernel::new();
    run_main(&mut kernel, |p| async move {
        let count = counter();
        p.sigaction(
            Signal::SIGCHLD,
            counting(&count).flags(SaFlags::NOCLDWAIT | SaFlags::RESTART),
        )
        .expect("sigaction");
        let quick = p
            .spawn_fn(Command::new("quick"), |_| async { 1 })
            .expect("spawn");
        p.sleep(10).await;
        assert!(row(&p.ps(), quick).is_none(), "no zombie");
        assert_eq!(count.get(), 1, "SIGCHLD is sent all the same (Linux)");
        assert_eq!(errno_of(p.wait().await), Errno::ECHILD);
        // SIGCHLD default with NOCLDWAIT: no zombie either.
        p.sigaction(
            Signal::SIGCHLD,
            SigAction::default().flags(SaFlags::NOCLDWAIT),
        )
        .expect("sigaction");
        p.spawn_fn(Command::new("slow"), |c| async move {
            c.sleep(20).await;
        })
        .expect("spawn");
        assert_eq!(errno_of(p.wait().await), Errno::ECHILD);
    });
}

// ---------------------------------------------------------------------------------------
// Inheritance

#[test]
fn a_child_inherits_ignored_signals_and_the_mask_but_not_handlers_or_pending_signals() {
    let mut kernel = Kernel::new();
    run_main(&mut kernel, |p| async move {
        p.signal(Signal::SIGUSR2, Disposition::Ignore)
            .expect("ignore");
        p.sigaction(Signal::SIGUSR1, SigAction::handler(|_, _| {}))
            .expect("sigaction");
        p.sigaction(
            Signal::SIGCHLD,
            SigAction::handler(|_, _| {}).flags(SaFlags::NOCLDSTOP | SaFlags::RESTART),
        )
        .expect("sigaction");
        p.sigprocmask(SigHow::Block, SigSet::of(Signal::SIGHUP));
        p.kill(p.pid(), Signal::SIGHUP).expect("kill");
        let child = p
            .spawn_fn(Command::new("heir"), |c| async move {
                assert!(matches!(
                    c.sigaction_of(Signal::SIGUSR2).disposition,
                    Disposition::Ignore
                ));
                let usr1 = c.sigaction_of(Signal::SIGUSR1);
                assert!(matches!(usr1.disposition, Disposition::Default));
                let chld = c.sigaction_of(Signal::SIGCHLD);
                assert!(matches!(chld.disposition, Disposition::Default));
                assert_eq!(chld.flags, SaFlags::empty(), "flags are reset too");
                assert_eq!(mask(&c), SigSet::of(Signal::SIGHUP));
                assert_eq!(c.sigpending(), SigSet::empty());
                // Its own children inherit the same.
                let grandchild = c
                    .spawn_fn(Command::new("grandheir"), |g| async move {
                        assert!(matches!(
                            g.sigaction_of(Signal::SIGUSR2).disposition,
                            Disposition::Ignore
                        ));
                        assert_eq!(mask(&g), SigSet::of(Signal::SIGHUP));
                    })
                    .expect("spawn");
                assert_eq!(
                    wait_for(&c, grandchild, WaitFlags::empty()).await,
                    ExitStatus::Exited(0)
                );
            })
            .expect("spawn");
        assert_eq!(
            wait_for(&p, child, WaitFlags::empty()).await,
            ExitStatus::Exited(0)
        );
        assert_eq!(p.sigpending(), SigSet::of(Signal::SIGHUP));
        p.signal(Signal::SIGHUP, Disposition::Ignore)
            .expect("ignore");
    });
}

#[test]
fn an_ignored_signal_stays_ignored_in_the_child() {
    let mut kernel = Kernel::new();
    run_main(&mut kernel, |p| async move {
        p.signal(Signal::SIGTERM, Disposition::Ignore)
            .expect("ignore");
        let child = p
            .spawn_fn(Command::new("nohup"), |c| async move {
                c.sleep(50).await;
                6
            })
            .expect("spawn");
        p.sleep(5).await;
        p.kill(child, Signal::SIGTERM).expect("kill");
        assert_eq!(
            wait_for(&p, child, WaitFlags::empty()).await,
            ExitStatus::Exited(6)
        );
    });
}

// ---------------------------------------------------------------------------------------
// sigwait and signal streams

#[test]
fn sigwait_takes_a_blocked_signal_without_running_its_handler() {
    let mut kernel = Kernel::new();
    run_main(&mut kernel, |p| async move {
        let count = counter();
        p.sigaction(Signal::SIGUSR1, counting(&count))
            .expect("sigaction");
        let set = SigSet::of(Signal::SIGUSR1) | SigSet::of(Signal::SIGUSR2);
        p.sigprocmask(SigHow::Block, set);
        let child = p
            .spawn_fn(Command::new("poker"), |c| async move {
                c.sleep(20).await;
                c.kill(c.getppid(), Signal::SIGUSR1).expect("kill");
            })
            .expect("spawn");
        assert_eq!(p.sigwait(set).await.expect("sigwait"), Signal::SIGUSR1);
        assert_eq!(p.sigpending(), SigSet::empty());
        // Pending already: at once, lowest first.
        p.kill(p.pid(), Signal::SIGUSR2).expect("kill");
        p.kill(p.pid(), Signal::SIGUSR1).expect("kill");
        assert_eq!(p.sigwait(set).await.expect("sigwait"), Signal::SIGUSR1);
        assert_eq!(p.sigwait(set).await.expect("sigwait"), Signal::SIGUSR2);
        p.yield_now().await;
        assert_eq!(count.get(), 0, "taken, not delivered");
        assert_eq!(errno_of(p.sigwait(SigSet::empty()).await), Errno::EINVAL);
        wait_for(&p, child, WaitFlags::empty()).await;
    });
}

#[test]
fn a_signal_stream_yields_each_signal_of_its_set() {
    let mut kernel = Kernel::new();
    run_main(&mut kernel, |p| async move {
        let set = SigSet::of(Signal::SIGTERM) | SigSet::of(Signal::SIGHUP);
        let stream = p.signals(set);
        assert_eq!(stream.set(), set);
        assert_eq!(mask(&p), set, "the stream blocks its signals");
        let child = p
            .spawn_fn(Command::new("poker"), |c| async move {
                for signal in [Signal::SIGTERM, Signal::SIGHUP, Signal::SIGTERM] {
                    c.sleep(10).await;
                    c.kill(c.getppid(), signal).expect("kill");
                }
            })
            .expect("spawn");
        let mut got = Vec::new();
        for _ in 0..3 {
            got.push(stream.next().await.expect("next"));
        }
        assert_eq!(got, [Signal::SIGTERM, Signal::SIGHUP, Signal::SIGTERM]);
        wait_for(&p, child, WaitFlags::empty()).await;
    });
}

// ---------------------------------------------------------------------------------------
// alarm

#[test]
fn alarm_sends_sigalrm_after_its_ticks() {
    let mut kernel = Kernel::new();
    run_main(&mut kernel, |p| async move {
        // By default SIGALRM ends the process.
        let child = p
            .spawn_fn(Command::new("alarmed"), |c| async move {
                c.alarm(30);
                c.sleep(1_000).await;
            })
            .expect("spawn");
        let start = p.now();
        assert_eq!(
            wait_for(&p, child, WaitFlags::empty()).await,
            killed_by(Signal::SIGALRM)
        );
        let took = p.now() - start;
        assert!((30..40).contains(&took), "took {took}");

        // Handled, it ends a sleep early.
        let count = counter();
        p.sigaction(Signal::SIGALRM, counting(&count))
            .expect("sigaction");
        assert_eq!(p.alarm(50), 0);
        let start = p.now();
        let left = p.sleep(1_000).await;
        let slept = p.now() - start;
        assert_eq!(count.get(), 1);
        assert!((45..=50).contains(&slept), "slept {slept}");
        assert!(left >= 950, "left {left}");
    });
}

#[test]
fn rearming_an_alarm_returns_the_ticks_left_and_zero_cancels_it() {
    let mut kernel = Kernel::new();
    run_main(&mut kernel, |p| async move {
        let count = counter();
        p.sigaction(Signal::SIGALRM, counting(&count))
            .expect("sigaction");
        // Each call costs a tick: an alarm armed just after `now()` said t fires at
        // t + 1 + its ticks.
        let armed = p.now();
        assert_eq!(p.alarm(100), 0, "none armed");
        p.sleep(30).await;
        let rearmed = p.now();
        let left = p.alarm(200);
        assert_eq!(
            left,
            100 - (rearmed - armed),
            "the first alarm's ticks left"
        );
        p.sleep(150).await;
        assert_eq!(count.get(), 0, "the first alarm was replaced");
        let cancelled = p.now();
        assert_eq!(p.alarm(0), 200 - (cancelled - rearmed));
        assert_eq!(p.sleep(500).await, 0, "cancelled: nothing ended the sleep");
        assert_eq!(count.get(), 0);
        assert_eq!(p.alarm(0), 0);
        // One alarm fires once.
        p.alarm(10);
        p.sleep(5).await;
        let left = p.sleep(100).await;
        assert!(left > 0);
        assert_eq!(p.sleep(100).await, 0);
        assert_eq!(count.get(), 1);
    });
}

#[test]
fn an_alarm_interrupts_a_cpu_burst_under_every_policy() {
    for policy in vproc_sched::POLICY_NAMES {
        let policy_of = || vproc_sched::by_name(policy, 10, 1).expect("policy");
        // By default it ends the process at once, not when the burst is over.
        let mut kernel = Kernel::builder().policy_boxed(policy_of()).build();
        let pid = kernel
            .spawn_fn(Command::new("cruncher"), |p| async move {
                p.alarm(10);
                p.compute(100_000).await;
            })
            .expect("spawn");
        assert_eq!(kernel.run().unwrap(), Stop::AllExited);
        assert_eq!(
            kernel.exit_status(pid).unwrap(),
            Some(killed_by(Signal::SIGALRM)),
            "{policy}"
        );
        assert!(kernel.now() <= 12, "{policy}: killed at {}", kernel.now());

        // Handled, the handler runs when it fires, and the burst goes on.
        let mut kernel = Kernel::builder().policy_boxed(policy_of()).build();
        let fired = Rc::new(Cell::new(0));
        let f = fired.clone();
        let pid = kernel
            .spawn_fn(Command::new("cruncher"), move |p| async move {
                let action = SigAction::handler(move |proc, _| f.set(proc.now()));
                p.sigaction(Signal::SIGALRM, action).expect("sigaction");
                p.alarm(10);
                p.compute(1_000).await;
                u8::from(p.times().user == 1_000)
            })
            .expect("spawn");
        assert_eq!(kernel.run().unwrap(), Stop::AllExited);
        assert_eq!(
            kernel.exit_status(pid).unwrap(),
            Some(ExitStatus::Exited(1)),
            "{policy}: the whole burst ran"
        );
        assert!(
            (12..=14).contains(&fired.get()),
            "{policy}: fired at {}",
            fired.get()
        );
    }
}

#[test]
fn the_alarm_of_a_process_that_ended_does_not_move_the_clock() {
    let mut kernel = Kernel::new();
    let parent = kernel
        .spawn_fn(Command::new("parent"), |p| async move {
            // The child stays a zombie: its parent never waits.
            p.spawn_fn(Command::new("alarmed"), |c| async move {
                c.alarm(1_000_000);
            })
            .expect("spawn");
            p.pause().await.expect_err("never");
        })
        .expect("spawn");
    let report = match kernel.run().unwrap() {
        Stop::Deadlock(report) => report,
        other => panic!("expected a deadlock, got {other:?}"),
    };
    assert_eq!(report.blocked.len(), 1);
    assert_eq!(report.blocked[0].0, parent);
    assert!(report.tick < 100, "the clock jumped to {}", report.tick);
    kernel.kill(parent, Signal::SIGKILL).unwrap();
}

#[test]
fn an_alarm_is_not_inherited() {
    let mut kernel = Kernel::new();
    run_main(&mut kernel, |p| async move {
        // Ours is blocked, so that it does not end us; the child unblocks it, and would
        // die of an inherited alarm.
        p.alarm(20);
        p.sigprocmask(SigHow::Block, SigSet::of(Signal::SIGALRM));
        let child = p
            .spawn_fn(Command::new("child"), |c| async move {
                c.sigprocmask(SigHow::SetMask, SigSet::empty());
                c.sleep(100).await;
                2
            })
            .expect("spawn");
        assert_eq!(
            wait_for(&p, child, WaitFlags::empty()).await,
            ExitStatus::Exited(2)
        );
        assert_eq!(p.sigpending(), SigSet::of(Signal::SIGALRM), "ours fired");
        p.signal(Signal::SIGALRM, Disposition::Ignore)
            .expect("ignore");
    });
}

// ---------------------------------------------------------------------------------------
// SIGPIPE

#[test]
fn sigpipe_ends_a_writer_by_default_and_gives_epipe_when_ignored_or_caught() {
    let mut kernel = Kernel::new();
    run_main(&mut kernel, |p| async move {
        let child = p
            .spawn_fn(Command::new("writer"), |c| async move {
                let (r, w) = c.pipe().expect("pipe");
                c.close(r).expect("close");
                let _ = c.write(w, b"lost").await;
                0
            })
            .expect("spawn");
        assert_eq!(
            wait_for(&p, child, WaitFlags::empty()).await,
            killed_by(Signal::SIGPIPE)
        );

        p.signal(Signal::SIGPIPE, Disposition::Ignore)
            .expect("ignore");
        let (r, w) = p.pipe().expect("pipe");
        p.close(r).expect("close");
        assert_eq!(errno_of(p.write(w, b"lost").await), Errno::EPIPE);

        let count = counter();
        p.sigaction(Signal::SIGPIPE, counting(&count))
            .expect("sigaction");
        assert_eq!(errno_of(p.write(w, b"lost").await), Errno::EPIPE);
        assert_eq!(count.get(), 1, "the handler ran before the write returned");
        p.close(w).expect("close");
    });
}

#[test]
fn a_program_that_returns_right_after_killing_itself_dies_of_the_signal() {
    let mut kernel = Kernel::new();
    let pid = kernel
        .spawn_fn(Command::new("quitter"), |p| async move {
            p.kill(p.pid(), Signal::SIGTERM).expect("kill");
            0
        })
        .expect("spawn");
    kernel.run().expect("run");
    assert_eq!(
        kernel.exit_status(pid).expect("status"),
        Some(ExitStatus::Signaled {
            signal: Signal::SIGTERM,
            core_dumped: false
        })
    );
}
