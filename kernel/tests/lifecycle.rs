//! Process lifecycle: creation, exit, wait and reaping, zombies, orphans, pids, exit codes,
//! CPU accounting, environment, working directory, registered programs.

mod common;

use std::cell::{Cell, RefCell};
use std::convert::Infallible;
use std::rc::Rc;

use common::*;
use vproc_kernel::{
    Command, Errno, Error, EventKind, ExitStatus, Kernel, Pid, Proc, ProcState, Stop, Times,
    WaitFlags, WaitFor, WaitOn,
};

type Shared<T> = Rc<RefCell<T>>;

fn shared<T: Default>() -> Shared<T> {
    Rc::new(RefCell::new(T::default()))
}

// ---------------------------------------------------------------------------------------
// Creation, exit, wait

#[test]
fn wait_and_waitpid_return_each_childs_pid_and_status() {
    let mut kernel = Kernel::new();
    let seen: Shared<Vec<String>> = shared();
    let log = seen.clone();
    let parent = kernel
        .spawn_fn(Command::new("parent"), move |p| async move {
            let a = p.spawn_fn(Command::new("a"), |c| async move {
                c.compute(5).await;
                7
            })?;
            let b = p.spawn_fn(Command::new("b"), |c| async move {
                c.sleep(20).await;
                9u8
            })?;
            assert!(a < b, "pids count up: {a} then {b}");
            // `a` exits first, but waitpid waits for `b` only.
            let first = p.waitpid(WaitFor::Pid(b), WaitFlags::empty()).await?;
            assert_eq!(first, Some((b, ExitStatus::Exited(9))));
            // Then `a` is still a zombie, for `wait`.
            let second = p.wait().await?;
            assert_eq!(second, (a, ExitStatus::Exited(7)));
            log.borrow_mut().push("done".into());
            Ok::<_, Error>(())
        })
        .unwrap();
    assert_eq!(kernel.run().unwrap(), Stop::AllExited);
    assert_success(&mut kernel, parent);
    assert_eq!(*seen.borrow(), vec!["done".to_string()]);
    assert_only_init(&kernel);
}

#[test]
fn nohang_returns_none_while_the_child_runs() {
    let mut kernel = Kernel::new();
    let parent = kernel
        .spawn_fn(Command::new("parent"), |p| async move {
            let child = p.spawn_fn(Command::new("child"), |c| async move {
                c.sleep(50).await;
                4
            })?;
            assert_eq!(
                p.waitpid(WaitFor::Pid(child), WaitFlags::NOHANG).await?,
                None
            );
            assert_eq!(p.waitpid(WaitFor::Any, WaitFlags::NOHANG).await?, None);
            let info = p.ps().into_iter().find(|i| i.pid == child).unwrap();
            assert!(
                matches!(
                    info.state,
                    ProcState::Waiting(WaitOn::Sleep) | ProcState::Ready
                ),
                "child still runs: {:?}",
                info.state
            );
            p.sleep(100).await;
            assert_eq!(
                p.waitpid(WaitFor::Any, WaitFlags::NOHANG).await?,
                Some((child, ExitStatus::Exited(4)))
            );
            // Reaped: nothing left to wait for.
            let again = p.waitpid(WaitFor::Any, WaitFlags::NOHANG).await;
            assert_eq!(errno_of(again), Errno::ECHILD);
            Ok::<_, Error>(())
        })
        .unwrap();
    assert_eq!(kernel.run().unwrap(), Stop::AllExited);
    assert_success(&mut kernel, parent);
}

#[test]
fn a_child_stays_a_zombie_with_its_status_until_reaped() {
    let mut kernel = Kernel::new();
    let child_pid = Rc::new(Cell::new(Pid(0)));
    let cp = child_pid.clone();
    let parent = kernel
        .spawn_fn(Command::new("parent"), move |p| async move {
            let child = p.spawn_fn(Command::new("child"), |_| async { 5 })?;
            cp.set(child);
            p.sleep(1000).await;
            // The child exited long ago: it is a zombie, visible with its status.
            let ps = p.ps();
            let row = ps
                .iter()
                .find(|i| i.pid == child)
                .expect("zombie is listed");
            assert_eq!(row.state, ProcState::Zombie);
            assert_eq!(row.status, Some(ExitStatus::Exited(5)));
            assert_eq!(row.ppid, p.pid());
            assert_eq!(p.wait().await?, (child, ExitStatus::Exited(5)));
            assert!(
                p.ps().iter().all(|i| i.pid != child),
                "reaped child is gone"
            );
            Ok::<_, Error>(())
        })
        .unwrap();
    assert_eq!(kernel.run_for(500).unwrap(), Stop::TimeLimit);
    let child = child_pid.get();
    let ps = kernel.ps();
    let row = expect_row(&ps, child);
    assert_eq!(row.state, ProcState::Zombie);
    assert_eq!(row.status, Some(ExitStatus::Exited(5)));
    assert_eq!(row.ppid, parent);
    assert_eq!(expect_row(&ps, parent).status, None);

    assert_eq!(kernel.run().unwrap(), Stop::AllExited);
    assert_success(&mut kernel, parent);
    assert!(row_missing(&kernel, child));
    assert_only_init(&kernel);
}

