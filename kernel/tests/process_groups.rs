//! Process groups and sessions: setpgid, getpgid, getpgrp, setsid, getsid, the group and
//! session a spawned child starts in (`Command::process_group`, `Command::new_session`),
//! and kill to one's own group, to a group and to all. Where POSIX leaves a choice, the
//! expected behaviour is Linux's.

mod common;

use std::cell::RefCell;
use std::rc::Rc;

use common::{errno_of, row, run_main};
use vproc_kernel::{
    Command, Errno, ExitStatus, Kernel, KillTarget, Pid, Proc, SigAction, Signal, Stop, WaitFlags,
    WaitFor,
};

/// A child that sleeps for a long time, then exits with 7.
fn sleeper(p: &Proc, command: Command) -> Pid {
    p.spawn_fn(command, |c| async move {
        c.sleep(1_000).await;
        7
    })
    .expect("spawn")
}

/// Waits for `pid`, which must report a status.
async fn status_of(p: &Proc, pid: Pid) -> ExitStatus {
    let (got, status) = p
        .waitpid(WaitFor::Pid(pid), WaitFlags::empty())
        .await
        .expect("waitpid")
        .expect("a status");
    assert_eq!(got, pid);
    status
}

fn killed_by(signal: Signal) -> ExitStatus {
    ExitStatus::Signaled {
        signal,
        core_dumped: false,
    }
}

/// Runs `program` as the only process the host starts, in a group of its own (the host's
/// children start in init's group, 1, and session, 1).
fn run_in_own_group<F, Fut>(program: F)
where
    F: FnOnce(Proc) -> Fut + 'static,
    Fut: std::future::Future<Output = ()> + 'static,
{
    let mut kernel = Kernel::new();
    run_main(&mut kernel, |p| async move {
        assert_eq!(p.getpgrp(), Pid::INIT);
        assert_eq!(p.getsid(None).expect("getsid"), Pid::INIT);
        p.setpgid(None, None).expect("setpgid");
        assert_eq!(p.getpgrp(), p.pid());
        program(p).await;
    });
}

// ---------------------------------------------------------------------------------------
// kill to groups

#[test]
fn kill_target_from_raw_follows_kill_2() {
    assert_eq!(KillTarget::from_raw(0), KillTarget::OwnGroup);
    assert_eq!(KillTarget::from_raw(-1), KillTarget::All);
    assert_eq!(KillTarget::from_raw(-42), KillTarget::Group(Pid(42)));
    assert_eq!(KillTarget::from_raw(42), KillTarget::Process(Pid(42)));
    assert_eq!(KillTarget::from(Pid(3)), KillTarget::Process(Pid(3)));
}

#[test]
fn kill_of_the_own_group_reaches_every_member_and_nothing_else() {
    run_in_own_group(|p| async move {
        let hits = Rc::new(RefCell::new(0));
        let h = hits.clone();
        p.sigaction(
            Signal::SIGUSR1,
            SigAction::handler(move |_, _| *h.borrow_mut() += 1),
        )
        .expect("sigaction");
        let member = sleeper(&p, Command::new("member"));
        let elsewhere = sleeper(&p, Command::new("elsewhere").process_group(Pid(0)));
        let other_session = sleeper(&p, Command::new("other").new_session());
        // A grandchild in our group, through a child in another group.
        let grandchild = Rc::new(RefCell::new(None));
        let g = grandchild.clone();
        let pgid = p.pid();
        let middle = p
            .spawn_fn(
                Command::new("middle").process_group(Pid(0)),
                move |c| async move {
                    let grandchild = sleeper(&c, Command::new("grandchild").process_group(pgid));
                    *g.borrow_mut() = Some(grandchild);
                    u8::from(status_of(&c, grandchild).await == killed_by(Signal::SIGUSR1))
                },
            )
            .expect("spawn");
        p.sleep(10).await;
        p.kill(KillTarget::OwnGroup, Signal::SIGUSR1).expect("kill");
        p.yield_now().await;
        assert_eq!(*hits.borrow(), 1, "the caller is a member");
        assert_eq!(status_of(&p, member).await, killed_by(Signal::SIGUSR1));
        assert_eq!(status_of(&p, middle).await, ExitStatus::Exited(1));
        for pid in [elsewhere, other_session] {
            let ps = p.ps();
            assert!(row(&ps, pid).is_some_and(|r| r.status.is_none()), "{pid}");
            p.kill(pid, Signal::SIGTERM).expect("kill");
            assert_eq!(status_of(&p, pid).await, killed_by(Signal::SIGTERM));
        }
        assert!(grandchild.borrow().is_some());
    });
}

