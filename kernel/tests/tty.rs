//! Virtual terminals and job control: the line discipline between the host and the
//! processes, the controlling terminal of a session, its foreground group, and the
//! signals the terminal sends (SIGINT, SIGTSTP, SIGTTIN, SIGTTOU, SIGHUP).

mod common;

use std::future::Future;

use common::{assert_success, errno_of, expect_row, record_events, row};
use vproc_kernel::{
    Command, Disposition, Errno, EventKind, ExitStatus, Fd, FileType, Kernel, KillTarget,
    OpenFlags, Pid, PollEvents, PollFd, Proc, ProcInfo, ProcState, SigHow, SigSet, Signal, Stdio,
    Stop, SysResult, TtyHandle, TtyId, TtyMode, WaitFlags, WaitFor, WaitOn,
};

type Error = vproc_kernel::Error;

/// Starts `program` as the leader of a new session on a new terminal (its descriptors
/// 0, 1 and 2), which becomes the session's controlling terminal.
fn session<F, Fut>(kernel: &mut Kernel, program: F) -> (TtyHandle, Pid)
where
    F: FnOnce(Proc) -> Fut + 'static,
    Fut: Future<Output = SysResult<()>> + 'static,
{
    let tty = kernel.open_tty();
    let cmd = Command::new("sh").new_session().terminal(tty.id());
    let sh = kernel.spawn_fn(cmd, program).expect("spawn sh");
    (tty, sh)
}

/// A job's command: in a group of its own (`Pid(0)`) or `group`, with SIGTTOU back at
/// its default action (the shell ignores it).
fn job(name: &'static str, group: Pid) -> Command {
    Command::new(name)
        .process_group(group)
        .signal_default(SigSet::of(Signal::SIGTTOU))
}

/// The status `waitpid` reports for `pid`.
async fn wait_for(p: &Proc, pid: Pid, flags: WaitFlags) -> SysResult<ExitStatus> {
    let reaped = p.waitpid(WaitFor::Pid(pid), flags).await?;
    Ok(reaped
        .map(|(_, status)| status)
        .expect("a blocking wait reports"))
}

fn killed_by(signal: Signal) -> ExitStatus {
    ExitStatus::Signaled {
        signal,
        core_dumped: false,
    }
}

fn alive<'a>(ps: &'a [ProcInfo], name: &str) -> Option<&'a ProcInfo> {
    ps.iter()
        .find(|p| p.name == name && p.state != ProcState::Zombie)
}

fn output(tty: &TtyHandle) -> String {
    String::from_utf8_lossy(&tty.take_output()).into_owned()
}

/// Nothing is left once every process has ended and the host let go of the terminal.
fn assert_clean(kernel: &mut Kernel, tty: TtyHandle) {
    let live = kernel.live_objects();
    assert_eq!(
        (
            live.descriptors,
            live.open_files,
            live.pipes,
            live.terminals
        ),
        (0, 0, 0, 1),
        "only the host's handle holds the terminal: {live:?}"
    );
    drop(tty);
    kernel.run().expect("run");
    assert_eq!(kernel.live_objects().terminals, 0);
}

/// `yes | grep y | wc -l` as one job in a group of its own; returns the pids, the first
/// being the group's id.
fn spawn_pipeline(p: &Proc) -> SysResult<[Pid; 3]> {
    let (r1, w1) = p.pipe2(OpenFlags::CLOEXEC)?;
    let (r2, w2) = p.pipe2(OpenFlags::CLOEXEC)?;
    let yes = p.spawn_fn(job("yes", Pid(0)).stdout(Stdio::Fd(w1)), |c| async move {
        loop {
            if c.write(Fd::STDOUT, b"y\n").await.is_err() {
                return 1;
            }
        }
    })?;
    let grep = p.spawn_fn(
        job("grep", yes).stdin(Stdio::Fd(r1)).stdout(Stdio::Fd(w2)),
        |c| async move {
            loop {
                let data = c.read_bytes(Fd::STDIN, 4096).await?;
                if data.is_empty() {
                    return Ok::<_, Error>(());
                }
                c.write_bytes(Fd::STDOUT, data).await?;
            }
        },
    )?;
    let wc = p.spawn_fn(job("wc", yes).stdin(Stdio::Fd(r2)), |c| async move {
        let text = c.read_to_string(Fd::STDIN).await?;
        let count = format!("{}\n", text.lines().count());
        c.write(Fd::STDOUT, count.as_bytes()).await?;
        Ok::<_, Error>(())
    })?;
    for fd in [r1, w1, r2, w2] {
        p.close(fd)?;
    }
    Ok([yes, grep, wc])
}