fn row_missing(kernel: &Kernel, pid: Pid) -> bool {
    row(&kernel.ps(), pid).is_none()
}

#[test]
fn wait_without_children_and_waitpid_on_non_children_give_echild() {
    let mut kernel = Kernel::new();
    let sibling = kernel
        .spawn_fn(Command::new("sibling"), |p| async move {
            p.sleep(100).await;
        })
        .unwrap();
    let grandchild: Rc<Cell<Option<Pid>>> = Rc::new(Cell::new(None));
    let gc = grandchild.clone();
    let parent = kernel
        .spawn_fn(Command::new("parent"), move |p| async move {
            assert_eq!(errno_of(p.wait().await), Errno::ECHILD);
            assert_eq!(
                errno_of(p.waitpid(WaitFor::Any, WaitFlags::NOHANG).await),
                Errno::ECHILD
            );
            for target in [sibling, Pid::INIT, p.pid(), Pid(9999)] {
                let got = p.waitpid(WaitFor::Pid(target), WaitFlags::empty()).await;
                assert_eq!(errno_of(got), Errno::ECHILD, "waitpid({target})");
            }
            let child = p.spawn_fn(Command::new("child"), move |c| async move {
                let g = c.spawn_fn(Command::new("grandchild"), |g| async move {
                    g.sleep(10).await;
                })?;
                gc.set(Some(g));
                c.wait().await?;
                Ok::<_, Error>(())
            })?;
            p.yield_now().await;
            let g = grandchild.get().expect("the child ran and spawned");
            let got = p.waitpid(WaitFor::Pid(g), WaitFlags::NOHANG).await;
            assert_eq!(errno_of(got), Errno::ECHILD, "a grandchild is not a child");
            assert_eq!(p.wait().await?, (child, ExitStatus::Exited(0)));
            assert_eq!(errno_of(p.wait().await), Errno::ECHILD);
            Ok::<_, Error>(())
        })
        .unwrap();
    assert_eq!(kernel.run().unwrap(), Stop::AllExited);
    assert_success(&mut kernel, parent);
    assert_success(&mut kernel, sibling);
}

// ---------------------------------------------------------------------------------------
// Orphans

#[test]
fn orphans_are_adopted_by_init_which_reaps_them() {
    let mut kernel = Kernel::new();
    let events = record_events(&mut kernel);
    let ppids: Shared<Vec<Pid>> = shared();
    let log = ppids.clone();
    let orphan_pid = Rc::new(Cell::new(Pid(0)));
    let op = orphan_pid.clone();
    let parent = kernel
        .spawn_fn(Command::new("parent"), move |p| async move {
            let orphan = p.spawn_fn(Command::new("orphan"), move |c| async move {
                log.borrow_mut().push(c.getppid());
                c.sleep(100).await;
                log.borrow_mut().push(c.getppid());
                c.sleep(100).await;
                6
            })?;
            op.set(orphan);
            p.yield_now().await; // let the child see its first parent
            Ok::<_, Error>(())
        })
        .unwrap();

    // Run until the parent is gone but the orphan still sleeps.
    assert_eq!(
        kernel.run_until(parent).unwrap(),
        Stop::TargetExited(parent)
    );
    assert_success(&mut kernel, parent);
    let orphan = orphan_pid.get();
    let ps = kernel.ps();
    assert_eq!(expect_row(&ps, orphan).ppid, Pid::INIT);
    // Init adopted it, so the host does not collect its status.
    assert_eq!(errno_of(kernel.exit_status(orphan)), Errno::ECHILD);

    assert_eq!(kernel.run().unwrap(), Stop::AllExited);
    assert_eq!(*ppids.borrow(), vec![parent, Pid::INIT]);
    assert_only_init(&kernel);
    let mine = events_of(&events.borrow(), orphan);
    let reparented = mine
        .iter()
        .position(|k| *k == EventKind::Reparented { to: Pid::INIT })
        .expect("reparented event");
    let exited = mine
        .iter()
        .position(|k| *k == EventKind::Exited(ExitStatus::Exited(6)))
        .expect("exited event");
    let reaped = mine
        .iter()
        .position(|k| *k == EventKind::Reaped { by: Pid::INIT })
        .expect("reaped by init");
    assert!(reparented < exited && exited < reaped, "{mine:?}");
    assert_eq!(kernel.live_objects().processes, 1);
}