#[test]
fn kill_of_a_group_reaches_every_member_and_nothing_else() {
    run_in_own_group(|p| async move {
        let leader = sleeper(&p, Command::new("leader").process_group(Pid(0)));
        let joiner = sleeper(&p, Command::new("joiner").process_group(leader));
        let moved = sleeper(&p, Command::new("moved"));
        p.setpgid(Some(moved), Some(leader)).expect("setpgid");
        let outsider = sleeper(&p, Command::new("outsider"));
        p.sleep(10).await;
        p.kill(KillTarget::Group(leader), Signal::SIGHUP)
            .expect("kill");
        for pid in [leader, joiner, moved] {
            assert_eq!(status_of(&p, pid).await, killed_by(Signal::SIGHUP), "{pid}");
        }
        assert_eq!(
            errno_of(p.kill(KillTarget::Group(leader), Signal::SIGHUP)),
            Errno::ESRCH,
            "the group is gone"
        );
        assert_eq!(
            errno_of(p.kill(KillTarget::Group(Pid(4242)), Signal::SIGHUP)),
            Errno::ESRCH
        );
        assert_eq!(errno_of(p.kill(Pid(4242), Signal::SIGHUP)), Errno::ESRCH);
        assert_eq!(status_of(&p, outsider).await, ExitStatus::Exited(7));
    });
}

#[test]
fn a_group_of_zombies_exists_until_they_are_reaped_as_on_linux() {
    run_in_own_group(|p| async move {
        let me = p.pid();
        let quick = p
            .spawn_fn(Command::new("quick").process_group(Pid(0)), |_| async { 3 })
            .expect("spawn");
        p.sleep(10).await;
        // The zombie is still a member of its group until it is reaped: kill finds the
        // group (and does nothing to it), a child may join it.
        p.kill(KillTarget::Group(quick), Signal::SIGTERM)
            .expect("kill a group of zombies");
        p.kill(quick, Signal::SIGTERM).expect("kill a zombie");
        let joiner = sleeper(&p, Command::new("joiner"));
        p.setpgid(Some(joiner), Some(quick)).expect("join");
        p.setpgid(Some(joiner), Some(me)).expect("leave");
        assert_eq!(status_of(&p, quick).await, ExitStatus::Exited(3));
        assert_eq!(
            errno_of(p.kill(KillTarget::Group(quick), Signal::SIGTERM)),
            Errno::ESRCH
        );
        assert_eq!(
            errno_of(p.setpgid(Some(joiner), Some(quick))),
            Errno::EPERM,
            "reaped: the group is gone"
        );
        p.kill(joiner, Signal::SIGKILL).expect("kill");
        status_of(&p, joiner).await;
    });
}