#[test]
fn interrupt_kills_the_foreground_pipeline_and_the_background_job_survives() {
    let mut kernel = Kernel::new();
    let (tty, sh) = session(&mut kernel, |p| async move {
        p.signal(Signal::SIGTTOU, Disposition::Ignore)?;
        let sleeper = p.spawn_fn(job("sleep", Pid(0)), |c| async move {
            // Long enough for the pipeline to fill its pipes: a process runs on until
            // it blocks, and `yes` blocks only when its pipe is full.
            c.sleep(100_000).await;
            c.write(Fd::STDOUT, b"done\n").await?;
            Ok::<_, Error>(())
        })?;
        let pipeline = spawn_pipeline(&p)?;
        p.tcsetpgrp(Fd::STDIN, pipeline[0]).await?;
        for pid in pipeline {
            let status = wait_for(&p, pid, WaitFlags::UNTRACED).await?;
            assert_eq!(status, killed_by(Signal::SIGINT), "pid {pid}");
        }
        p.tcsetpgrp(Fd::STDIN, p.getpgrp()).await?;
        p.write(Fd::STDOUT, b"sh: interrupted\n").await?;
        let status = wait_for(&p, sleeper, WaitFlags::empty()).await?;
        assert_eq!(status, ExitStatus::Exited(0));
        Ok(())
    });
    assert_eq!(
        tty.session(),
        Some(sh),
        "the terminal controls sh's session"
    );
    kernel.run_for(60).expect("run");
    let ps = kernel.ps();
    let yes = alive(&ps, "yes").expect("yes runs").pid;
    assert_eq!(
        tty.foreground(),
        Some(yes),
        "the pipeline is in the foreground"
    );
    for name in ["grep", "wc", "sleep"] {
        assert!(alive(&ps, name).is_some(), "{name} runs: {ps:#?}");
    }

    tty.interrupt();
    kernel.run_for(10).expect("run");
    let ps = kernel.ps();
    for name in ["yes", "grep", "wc"] {
        assert!(
            alive(&ps, name).is_none(),
            "{name} was interrupted: {ps:#?}"
        );
    }
    let sleeper = alive(&ps, "sleep").expect("the background job survives");
    assert_eq!(sleeper.state, ProcState::Waiting(WaitOn::Sleep));
    assert_eq!(tty.foreground(), Some(sh), "sh took the terminal back");

    assert_eq!(kernel.run().expect("run"), Stop::AllExited);
    assert_success(&mut kernel, sh);
    assert_eq!(output(&tty), "^Csh: interrupted\ndone\n");
    assert_clean(&mut kernel, tty);
}

#[test]
fn typing_ctrl_c_is_an_interrupt_and_is_not_input() {
    let mut kernel = Kernel::new();
    let (tty, sh) = session(&mut kernel, |p| async move {
        p.signal(Signal::SIGTTOU, Disposition::Ignore)?;
        let cat = p.spawn_fn(job("cat", Pid(0)), |c| async move {
            loop {
                if c.read_bytes(Fd::STDIN, 64).await.is_err() {
                    return 1;
                }
            }
        })?;
        p.tcsetpgrp(Fd::STDIN, cat).await?;
        let status = wait_for(&p, cat, WaitFlags::empty()).await?;
        assert_eq!(status, killed_by(Signal::SIGINT));
        Ok(())
    });
    kernel.run().expect("run");
    tty.input(b"half a line\x03");
    assert_eq!(kernel.run().expect("run"), Stop::AllExited);
    assert_success(&mut kernel, sh);
    assert_eq!(output(&tty), "half a line^C");
}

#[test]
fn suspend_stops_the_foreground_group_and_the_shell_sees_it_stopped() {
    let mut kernel = Kernel::new();
    let (tty, sh) = session(&mut kernel, |p| async move {
        p.signal(Signal::SIGTTOU, Disposition::Ignore)?;
        let work = |c: Proc| async move {
            for _ in 0..5 {
                c.sleep(20).await;
            }
        };
        let first = p.spawn_fn(job("worker", Pid(0)), work)?;
        let second = p.spawn_fn(job("worker", first), work)?;
        p.tcsetpgrp(Fd::STDIN, first).await?;
        for pid in [first, second] {
            let status = wait_for(&p, pid, WaitFlags::UNTRACED).await?;
            assert_eq!(status, ExitStatus::Stopped(Signal::SIGTSTP));
        }
        p.tcsetpgrp(Fd::STDIN, p.getpgrp()).await?;
        p.write(Fd::STDOUT, b"\n[1]+ Stopped\n").await?;
        p.sleep(50).await;
        // `fg`: the job gets the terminal back and is continued.
        p.tcsetpgrp(Fd::STDIN, first).await?;
        p.kill(KillTarget::Group(first), Signal::SIGCONT)?;
        for pid in [first, second] {
            assert_eq!(
                wait_for(&p, pid, WaitFlags::empty()).await?,
                ExitStatus::Exited(0)
            );
        }
        p.tcsetpgrp(Fd::STDIN, p.getpgrp()).await?;
        Ok(())
    });
    kernel.run_for(30).expect("run");
    tty.suspend();
    kernel.run_for(10).expect("run");
    let ps = kernel.ps();
    let workers: Vec<&ProcInfo> = ps.iter().filter(|p| p.name == "worker").collect();
    assert_eq!(workers.len(), 2);
    for worker in workers {
        assert_eq!(worker.state.code(), 'T', "{worker:?}");
    }
    assert_eq!(expect_row(&ps, sh).state, ProcState::Waiting(WaitOn::Sleep));
    assert_eq!(output(&tty), "^Z\n[1]+ Stopped\n");
    assert_eq!(kernel.run().expect("run"), Stop::AllExited);
    assert_success(&mut kernel, sh);
    assert_clean(&mut kernel, tty);
}