/// What a `waitpid` with `NOHANG` answered: a child reaped, none yet, or an error.
type WaitAnswer = Result<Option<(Pid, ExitStatus)>, Errno>;

/// Asks, as it is dropped, whether the parent (through its own `Proc`, shared with the
/// child's program) could reap a child at once.
struct AskParentAsDropped {
    parent: Rc<Proc>,
    answer: Shared<Option<WaitAnswer>>,
}

impl Drop for AskParentAsDropped {
    fn drop(&mut self) {
        use std::future::Future;
        use std::task::{Context, Poll, Waker};
        let mut wait = std::pin::pin!(self.parent.waitpid(WaitFor::Any, WaitFlags::NOHANG));
        let mut cx = Context::from_waker(Waker::noop());
        if let Poll::Ready(answer) = wait.as_mut().poll(&mut cx) {
            *self.answer.borrow_mut() = Some(answer.map_err(|e| e.errno()));
        }
    }
}

#[test]
fn a_child_whose_exit_is_under_way_is_reaped_only_once_it_is_done() {
    let mut kernel = Kernel::new();
    let answer = shared();
    let asked = answer.clone();
    let parent = kernel
        .spawn_fn(Command::new("parent"), move |p| async move {
            let p = Rc::new(p);
            let shared_parent = p.clone();
            let child = p.spawn_fn(Command::new("child"), move |c| async move {
                let _ask = AskParentAsDropped {
                    parent: shared_parent,
                    answer: asked,
                };
                let _: Infallible = c.exit(7).await;
            })?;
            // The child exits while the parent sleeps; its program is dropped as it ends.
            p.sleep(100).await;
            assert_eq!(p.wait().await?, (child, ExitStatus::Exited(7)));
            Ok::<_, Error>(())
        })
        .unwrap();
    assert_eq!(kernel.run().unwrap(), Stop::AllExited);
    assert_success(&mut kernel, parent);
    // As the child's program was dropped, its exit was not done: nothing to reap yet.
    assert_eq!(*answer.borrow(), Some(Ok(None)));
}

#[test]
fn a_zombie_orphan_is_reaped_by_init_when_its_parent_exits() {
    let mut kernel = Kernel::new();
    let events = record_events(&mut kernel);
    let child_pid = Rc::new(Cell::new(Pid(0)));
    let cp = child_pid.clone();
    let parent = kernel
        .spawn_fn(Command::new("parent"), move |p| async move {
            cp.set(p.spawn_fn(Command::new("child"), |_| async { 2 })?);
            p.sleep(10).await; // the child exits and stays a zombie: nobody waits
            Ok::<_, Error>(())
        })
        .unwrap();
    assert_eq!(kernel.run_for(5).unwrap(), Stop::TimeLimit);
    let child = child_pid.get();
    assert_eq!(expect_row(&kernel.ps(), child).state, ProcState::Zombie);
    assert_eq!(kernel.run().unwrap(), Stop::AllExited);
    assert_success(&mut kernel, parent);
    assert_only_init(&kernel);
    let mine = events_of(&events.borrow(), child);
    assert_eq!(
        mine.last(),
        Some(&EventKind::Reaped { by: Pid::INIT }),
        "{mine:?}"
    );
    assert!(mine.contains(&EventKind::Reparented { to: Pid::INIT }));
}

// ---------------------------------------------------------------------------------------
// Pids