#[test]
fn kill_of_all_reaches_everyone_but_init_and_the_caller() {
    let mut kernel = Kernel::new();
    let others: Vec<Pid> = (0..3)
        .map(|i| {
            let command = match i {
                0 => Command::new("plain"),
                1 => Command::new("grouped").process_group(Pid(0)),
                _ => Command::new("session").new_session(),
            };
            kernel
                .spawn_fn(command, |p| async move {
                    let child = p
                        .spawn_fn(Command::new("child"), |c| async move {
                            c.sleep(1_000).await;
                        })
                        .expect("spawn");
                    p.sleep(1_000).await;
                    let _ = child;
                })
                .expect("spawn")
        })
        .collect();
    let killer = kernel
        .spawn_fn(Command::new("killer").new_session(), |p| async move {
            p.sleep(10).await;
            p.kill(KillTarget::All, Signal::SIGTERM).expect("kill");
            p.sleep(10).await;
            let ps = p.ps();
            let alive: Vec<Pid> = ps
                .iter()
                .filter(|r| r.status.is_none())
                .map(|r| r.pid)
                .collect();
            assert_eq!(alive, vec![Pid::INIT, p.pid()]);
        })
        .expect("spawn");
    assert_eq!(kernel.run().unwrap(), Stop::AllExited);
    assert_eq!(
        kernel.exit_status(killer).unwrap(),
        Some(ExitStatus::Exited(0))
    );
    for pid in others {
        assert_eq!(
            kernel.exit_status(pid).unwrap(),
            Some(killed_by(Signal::SIGTERM))
        );
    }
}

// ---------------------------------------------------------------------------------------
// setpgid and getpgid

#[test]
fn setpgid_moves_the_caller_and_its_children_that_have_not_run() {
    run_in_own_group(|p| async move {
        let me = p.pid();
        let a = sleeper(&p, Command::new("a"));
        let b = sleeper(&p, Command::new("b"));
        assert_eq!(p.getpgid(Some(a)).expect("getpgid"), me, "inherited");
        p.setpgid(Some(a), None).expect("setpgid");
        assert_eq!(p.getpgid(Some(a)).expect("getpgid"), a);
        p.setpgid(Some(b), Some(a)).expect("setpgid");
        assert_eq!(p.getpgid(Some(b)).expect("getpgid"), a);
        p.setpgid(Some(b), Some(me)).expect("back to ours");
        assert_eq!(
            errno_of(p.setpgid(Some(b), Some(Pid(4242)))),
            Errno::EPERM,
            "no such group in the session"
        );
        // The caller may join a group of its session and come back.
        p.setpgid(None, Some(a)).expect("setpgid");
        assert_eq!(p.getpgrp(), a);
        p.setpgid(None, None).expect("setpgid");
        assert_eq!(p.getpgrp(), me);
        p.sleep(10).await; // the children run
        assert_eq!(
            errno_of(p.setpgid(Some(b), Some(a))),
            Errno::EACCES,
            "b has started its program"
        );
        assert_eq!(errno_of(p.setpgid(Some(b), None)), Errno::EACCES);
        for pid in [a, b] {
            p.kill(pid, Signal::SIGKILL).expect("kill");
            status_of(&p, pid).await;
        }
    });
}

#[test]
fn setpgid_of_a_process_that_is_not_a_child_is_esrch() {
    run_in_own_group(|p| async move {
        let me = p.pid();
        assert_eq!(errno_of(p.setpgid(Some(Pid(4242)), None)), Errno::ESRCH);
        assert_eq!(errno_of(p.setpgid(Some(Pid::INIT), None)), Errno::ESRCH);
        assert_eq!(errno_of(p.getpgid(Some(Pid(4242)))), Errno::ESRCH);
        assert_eq!(errno_of(p.getsid(Some(Pid(4242)))), Errno::ESRCH);
        let middle = p
            .spawn_fn(Command::new("middle"), move |c| async move {
                let grandchild = sleeper(&c, Command::new("grandchild"));
                // Its parent may move it; its grandparent may not.
                c.setpgid(Some(grandchild), None).expect("setpgid");
                c.sleep(100).await;
                c.kill(grandchild, Signal::SIGKILL).expect("kill");
                status_of(&c, grandchild).await;
            })
            .expect("spawn");
        p.sleep(10).await;
        let grandchild = p
            .ps()
            .iter()
            .find(|r| r.ppid == middle)
            .expect("the grandchild")
            .pid;
        assert_eq!(
            errno_of(p.setpgid(Some(grandchild), Some(me))),
            Errno::ESRCH
        );
        assert_eq!(p.getpgid(Some(grandchild)).expect("getpgid"), grandchild);
        assert_eq!(status_of(&p, middle).await, ExitStatus::Exited(0));
    });
}