#[test]
fn a_background_read_stops_on_sigttin_until_the_job_is_brought_to_the_foreground() {
    let mut kernel = Kernel::new();
    let (tty, sh) = session(&mut kernel, |p| async move {
        p.signal(Signal::SIGTTOU, Disposition::Ignore)?;
        let reader = p.spawn_fn(job("reader", Pid(0)), |c| async move {
            let mut buf = [0u8; 16];
            let n = c.read(Fd::STDIN, &mut buf).await?;
            assert_eq!(&buf[..n], b"hello\n");
            Ok::<_, Error>(())
        })?;
        let status = wait_for(&p, reader, WaitFlags::UNTRACED).await?;
        assert_eq!(status, ExitStatus::Stopped(Signal::SIGTTIN));
        p.sleep(50).await;
        // `fg %1`.
        p.tcsetpgrp(Fd::STDIN, reader).await?;
        p.kill(KillTarget::Group(reader), Signal::SIGCONT)?;
        let status = wait_for(&p, reader, WaitFlags::empty()).await?;
        assert_eq!(status, ExitStatus::Exited(0));
        p.tcsetpgrp(Fd::STDIN, p.getpgrp()).await?;
        Ok(())
    });
    kernel.run_for(20).expect("run");
    let ps = kernel.ps();
    let reader = alive(&ps, "reader").expect("reader").pid;
    assert_eq!(expect_row(&ps, reader).state, ProcState::Stopped);
    assert_eq!(tty.foreground(), Some(sh), "sh keeps the foreground");

    kernel.run_for(100).expect("run");
    assert_eq!(tty.foreground(), Some(reader));
    let ps = kernel.ps();
    assert_eq!(
        expect_row(&ps, reader).state,
        ProcState::Waiting(WaitOn::Read),
        "continued, the read started again and waits for input"
    );
    tty.input(b"hello\n");
    assert_eq!(kernel.run().expect("run"), Stop::AllExited);
    assert_success(&mut kernel, sh);
    assert_eq!(output(&tty), "hello\n", "the echo");
    assert_clean(&mut kernel, tty);
}

#[test]
fn a_background_read_fails_with_eio_when_sigttin_is_ignored_or_blocked_or_no_one_can_continue_it() {
    let mut kernel = Kernel::new();
    let (tty, sh) = session(&mut kernel, |p| async move {
        let ignoring = p.spawn_fn(job("ignoring", Pid(0)), |c| async move {
            c.signal(Signal::SIGTTIN, Disposition::Ignore)?;
            let mut buf = [0u8; 4];
            assert_eq!(errno_of(c.read(Fd::STDIN, &mut buf).await), Errno::EIO);
            Ok::<_, Error>(())
        })?;
        let blocking = p.spawn_fn(job("blocking", Pid(0)), |c| async move {
            c.sigprocmask(SigHow::Block, SigSet::of(Signal::SIGTTIN));
            let mut buf = [0u8; 4];
            assert_eq!(errno_of(c.read(Fd::STDIN, &mut buf).await), Errno::EIO);
            Ok::<_, Error>(())
        })?;
        // A job whose parent has gone: its group is orphaned, nobody would continue it.
        let parent = p.spawn_fn(job("parent", Pid(0)), |c| async move {
            c.spawn_fn(job("orphan", Pid(0)), |o| async move {
                o.sleep(10).await;
                assert_eq!(o.getppid(), Pid::INIT);
                let mut buf = [0u8; 4];
                assert_eq!(errno_of(o.read(Fd::STDIN, &mut buf).await), Errno::EIO);
                // Writing from the background is allowed.
                o.write(Fd::STDOUT, b"orphan wrote\n").await?;
                Ok::<_, Error>(())
            })?;
            Ok::<_, Error>(())
        })?;
        for pid in [ignoring, blocking, parent] {
            let status = wait_for(&p, pid, WaitFlags::UNTRACED).await?;
            assert_eq!(status, ExitStatus::Exited(0), "pid {pid}");
        }
        p.sleep(50).await;
        Ok(())
    });
    assert_eq!(kernel.run().expect("run"), Stop::AllExited);
    assert_success(&mut kernel, sh);
    // The orphan writes only once its read has failed as it should.
    assert_eq!(output(&tty), "orphan wrote\n");
    assert_clean(&mut kernel, tty);
}