#[test]
fn pids_count_up_and_a_reaped_pid_is_not_reused_at_once() {
    let mut kernel = Kernel::new();
    let first = kernel.spawn_fn(Command::new("a"), |_| async {}).unwrap();
    assert_eq!(first, Pid(2), "init is 1, the first process is 2");
    assert_eq!(kernel.run().unwrap(), Stop::AllExited);
    assert_success(&mut kernel, first);
    // Failed spawns take no pid.
    assert_eq!(
        errno_of(kernel.spawn(Command::new("no-such-program"))),
        Errno::ENOENT
    );
    let pids: Shared<Vec<Pid>> = shared();
    let log = pids.clone();
    let second = kernel
        .spawn_fn(Command::new("b"), move |p| async move {
            for _ in 0..3 {
                let c = p.spawn_fn(Command::new("c"), |_| async {})?;
                p.wait().await?;
                log.borrow_mut().push(c);
            }
            Ok::<_, Error>(())
        })
        .unwrap();
    assert_eq!(second, Pid(3));
    assert_eq!(kernel.run().unwrap(), Stop::AllExited);
    assert_success(&mut kernel, second);
    assert_eq!(*pids.borrow(), vec![Pid(4), Pid(5), Pid(6)]);
}

#[test]
fn a_pid_is_reused_only_after_its_zombie_is_reaped() {
    // pid_max 5: pids 1..=4 exist.
    let mut kernel = Kernel::builder().pid_max(5).build();
    let parent = kernel
        .spawn_fn(Command::new("parent"), |p| async move {
            let a = p.spawn_fn(Command::new("a"), |_| async { 1 })?;
            let b = p.spawn_fn(Command::new("b"), |c| async move {
                c.sleep(100).await;
            })?;
            p.sleep(10).await; // `a` is a zombie now
            let full = p.spawn_fn(Command::new("c"), |_| async {});
            assert_eq!(errno_of(full), Errno::EAGAIN, "a zombie holds its pid");
            assert_eq!(
                p.waitpid(WaitFor::Pid(a), WaitFlags::empty()).await?,
                Some((a, ExitStatus::Exited(1)))
            );
            let c = p.spawn_fn(Command::new("c"), |_| async {})?;
            assert_eq!(c, a, "the only free pid is the reaped one");
            p.waitpid(WaitFor::Pid(b), WaitFlags::empty()).await?;
            p.waitpid(WaitFor::Pid(c), WaitFlags::empty()).await?;
            Ok::<_, Error>(())
        })
        .unwrap();
    assert_eq!(kernel.run().unwrap(), Stop::AllExited);
    assert_success(&mut kernel, parent);
}

#[test]
fn a_host_childs_pid_is_held_until_the_host_collects_its_status() {
    // pid_max 4: pids 1..=3 exist.
    let mut kernel = Kernel::builder().pid_max(4).build();
    let x = kernel.spawn_fn(Command::new("x"), |_| async {}).unwrap();
    assert_eq!(kernel.run().unwrap(), Stop::AllExited);
    let y = kernel.spawn_fn(Command::new("y"), |_| async {}).unwrap();
    assert_eq!(kernel.run().unwrap(), Stop::AllExited);
    assert_eq!((x, y), (Pid(2), Pid(3)));
    assert_eq!(kernel.live_objects().uncollected_exits, 2);
    let full = kernel.spawn_fn(Command::new("z"), |_| async {});
    assert_eq!(errno_of(full), Errno::EAGAIN);
    assert_success(&mut kernel, x);
    let z = kernel.spawn_fn(Command::new("z"), |_| async {}).unwrap();
    assert_eq!(z, x);
    assert_eq!(kernel.run().unwrap(), Stop::AllExited);
    assert_success(&mut kernel, y);
    assert_success(&mut kernel, z);
    assert_eq!(kernel.live_objects().uncollected_exits, 0);
}

#[test]
fn an_unwaited_host_child_leaves_no_status_and_frees_its_pid_as_it_exits() {
    // pid_max 4: pids 1..=3 exist.
    let mut kernel = Kernel::builder().pid_max(4).build();
    let x = kernel
        .spawn_fn(Command::new("x").unwaited(), |p| async move {
            p.sleep(5).await;
        })
        .unwrap();
    assert_eq!(
        errno_of(kernel.exit_status(x)),
        Errno::ECHILD,
        "not even while it runs"
    );
    assert_eq!(kernel.run().unwrap(), Stop::AllExited);
    assert!(row_missing(&kernel, x), "reaped as it exited");
    assert_eq!(kernel.live_objects().uncollected_exits, 0);
    assert_eq!(errno_of(kernel.exit_status(x)), Errno::ECHILD);
    // Both other pids are free: an ordinary host child would have held x's.
    let y = kernel.spawn_fn(Command::new("y"), |_| async {}).unwrap();
    let z = kernel.spawn_fn(Command::new("z"), |_| async {}).unwrap();
    assert_eq!(
        (y, z),
        (Pid(3), Pid(2)),
        "x's pid is reused once 3 is taken"
    );
    assert_eq!(kernel.run().unwrap(), Stop::AllExited);
    assert_success(&mut kernel, y);
    assert_success(&mut kernel, z);
}