// ---------------------------------------------------------------------------------------
// setsid and getsid

#[test]
fn setsid_makes_a_new_session_and_group_led_by_the_caller() {
    let mut kernel = Kernel::new();
    run_main(&mut kernel, |p| async move {
        // Not a group leader (in init's group): it may.
        let sid = p.setsid().expect("setsid");
        assert_eq!(sid, p.pid());
        assert_eq!(p.getsid(None).expect("getsid"), sid);
        assert_eq!(p.getpgrp(), sid);
        // Now it leads its session (and its group): neither setsid nor setpgid.
        assert_eq!(errno_of(p.setsid()), Errno::EPERM);
        assert_eq!(errno_of(p.setpgid(None, None)), Errno::EPERM);
        // Children start in its session and group.
        let child = p
            .spawn_fn(Command::new("child"), move |c| async move {
                assert_eq!(c.getsid(None).expect("getsid"), sid);
                assert_eq!(c.getpgrp(), sid);
                // A session leader's group cannot change.
                assert_eq!(
                    errno_of(c.setpgid(Some(sid), None)),
                    Errno::ESRCH,
                    "not our child"
                );
            })
            .expect("spawn");
        assert_eq!(p.getsid(Some(child)).expect("getsid"), sid);
        assert_eq!(status_of(&p, child).await, ExitStatus::Exited(0));
    });
}

#[test]
fn setsid_by_a_group_leader_is_eperm() {
    run_in_own_group(|p| async move {
        assert_eq!(errno_of(p.setsid()), Errno::EPERM);
        // Still EPERM once it left the group while another member keeps it.
        let member = sleeper(&p, Command::new("member"));
        let other = sleeper(&p, Command::new("other").process_group(Pid(0)));
        p.setpgid(None, Some(other)).expect("setpgid");
        assert_eq!(p.getpgid(Some(member)).expect("getpgid"), p.pid());
        assert_eq!(
            errno_of(p.setsid()),
            Errno::EPERM,
            "a group with its id exists"
        );
        for pid in [member, other] {
            p.kill(pid, Signal::SIGKILL).expect("kill");
            status_of(&p, pid).await;
        }
    });
}

#[test]
fn setpgid_across_sessions_is_eperm() {
    run_in_own_group(|p| async move {
        let me = p.pid();
        // A child that started a session of its own.
        let leader = p
            .spawn_fn(Command::new("leader").new_session(), |c| async move {
                c.sleep(1_000).await;
            })
            .expect("spawn");
        assert_eq!(p.getsid(Some(leader)).expect("getsid"), leader);
        assert_eq!(
            errno_of(p.setpgid(Some(leader), Some(me))),
            Errno::EPERM,
            "another session (and before it ran)"
        );
        p.sleep(10).await;
        assert_eq!(
            errno_of(p.setpgid(Some(leader), Some(me))),
            Errno::EPERM,
            "another session is checked before 'already ran' (Linux)"
        );
        // A child that called setsid itself.
        let runaway = p
            .spawn_fn(Command::new("runaway"), |c| async move {
                c.setsid().expect("setsid");
                c.sleep(1_000).await;
            })
            .expect("spawn");
        p.sleep(10).await;
        assert_eq!(p.getsid(Some(runaway)).expect("getsid"), runaway);
        assert_eq!(errno_of(p.setpgid(Some(runaway), None)), Errno::EPERM);
        // We may not join a group of another session.
        assert_eq!(errno_of(p.setpgid(None, Some(leader))), Errno::EPERM);
        assert_eq!(p.getpgrp(), me);
        // A new child may not start in a group of another session.
        assert_eq!(
            errno_of(p.spawn_fn(Command::new("x").process_group(leader), |_| async {})),
            Errno::EPERM
        );
        for pid in [leader, runaway] {
            p.kill(pid, Signal::SIGKILL).expect("kill");
            status_of(&p, pid).await;
        }
    });
}