#[test]
fn tcsetpgrp_from_the_background_sends_sigttou_unless_the_caller_ignores_it() {
    let mut kernel = Kernel::new();
    let (tty, sh) = session(&mut kernel, |p| async move {
        p.signal(Signal::SIGTTOU, Disposition::Ignore)?;
        let sh_group = p.getpgrp();
        let grabber = p.spawn_fn(job("grabber", Pid(0)), move |c| async move {
            c.tcsetpgrp(Fd::STDIN, c.getpgrp()).await?;
            assert_eq!(c.tcgetpgrp(Fd::STDIN)?, c.getpgrp());
            Ok::<_, Error>(())
        })?;
        let status = wait_for(&p, grabber, WaitFlags::UNTRACED).await?;
        assert_eq!(status, ExitStatus::Stopped(Signal::SIGTTOU));
        assert_eq!(
            p.tcgetpgrp(Fd::STDIN)?,
            sh_group,
            "the stopped call changed nothing"
        );
        // Continued in the foreground, its call starts again and goes through.
        p.tcsetpgrp(Fd::STDIN, grabber).await?;
        p.kill(KillTarget::Group(grabber), Signal::SIGCONT)?;
        let status = wait_for(&p, grabber, WaitFlags::empty()).await?;
        assert_eq!(status, ExitStatus::Exited(0));

        // A background process that ignores SIGTTOU (inherited from sh) just goes ahead.
        let ignoring = p.spawn_fn(
            Command::new("ignoring").process_group(Pid(0)),
            move |c| async move {
                c.tcsetpgrp(Fd::STDIN, c.getpgrp()).await?;
                c.tcsetpgrp(Fd::STDIN, sh_group).await?;
                Ok::<_, Error>(())
            },
        )?;
        let status = wait_for(&p, ignoring, WaitFlags::UNTRACED).await?;
        assert_eq!(status, ExitStatus::Exited(0));
        p.tcsetpgrp(Fd::STDIN, sh_group).await?;
        Ok(())
    });
    assert_eq!(kernel.run().expect("run"), Stop::AllExited);
    assert_success(&mut kernel, sh);
    assert_eq!(tty.foreground(), None, "sh's exit released the terminal");
    assert_clean(&mut kernel, tty);
}

#[test]
fn terminal_calls_check_the_descriptor_the_terminal_and_the_group() {
    let mut kernel = Kernel::new();
    let (tty, sh) = session(&mut kernel, |p| async move {
        let me = p.pid();
        assert!(p.isatty(Fd::STDIN) && p.isatty(Fd::STDERR));
        assert_eq!(p.tcgetpgrp(Fd::STDOUT)?, me);
        assert_eq!(p.tcgetsid(Fd::STDIN)?, me);
        let (r, w) = p.pipe()?;
        assert!(!p.isatty(r) && !p.isatty(Fd(40)));
        assert_eq!(errno_of(p.tcsetpgrp(r, me).await), Errno::ENOTTY);
        assert_eq!(errno_of(p.tcgetpgrp(w)), Errno::ENOTTY);
        assert_eq!(errno_of(p.tcgetpgrp(Fd(40))), Errno::EBADF);
        assert_eq!(errno_of(p.tcsetpgrp(Fd(40), me).await), Errno::EBADF);
        // Init's group is in another session; 999 is no group at all.
        assert_eq!(
            errno_of(p.tcsetpgrp(Fd::STDIN, Pid::INIT).await),
            Errno::EPERM
        );
        assert_eq!(
            errno_of(p.tcsetpgrp(Fd::STDIN, Pid(999)).await),
            Errno::ESRCH
        );
        assert_eq!(p.tcgetpgrp(Fd::STDIN)?, me, "unchanged");
        assert_eq!(
            errno_of(p.lseek(Fd::STDIN, 0, vproc_kernel::Whence::Set)),
            Errno::ESPIPE
        );
        let stat = p.fstat(Fd::STDIN)?;
        assert_eq!(stat.kind, FileType::CharDevice);
        assert_eq!(p.readlink("/proc/self/fd/0")?, "/dev/pts/0");
        p.tiocsctty(Fd::STDIN)?; // already its controlling terminal: nothing to do
        p.close(r)?;
        p.close(w)?;
        Ok(())
    });
    // A process of another session with the same terminal open: not its controlling
    // terminal, so no foreground for it, and it leads no session to take it.
    let other = kernel
        .spawn_fn(Command::new("other").terminal(tty.id()), |p| async move {
            assert!(p.isatty(Fd::STDIN));
            assert_eq!(errno_of(p.tcgetpgrp(Fd::STDIN)), Errno::ENOTTY);
            assert_eq!(errno_of(p.tcgetsid(Fd::STDIN)), Errno::ENOTTY);
            let me = p.getpgrp();
            assert_eq!(errno_of(p.tcsetpgrp(Fd::STDIN, me).await), Errno::ENOTTY);
            assert_eq!(errno_of(p.tiocsctty(Fd::STDIN)), Errno::EPERM);
            Ok::<_, Error>(())
        })
        .expect("spawn");
    assert_eq!(kernel.run().expect("run"), Stop::AllExited);
    assert_success(&mut kernel, sh);
    assert_success(&mut kernel, other);
    let unknown = Command::new("lost").stdin(Stdio::Tty(TtyId(7)));
    let spawned = kernel.spawn_fn(unknown, |_| async {});
    assert_eq!(errno_of(spawned), Errno::ENXIO);
    assert_clean(&mut kernel, tty);
}