// ---------------------------------------------------------------------------------------
// Exit and exit codes

async fn maybe_exit(p: &Proc, code: i32) {
    if p.getenv("EXIT").is_some() {
        let _: Infallible = p.exit(code).await;
    }
}

#[test]
fn exit_ends_the_process_and_nothing_after_it_runs() {
    let mut kernel = Kernel::new();
    let after = Rc::new(Cell::new(0));
    let a1 = after.clone();
    let host = kernel
        .spawn_fn(Command::new("host").env("EXIT", "1"), move |p| async move {
            maybe_exit(&p, 3).await; // exits from inside a nested call
            a1.set(a1.get() + 1);
            p.compute(10).await;
            0
        })
        .unwrap();
    let a2 = after.clone();
    let parent = kernel
        .spawn_fn(Command::new("parent"), move |p| async move {
            let child = p.spawn_fn(
                Command::new("child").env("EXIT", "1"),
                move |c| async move {
                    c.compute(4).await;
                    maybe_exit(&c, 300).await;
                    a2.set(a2.get() + 1);
                    0
                },
            )?;
            assert_eq!(p.wait().await?, (child, ExitStatus::Exited(44)));
            Ok::<_, Error>(())
        })
        .unwrap();
    assert_eq!(kernel.run().unwrap(), Stop::AllExited);
    assert_eq!(host_status(&mut kernel, host), ExitStatus::Exited(3));
    assert_success(&mut kernel, parent);
    assert_eq!(after.get(), 0, "code after exit ran");
}

#[test]
fn exit_codes_keep_their_low_eight_bits() {
    let mut kernel = Kernel::new();
    let mut expect = Vec::new();
    let mut spawn = |kernel: &mut Kernel, code: i32, via_exit: bool, want: u8| {
        let mut cmd = Command::new("code");
        if via_exit {
            cmd = cmd.env("EXIT", "1");
        }
        let pid = kernel
            .spawn_fn(cmd, move |p| async move {
                maybe_exit(&p, code).await;
                code
            })
            .unwrap();
        expect.push((pid, want));
    };
    for (code, want) in [
        (0, 0),
        (256, 0),
        (-1, 255),
        (300, 44),
        (-2, 254),
        (255, 255),
    ] {
        spawn(&mut kernel, code, false, want);
        spawn(&mut kernel, code, true, want);
    }
    let err = kernel
        .spawn_fn(Command::new("err"), |_| async { Err::<u8, _>("failed") })
        .unwrap();
    let byte = kernel
        .spawn_fn(Command::new("byte"), |_| async { 200u8 })
        .unwrap();
    assert_eq!(kernel.run().unwrap(), Stop::AllExited);
    for (pid, want) in expect {
        assert_eq!(host_status(&mut kernel, pid), ExitStatus::Exited(want));
    }
    assert_eq!(host_status(&mut kernel, err), ExitStatus::Exited(1));
    assert_eq!(host_status(&mut kernel, byte), ExitStatus::Exited(200));
}

#[test]
fn the_host_collects_a_status_once() {
    let mut kernel = Kernel::new();
    let inner: Rc<Cell<Option<Pid>>> = Rc::new(Cell::new(None));
    let slot = inner.clone();
    let pid = kernel
        .spawn_fn(Command::new("sleeper"), move |p| async move {
            slot.set(Some(p.spawn_fn(Command::new("inner"), |c| async move {
                c.sleep(5).await;
            })?));
            p.sleep(20).await;
            p.wait().await?;
            Ok::<_, Error>(12)
        })
        .unwrap();
    assert_eq!(kernel.exit_status(pid).unwrap(), None, "not run yet");
    assert_eq!(kernel.run_for(3).unwrap(), Stop::TimeLimit);
    assert_eq!(kernel.exit_status(pid).unwrap(), None, "still running");
    let inner = inner.get().unwrap();
    assert_eq!(
        errno_of(kernel.exit_status(inner)),
        Errno::ECHILD,
        "the host did not spawn it"
    );
    assert_eq!(errno_of(kernel.exit_status(Pid::INIT)), Errno::ECHILD);
    assert_eq!(errno_of(kernel.exit_status(Pid(777))), Errno::ECHILD);
    assert_eq!(kernel.run().unwrap(), Stop::AllExited);
    assert_eq!(kernel.live_objects().uncollected_exits, 1);
    assert_eq!(
        kernel.exit_status(pid).unwrap(),
        Some(ExitStatus::Exited(12))
    );
    assert_eq!(errno_of(kernel.exit_status(pid)), Errno::ECHILD);
    assert_eq!(kernel.live_objects().uncollected_exits, 0);
}