// ---------------------------------------------------------------------------------------
// The group and session a child starts in

#[test]
fn command_process_group_and_new_session_place_the_child() {
    run_in_own_group(|p| async move {
        let me = p.pid();
        let sid = p.getsid(None).expect("getsid");
        let leader = sleeper(&p, Command::new("leader").process_group(Pid(0)));
        assert_eq!(p.getpgid(Some(leader)).expect("getpgid"), leader);
        assert_eq!(p.getsid(Some(leader)).expect("getsid"), sid);
        let joiner = sleeper(&p, Command::new("joiner").process_group(leader));
        assert_eq!(p.getpgid(Some(joiner)).expect("getpgid"), leader);
        let ours = sleeper(&p, Command::new("ours").process_group(me));
        assert_eq!(p.getpgid(Some(ours)).expect("getpgid"), me);
        assert_eq!(
            errno_of(p.spawn_fn(
                Command::new("nowhere").process_group(Pid(4242)),
                |_| async {}
            )),
            Errno::EPERM
        );
        let session = p
            .spawn_fn(Command::new("session").new_session(), |c| async move {
                let me = c.pid();
                assert_eq!(c.getsid(None).expect("getsid"), me);
                assert_eq!(c.getpgrp(), me);
                // Its children are in its session and group.
                let child = c
                    .spawn_fn(Command::new("child"), move |g| async move {
                        assert_eq!(g.getsid(None).expect("getsid"), me);
                        assert_eq!(g.getpgrp(), me);
                    })
                    .expect("spawn");
                u8::from(status_of(&c, child).await.success())
            })
            .expect("spawn");
        assert_eq!(p.getsid(Some(session)).expect("getsid"), session);
        assert_eq!(status_of(&p, session).await, ExitStatus::Exited(1));
        p.kill(KillTarget::Group(leader), Signal::SIGKILL)
            .expect("kill");
        p.kill(ours, Signal::SIGKILL).expect("kill");
        for pid in [leader, joiner, ours] {
            assert_eq!(status_of(&p, pid).await, killed_by(Signal::SIGKILL));
        }
    });
}

#[test]
fn the_host_can_start_a_process_in_a_new_group_or_session() {
    let mut kernel = Kernel::new();
    let leader = kernel
        .spawn_fn(
            Command::new("leader").process_group(Pid(0)),
            |p| async move {
                assert_eq!(p.getpgrp(), p.pid());
                assert_eq!(p.getsid(None).expect("getsid"), Pid::INIT);
                p.sleep(100).await;
            },
        )
        .expect("spawn");
    let joiner = kernel
        .spawn_fn(
            Command::new("joiner").process_group(leader),
            move |p| async move {
                assert_eq!(p.getpgrp(), leader);
            },
        )
        .expect("spawn");
    let session = kernel
        .spawn_fn(Command::new("session").new_session(), |p| async move {
            assert_eq!(p.getsid(None).expect("getsid"), p.pid());
            assert_eq!(p.getpgrp(), p.pid());
        })
        .expect("spawn");
    assert_eq!(
        errno_of(kernel.spawn_fn(
            Command::new("nowhere").process_group(Pid(4242)),
            |_| async {}
        )),
        Errno::EPERM
    );
    assert_eq!(kernel.run().unwrap(), Stop::AllExited);
    for pid in [leader, joiner, session] {
        assert_eq!(
            kernel.exit_status(pid).unwrap(),
            Some(ExitStatus::Exited(0))
        );
    }
}