#[test]
fn typed_input_reaches_the_foreground_reader_a_line_at_a_time() {
    let mut kernel = Kernel::new();
    let (tty, sh) = session(&mut kernel, |p| async move {
        loop {
            let line = p.read_bytes(Fd::STDIN, 100).await?;
            if line.is_empty() {
                break;
            }
            let reply = format!("got {:?}\n", String::from_utf8_lossy(&line));
            p.write(Fd::STDOUT, reply.as_bytes()).await?;
        }
        p.write(Fd::STDOUT, b"end of file\n").await?;
        Ok(())
    });
    kernel.run().expect("run");
    tty.input(b"he");
    kernel.run().expect("run");
    assert_eq!(
        expect_row(&kernel.ps(), sh).state,
        ProcState::Waiting(WaitOn::Read),
        "half a line is not input yet"
    );
    tty.input(b"x\x7fllo\rsecond\n");
    kernel.run().expect("run");
    assert_eq!(
        output(&tty),
        "hex\x08 \x08llo\nsecond\ngot \"hello\\n\"\ngot \"second\\n\"\n"
    );
    tty.set_mode(TtyMode {
        echo: false,
        ..TtyMode::default()
    });
    tty.input(b"no newline\x04\x04");
    assert_eq!(kernel.run().expect("run"), Stop::AllExited);
    assert_success(&mut kernel, sh);
    assert_eq!(output(&tty), "got \"no newline\"\nend of file\n");
    assert_clean(&mut kernel, tty);
}

#[test]
fn in_raw_mode_bytes_are_read_as_typed() {
    let mut kernel = Kernel::new();
    let (tty, sh) = session(&mut kernel, |p| async move {
        let mut got = Vec::new();
        while got.len() < 4 {
            got.extend_from_slice(&p.read_bytes(Fd::STDIN, 100).await?);
        }
        assert_eq!(got, b"q\x03\x04\r");
        Ok(())
    });
    tty.set_mode(TtyMode::raw());
    kernel.run().expect("run");
    tty.input(b"q");
    kernel.run().expect("run");
    tty.input(b"\x03\x04\r");
    assert_eq!(kernel.run().expect("run"), Stop::AllExited);
    assert_success(&mut kernel, sh);
    assert_eq!(output(&tty), "", "no echo");
    assert_clean(&mut kernel, tty);
}

#[test]
fn output_reaches_the_host_and_a_full_terminal_makes_the_writer_wait() {
    let mut kernel = Kernel::new();
    let (tty, sh) = session(&mut kernel, |p| async move {
        p.write(Fd::STDOUT, b"hello, host\n").await?;
        let big = vec![b'x'; vproc_kernel::MAX_OUTPUT + 1000];
        assert_eq!(p.write(Fd::STDERR, &big).await?, big.len());
        p.write(Fd::STDOUT, b"end\n").await?;
        Ok(())
    });
    assert!(matches!(kernel.run().expect("run"), Stop::Deadlock(_)));
    assert_eq!(
        expect_row(&kernel.ps(), sh).state,
        ProcState::Waiting(WaitOn::Write)
    );
    let first = tty.take_output();
    assert_eq!(first.len(), vproc_kernel::MAX_OUTPUT);
    assert!(first.starts_with(b"hello, host\nxxx"));
    assert_eq!(kernel.run().expect("run"), Stop::AllExited);
    assert_success(&mut kernel, sh);
    let rest = tty.take_output();
    assert_eq!(
        first.len() + rest.len(),
        12 + vproc_kernel::MAX_OUTPUT + 1000 + 4
    );
    assert!(rest.ends_with(b"xxend\n"));
    assert_clean(&mut kernel, tty);
}