// ---------------------------------------------------------------------------------------
// CPU accounting

#[test]
fn times_counts_compute_and_reaped_childrens_ticks() {
    let mut kernel = Kernel::new();
    let child_times: Rc<Cell<Times>> = Rc::default();
    let ct = child_times.clone();
    let parent = kernel
        .spawn_fn(Command::new("parent"), move |p| async move {
            let start = p.times();
            assert_eq!((start.user, start.children_user), (0, 0));
            let ct_child = ct.clone();
            let child = p.spawn_fn(Command::new("child"), move |c| async move {
                c.compute(40).await;
                c.compute(60).await;
                let g = c.spawn_fn(Command::new("grandchild"), |g| async move {
                    g.compute(30).await;
                    g.now(); // one system call
                })?;
                assert_eq!(c.wait().await?.0, g);
                ct_child.set(c.times());
                Ok::<_, Error>(())
            })?;
            p.compute(25).await;
            p.sleep(10_000).await;
            let zombie = p.ps().into_iter().find(|i| i.pid == child).unwrap();
            assert_eq!(zombie.state, ProcState::Zombie);
            assert_eq!(zombie.user, 100);
            let before = p.times();
            assert_eq!(before.children_user, 0, "not reaped yet");
            assert_eq!(before.children_system, 0, "not reaped yet");
            assert_eq!(p.wait().await?.0, child);
            let after = p.times();
            assert_eq!(after.user, 25);
            assert_eq!(after.children_user, 130);
            let c = ct.get();
            assert_eq!((c.user, c.children_user), (100, 30));
            assert!(c.system > 0);
            assert_eq!(c.children_system, 1, "the grandchild's one call");
            // The child made no call after its last `times`.
            assert_eq!(after.children_system, c.system + c.children_system);
            assert!(after.system > before.system);
            Ok::<_, Error>(())
        })
        .unwrap();
    assert_eq!(kernel.run().unwrap(), Stop::AllExited);
    assert_success(&mut kernel, parent);
}

#[test]
fn ps_reports_user_and_system_ticks() {
    let mut kernel = Kernel::builder().syscall_cost(3).build();
    let pid = kernel
        .spawn_fn(Command::new("worker"), |p| async move {
            p.compute(33).await;
            for _ in 0..4 {
                p.getenv("X");
            }
            p.sleep(1_000).await;
        })
        .unwrap();
    assert_eq!(kernel.run_for(500).unwrap(), Stop::TimeLimit);
    let ps = kernel.ps();
    let info = expect_row(&ps, pid);
    assert_eq!(info.user, 33);
    assert_eq!(info.system, 5 * 3, "4 getenv and 1 sleep at 3 ticks each");
    assert_eq!(info.started, Some(0));
    assert!(matches!(info.state, ProcState::Waiting(WaitOn::Sleep)));
}

// ---------------------------------------------------------------------------------------
// Environment