#[test]
fn dev_tty_is_the_controlling_terminal_and_enxio_without_one() {
    let mut kernel = Kernel::new();
    let (tty, sh) = session(&mut kernel, |p| async move {
        let fd = p.open("/dev/tty", OpenFlags::RDWR, 0).await?;
        assert!(p.isatty(fd));
        assert_eq!(p.tcgetpgrp(fd)?, p.pid());
        p.write(fd, b"through /dev/tty\n").await?;
        p.close(fd)?;
        assert_eq!(p.stat("/dev/tty")?.kind, FileType::CharDevice);
        Ok(())
    });
    let lonely = kernel
        .spawn_fn(Command::new("daemon"), |p| async move {
            let opened = p.open("/dev/tty", OpenFlags::RDWR, 0).await;
            assert_eq!(errno_of(opened), Errno::ENXIO);
        })
        .expect("spawn");
    assert_eq!(kernel.run().expect("run"), Stop::AllExited);
    assert_success(&mut kernel, sh);
    assert_success(&mut kernel, lonely);
    assert_eq!(output(&tty), "through /dev/tty\n");
    assert_clean(&mut kernel, tty);
}

#[test]
fn poll_sees_typed_input() {
    let mut kernel = Kernel::new();
    let (tty, sh) = session(&mut kernel, |p| async move {
        let mut fds = [PollFd::new(Fd::STDIN, PollEvents::POLLIN)];
        assert_eq!(p.poll(&mut fds, Some(0)).await?, 0);
        let mut out = [PollFd::new(Fd::STDOUT, PollEvents::POLLOUT)];
        assert_eq!(p.poll(&mut out, Some(0)).await?, 1);
        assert_eq!(p.poll(&mut fds, None).await?, 1);
        assert_eq!(fds[0].revents, PollEvents::POLLIN);
        assert_eq!(&p.read_bytes(Fd::STDIN, 10).await?[..], b"ok\n");
        Ok(())
    });
    kernel.run().expect("run");
    assert_eq!(
        expect_row(&kernel.ps(), sh).state,
        ProcState::Waiting(WaitOn::Poll)
    );
    tty.input(b"ok\n");
    assert_eq!(kernel.run().expect("run"), Stop::AllExited);
    assert_success(&mut kernel, sh);
    assert_clean(&mut kernel, tty);
}

#[test]
fn the_leader_exiting_releases_the_terminal_and_hangs_up_the_foreground() {
    let mut kernel = Kernel::new();
    let events = record_events(&mut kernel);
    let (tty, sh) = session(&mut kernel, |p| async move {
        p.signal(Signal::SIGTTOU, Disposition::Ignore)?;
        let editor = p.spawn_fn(job("editor", Pid(0)), |c| async move {
            c.sleep(1000).await;
        })?;
        p.tcsetpgrp(Fd::STDIN, editor).await?;
        Ok(())
    });
    kernel.run_for(50).expect("run");
    assert_success(&mut kernel, sh);
    assert_eq!((tty.session(), tty.foreground()), (None, None));
    let ps = kernel.ps();
    assert!(alive(&ps, "editor").is_none(), "SIGHUP ended it: {ps:#?}");
    let editor = Pid(sh.0 + 1);
    assert!(row(&ps, editor).is_none());
    let hung_up = events
        .borrow()
        .iter()
        .any(|e| e.pid == editor && e.kind == EventKind::Exited(killed_by(Signal::SIGHUP)));
    assert!(hung_up, "the editor died of SIGHUP");
    // The terminal is free: a new session leader takes it.
    let login = kernel
        .spawn_fn(
            Command::new("login").new_session().terminal(tty.id()),
            |p| async move { p.tcgetpgrp(Fd::STDIN).map(drop) },
        )
        .expect("spawn");
    assert_eq!(tty.session(), Some(login));
    kernel.run().expect("run");
    assert_success(&mut kernel, login);
    assert_clean(&mut kernel, tty);
}

#[test]
fn hanging_up_signals_the_controlling_process_and_reads_then_see_end_of_file() {
    let mut kernel = Kernel::new();
    let (tty, sh) = session(&mut kernel, |p| async move {
        p.signal(Signal::SIGHUP, Disposition::Ignore)?;
        assert!(p.read_bytes(Fd::STDIN, 10).await?.is_empty(), "end of file");
        assert_eq!(errno_of(p.write(Fd::STDOUT, b"lost").await), Errno::EIO);
        assert_eq!(errno_of(p.tcgetpgrp(Fd::STDIN)), Errno::ENOTTY);
        Ok(())
    });
    let (tty2, sh2) = session(&mut kernel, |p| async move {
        p.read_bytes(Fd::STDIN, 10).await?;
        Ok(())
    });
    kernel.run().expect("run");
    tty.hangup();
    assert!(tty.is_hung_up());
    drop(tty2); // the last handle: a hang-up too
    assert_eq!(kernel.run().expect("run"), Stop::AllExited);
    assert_success(&mut kernel, sh);
    assert_eq!(
        kernel.exit_status(sh2).expect("status"),
        Some(killed_by(Signal::SIGHUP))
    );
    assert_eq!(tty.session(), None);
    tty.input(b"ignored\n");
    assert_eq!(output(&tty), "");
    assert_clean(&mut kernel, tty);
}

#[test]
fn a_new_session_leader_takes_a_terminal_with_tiocsctty() {
    let mut kernel = Kernel::new();
    let tty = kernel.open_tty();
    // Started in the host's session, not as a leader: the terminal controls nothing.
    let daemon = kernel
        .spawn_fn(Command::new("getty").terminal(tty.id()), |p| async move {
            assert_eq!(errno_of(p.tiocsctty(Fd::STDIN)), Errno::EPERM);
            let sid = p.setsid()?;
            assert_eq!(errno_of(p.tcgetpgrp(Fd::STDIN)), Errno::ENOTTY);
            p.tiocsctty(Fd::STDIN)?;
            assert_eq!(p.tcgetpgrp(Fd::STDIN)?, sid);
            p.sleep(10).await;
            Ok::<_, Error>(())
        })
        .expect("spawn");
    assert_eq!(tty.session(), None);
    kernel.run_for(5).expect("run");
    assert_eq!(tty.session(), Some(daemon));
    assert_eq!(tty.foreground(), Some(daemon));
    kernel.run().expect("run");
    assert_success(&mut kernel, daemon);
    assert_eq!(tty.session(), None);
    assert_clean(&mut kernel, tty);
}

#[test]
fn stopped_jobs_their_shell_leaves_behind_are_hung_up_and_continued() {
    let mut kernel = Kernel::new();
    let events = record_events(&mut kernel);
    let (tty, sh) = session(&mut kernel, |p| async move {
        let stuck = p.spawn_fn(job("stuck", Pid(0)), |c| async move {
            let mut buf = [0u8; 4];
            c.read(Fd::STDIN, &mut buf).await.map(drop) // SIGTTIN stops it
        })?;
        let nohup = p.spawn_fn(job("nohup", Pid(0)), |c| async move {
            c.signal(Signal::SIGHUP, Disposition::Ignore)?;
            c.raise(Signal::SIGSTOP).await?;
            c.write(Fd::STDOUT, b"nohup went on\n").await?;
            Ok::<_, Error>(())
        })?;
        for pid in [stuck, nohup] {
            let status = wait_for(&p, pid, WaitFlags::UNTRACED).await?;
            assert!(matches!(status, ExitStatus::Stopped(_)), "{status}");
        }
        Ok(()) // exits, leaving both groups orphaned and stopped
    });
    assert_eq!(
        kernel.run().expect("run"),
        Stop::AllExited,
        "no one is left stopped"
    );
    assert_success(&mut kernel, sh);
    let stuck = Pid(sh.0 + 1);
    let hung_up = events
        .borrow()
        .iter()
        .any(|e| e.pid == stuck && e.kind == EventKind::Exited(killed_by(Signal::SIGHUP)));
    assert!(hung_up, "stuck died of SIGHUP");
    assert_eq!(output(&tty), "nohup went on\n");
    assert_clean(&mut kernel, tty);
}

#[test]
fn another_thread_can_type_on_a_terminal_and_read_its_screen() {
    fn shareable<T: Send + Sync + Clone>(_: &T) {}
    let (tx, rx) = std::sync::mpsc::channel();
    let kernel_thread = std::thread::spawn(move || {
        let mut kernel = Kernel::builder()
            .real_time(std::time::Duration::from_millis(1))
            .build();
        let tty = kernel.open_tty();
        let cmd = Command::new("upcase").new_session().terminal(tty.id());
        kernel
            .spawn_fn(cmd, |p| async move {
                let line = p.read_bytes(Fd::STDIN, 64).await?;
                p.write(Fd::STDOUT, &line.to_ascii_uppercase()).await?;
                Ok::<_, Error>(())
            })
            .expect("spawn");
        tx.send((kernel.handle(), tty)).expect("send");
        kernel.serve()
    });
    let (handle, tty) = rx.recv().expect("the kernel's handles");
    shareable(&tty);
    tty.set_mode(TtyMode {
        echo: false,
        ..TtyMode::default()
    });
    tty.input(b"shout\n");
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    let mut screen = Vec::new();
    while screen != b"SHOUT\n" && std::time::Instant::now() < deadline {
        screen.extend(tty.take_output());
        std::thread::sleep(std::time::Duration::from_millis(1));
    }
    assert_eq!(String::from_utf8_lossy(&screen), "SHOUT\n");
    handle.shutdown();
    let stop = kernel_thread.join().expect("join").expect("serve");
    assert_eq!(stop, Stop::Shutdown);
}