fn env(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

#[test]
fn a_childs_environment_is_exact_unless_inherited() {
    let mut kernel = Kernel::new();
    let parent = kernel
        .spawn_fn(
            Command::new("parent").env("A", "1").env("B", "2"),
            |p| async move {
                assert_eq!(p.environ(), env(&[("A", "1"), ("B", "2")]));
                let exact = p.spawn_fn(Command::new("exact").env("C", "3"), |c| async move {
                    assert_eq!(c.environ(), env(&[("C", "3")]));
                    assert_eq!(c.getenv("A"), None);
                })?;
                let inherit = p.spawn_fn(
                    Command::new("inherit")
                        .env_inherit()
                        .env("A", "x")
                        .env("C", "3"),
                    |c| async move {
                        // Replaced in place, new ones after.
                        assert_eq!(c.environ(), env(&[("A", "x"), ("B", "2"), ("C", "3")]));
                        c.setenv("B", "changed").unwrap();
                        c.setenv("D", "4").unwrap();
                        c.unsetenv("A").unwrap();
                    },
                )?;
                let empty = p.spawn_fn(Command::new("empty"), |c| async move {
                    assert!(c.environ().is_empty());
                })?;
                for child in [exact, inherit, empty] {
                    let (_, status) = p.wait().await?;
                    assert_eq!(status, ExitStatus::Exited(0), "child {child}");
                }
                // A child's changes are its own.
                assert_eq!(p.environ(), env(&[("A", "1"), ("B", "2")]));
                Ok::<_, Error>(())
            },
        )
        .unwrap();
    assert_eq!(kernel.run().unwrap(), Stop::AllExited);
    assert_success(&mut kernel, parent);
}

#[test]
fn a_parents_later_changes_do_not_reach_a_running_child() {
    let mut kernel = Kernel::new();
    let parent = kernel
        .spawn_fn(Command::new("parent").env("V", "old"), |p| async move {
            let child = p.spawn_fn(Command::new("child").env_inherit(), |c| async move {
                c.sleep(10).await;
                assert_eq!(c.getenv("V").as_deref(), Some("old"));
            })?;
            p.setenv("V", "new")?;
            assert_eq!(p.wait().await?, (child, ExitStatus::Exited(0)));
            Ok::<_, Error>(())
        })
        .unwrap();
    assert_eq!(kernel.run().unwrap(), Stop::AllExited);
    assert_success(&mut kernel, parent);
}

#[test]
fn setenv_getenv_unsetenv() {
    let mut kernel = Kernel::new();
    let pid = kernel
        .spawn_fn(Command::new("env"), |p| async move {
            assert_eq!(p.getenv("X"), None);
            p.setenv("X", "1")?;
            p.setenv("Y", "2")?;
            p.setenv("X", "3")?;
            assert_eq!(p.getenv("X").as_deref(), Some("3"));
            assert_eq!(p.environ(), env(&[("X", "3"), ("Y", "2")]));
            p.setenv("EMPTY", "")?;
            assert_eq!(p.getenv("EMPTY").as_deref(), Some(""));
            p.unsetenv("X")?;
            p.unsetenv("NEVER_SET")?;
            assert_eq!(p.getenv("X"), None);
            assert_eq!(p.environ(), env(&[("Y", "2"), ("EMPTY", "")]));
            for bad in ["", "A=B", "=", "NUL\0"] {
                assert_eq!(
                    errno_of(p.setenv(bad, "v")),
                    Errno::EINVAL,
                    "setenv({bad:?})"
                );
                assert_eq!(
                    errno_of(p.unsetenv(bad)),
                    Errno::EINVAL,
                    "unsetenv({bad:?})"
                );
            }
            let bad_spawn = p.spawn_fn(Command::new("c").env("A=B", "v"), |_| async {});
            assert_eq!(errno_of(bad_spawn), Errno::EINVAL);
            assert_eq!(p.environ(), env(&[("Y", "2"), ("EMPTY", "")]));
            Ok::<_, Error>(())
        })
        .unwrap();
    let bad = kernel.spawn_fn(Command::new("c").env("", "v"), |_| async {});
    assert_eq!(errno_of(bad), Errno::EINVAL);
    assert_eq!(kernel.run().unwrap(), Stop::AllExited);
    assert_success(&mut kernel, pid);
}

// ---------------------------------------------------------------------------------------
// Working directory

#[test]
fn chdir_resolves_relative_and_absolute_paths() {
    let mut kernel = Kernel::new();
    let setup = kernel
        .spawn_fn(Command::new("setup"), |p| async move {
            assert_eq!(p.getcwd(), "/");
            for dir in [
                "/home",
                "/home/ann",
                "/home/ann/src",
                "/a",
                "/a/b",
                "/a/b/c",
                "/a/b/d",
                "/a/b/d/x",
                "/a/b/d/x/y",
                "/elsewhere",
            ] {
                p.mkdir(dir, 0o755)?;
            }
            Ok::<_, Error>(())
        })
        .unwrap();
    assert_eq!(kernel.run().unwrap(), Stop::AllExited);
    assert_success(&mut kernel, setup);
    assert_eq!(
        errno_of(kernel.spawn_fn(Command::new("nowhere").cwd("/missing"), |_| async {})),
        Errno::ENOENT,
        "a child cannot start in a directory that does not exist"
    );
    let pid = kernel
        .spawn_fn(Command::new("cd").cwd("/home/ann"), |p| async move {
            assert_eq!(p.getcwd(), "/home/ann");
            p.chdir("src")?;
            assert_eq!(p.getcwd(), "/home/ann/src");
            p.chdir("..")?;
            assert_eq!(p.getcwd(), "/home/ann");
            p.chdir("../../..")?;
            assert_eq!(p.getcwd(), "/");
            p.chdir("/a/./b//c/../d/")?;
            assert_eq!(p.getcwd(), "/a/b/d");
            assert_eq!(errno_of(p.chdir("")), Errno::ENOENT);
            assert_eq!(errno_of(p.chdir("/a/b/nothing")), Errno::ENOENT);
            assert_eq!(p.getcwd(), "/a/b/d", "a failed chdir changes nothing");
            let inherit = p.spawn_fn(Command::new("inherit"), |c| async move {
                assert_eq!(c.getcwd(), "/a/b/d");
                c.chdir("/elsewhere").unwrap();
            })?;
            let relative = p.spawn_fn(Command::new("relative").cwd("x/y"), |c| async move {
                assert_eq!(c.getcwd(), "/a/b/d/x/y");
            })?;
            let up = p.spawn_fn(Command::new("up").cwd(".."), |c| async move {
                assert_eq!(c.getcwd(), "/a/b");
            })?;
            for child in [inherit, relative, up] {
                assert_eq!(
                    p.waitpid(WaitFor::Pid(child), WaitFlags::empty()).await?,
                    Some((child, ExitStatus::Exited(0)))
                );
            }
            assert_eq!(p.getcwd(), "/a/b/d", "a child's chdir is its own");
            Ok::<_, Error>(())
        })
        .unwrap();
    assert_eq!(kernel.run().unwrap(), Stop::AllExited);
    assert_success(&mut kernel, pid);
}

// ---------------------------------------------------------------------------------------
// Registered programs and spawn options

#[test]
fn registered_programs_are_spawned_by_name() {
    let mut kernel = Kernel::new();
    kernel.register("count", |p: Proc| async move {
        assert_eq!(p.name(), "count");
        10 + p.args().len() as i32
    });
    let host = kernel
        .spawn(Command::new("count").args(["a", "b"]))
        .unwrap();
    let info = kernel.ps().into_iter().find(|i| i.pid == host).unwrap();
    assert_eq!(
        (info.name.as_str(), info.args.clone()),
        ("count", vec!["a".to_string(), "b".to_string()])
    );
    assert_eq!(info.command_line(), "count a b");
    assert_eq!(
        errno_of(kernel.spawn(Command::new("missing"))),
        Errno::ENOENT
    );
    let parent = kernel
        .spawn_fn(Command::new("parent"), |p| async move {
            let child = p.spawn(Command::new("count").arg("x"))?;
            assert_eq!(p.wait().await?, (child, ExitStatus::Exited(11)));
            assert_eq!(errno_of(p.spawn(Command::new("missing"))), Errno::ENOENT);
            Ok::<_, Error>(())
        })
        .unwrap();
    assert_eq!(kernel.run().unwrap(), Stop::AllExited);
    assert_eq!(host_status(&mut kernel, host), ExitStatus::Exited(12));
    assert_success(&mut kernel, parent);
}

#[test]
fn nice_values_out_of_range_fail_the_spawn() {
    let mut kernel = Kernel::new();
    for bad in [100, 20, -21, i32::MIN] {
        let got = kernel.spawn_fn(Command::new("x").nice(bad), |_| async {});
        assert_eq!(errno_of(got), Errno::EINVAL, "nice({bad})");
    }
    assert_eq!(kernel.live_objects().processes, 1, "nothing was created");
    let low = kernel
        .spawn_fn(Command::new("low").nice(19), |p| async move {
            assert_eq!(p.getpriority(None)?, 19);
            let child = p.spawn_fn(Command::new("inherits"), |c| async move {
                assert_eq!(c.getpriority(None).unwrap(), 19);
            })?;
            let bad = p.spawn_fn(Command::new("bad").nice(100), |_| async {});
            assert_eq!(errno_of(bad), Errno::EINVAL);
            assert_eq!(p.wait().await?, (child, ExitStatus::Exited(0)));
            // `nice` clamps as Linux does.
            assert_eq!(p.nice(-100)?, -20);
            assert_eq!(p.nice(5)?, -15);
            assert_eq!(p.nice(100)?, 19);
            Ok::<_, Error>(())
        })
        .unwrap();
    let high = kernel
        .spawn_fn(Command::new("high").nice(-20), |_| async {})
        .unwrap();
    let ps = kernel.ps();
    assert_eq!(expect_row(&ps, low).nice, 19);
    assert_eq!(expect_row(&ps, high).nice, -20);
    assert_eq!(kernel.run().unwrap(), Stop::AllExited);
    assert_success(&mut kernel, low);
    assert_success(&mut kernel, high);
}