#[test]
fn fionread_counts_whole_lines_in_canonical_mode_and_every_byte_in_raw_mode() {
    let mut kernel = Kernel::new();
    let (tty, sh) = session(&mut kernel, |p| async move {
        // The host types at ticks 0, 20, 40 and 60 and hangs up at 80; the shell looks
        // at 0, 30, 50, 70 and 90, and outlives the hang-up.
        p.signal(Signal::SIGHUP, Disposition::Ignore)?;
        let until = |tick: u64| p.sleep(tick.saturating_sub(p.now()));
        // "ab" is still being edited: nothing a read could take yet.
        assert_eq!(p.fionread(Fd::STDIN)?, 0);
        until(30).await;
        // The line was ended: "abc\n".
        assert_eq!(p.fionread(Fd::STDIN)?, 4);
        assert_eq!(p.read_bytes(Fd::STDIN, 2).await?.as_ref(), b"ab");
        assert_eq!(p.fionread(Fd::STDIN)?, 2);
        assert_eq!(p.read_bytes(Fd::STDIN, 8).await?.as_ref(), b"c\n");
        until(50).await;
        // "de" ended by Ctrl-D: the two bytes, not the Ctrl-D.
        assert_eq!(p.fionread(Fd::STDIN)?, 2);
        assert_eq!(p.read_bytes(Fd::STDIN, 8).await?.as_ref(), b"de");
        until(70).await;
        // Raw mode: each byte is input as it comes.
        assert_eq!(p.fionread(Fd::STDIN)?, 3);
        until(90).await;
        assert_eq!(errno_of(p.fionread(Fd::STDIN)), Errno::EIO, "hung up");
        Ok(())
    });
    tty.input(b"ab");
    kernel.run_for(20).expect("run");
    tty.input(b"c\n");
    kernel.run_for(20).expect("run");
    tty.input(b"de\x04");
    kernel.run_for(20).expect("run");
    tty.set_mode(TtyMode::raw());
    tty.input(b"xyz");
    kernel.run_for(20).expect("run");
    tty.hangup();
    assert_eq!(kernel.run().expect("run"), Stop::AllExited);
    assert_success(&mut kernel, sh);
}

#[test]
fn ps_shows_groups_sessions_the_terminal_and_the_foreground_group() {
    let mut kernel = Kernel::new();
    let (tty, sh) = session(&mut kernel, |p| async move {
        p.signal(Signal::SIGTTOU, Disposition::Ignore)?;
        let nap = |c: Proc| async move {
            c.sleep(100).await;
        };
        let fg = p.spawn_fn(job("fg", Pid(0)), nap)?;
        let bg = p.spawn_fn(job("bg", Pid(0)), nap)?;
        p.tcsetpgrp(Fd::STDIN, fg).await?;
        for child in [fg, bg] {
            wait_for(&p, child, WaitFlags::empty()).await?;
        }
        Ok(())
    });
    let loner = kernel
        .spawn_fn(Command::new("loner"), |p| async move {
            p.sleep(100).await;
        })
        .expect("spawn");
    kernel.run_for(10).expect("run");
    let ps = kernel.ps();
    let info = |name: &str| alive(&ps, name).cloned().expect("listed");
    let (shell, fg, bg, loner_info) = (info("sh"), info("fg"), info("bg"), info("loner"));
    assert_eq!((shell.pgid, shell.sid), (sh, sh));
    assert_eq!(
        (fg.pgid, fg.sid),
        (fg.pid, sh),
        "a job is a group of its own"
    );
    assert_eq!((bg.pgid, bg.sid), (bg.pid, sh));
    for p in [&shell, &fg, &bg] {
        assert_eq!(
            p.tty,
            Some(tty.id()),
            "{} has the session's terminal",
            p.name
        );
    }
    assert!(fg.foreground && !bg.foreground && !shell.foreground);
    assert_eq!((loner_info.tty, loner_info.foreground), (None, false));
    assert_eq!(
        loner_info.sid,
        Pid::INIT,
        "the host's children are in init's session"
    );
    let table = vproc_kernel::PsTable(&ps).to_string();
    let line = |pid: Pid| {
        table
            .lines()
            .find(|l| l.split_whitespace().next() == Some(&pid.to_string()))
            .map(|l| l.split_whitespace().take(6).collect::<Vec<_>>().join(" "))
            .expect("a row")
    };
    let pts = format!("pts/{}", tty.id().0);
    assert_eq!(
        line(fg.pid),
        format!("{} {sh} {} {sh} {pts} S+", fg.pid, fg.pid)
    );
    assert_eq!(
        line(bg.pid),
        format!("{} {sh} {} {sh} {pts} S", bg.pid, bg.pid)
    );
    assert_eq!(line(loner), format!("{loner} 1 1 1 ? S"));
    assert!(table.starts_with("   PID   PPID   PGID    SID TTY      S "));
    assert_eq!(kernel.run().expect("run"), Stop::AllExited);
    assert_success(&mut kernel, sh);
    assert_clean(&mut kernel, tty);
}
