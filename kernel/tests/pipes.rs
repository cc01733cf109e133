//! Pipes between processes: message passing, end of file, EPIPE, atomic records,
//! non-blocking calls, and descriptors shared by dup and inheritance.

mod common;

use std::cell::RefCell;
use std::rc::Rc;

use common::{errno_of, run_main};
use vproc_kernel::{
    Command, Disposition, Errno, ExitStatus, Fcntl, Fd, FdFlags, Kernel, OpenFlags, Pid,
    PollEvents, Proc, Signal, Stdio, Stop, WaitFlags, WaitFor,
};

#[test]
fn parent_to_child_through_a_piped_stdin() {
    let mut kernel = Kernel::new();
    run_main(&mut kernel, |p| async move {
        let child = p
            .spawn_fn_child(Command::new("reader").stdin(Stdio::Piped), |c| async move {
                let text = c.read_to_string(Fd::STDIN).await.expect("read");
                i32::from(text == "hello child")
            })
            .expect("spawn");
        let to_child = child.stdin.expect("the parent's end");
        p.write(to_child, b"hello ").await.expect("write");
        p.write(to_child, b"child").await.expect("write");
        p.close(to_child).expect("close");
        let (_, status) = p.wait().await.expect("wait");
        assert_eq!(
            status,
            ExitStatus::Exited(1),
            "the child read what was sent"
        );
    });
}

#[test]
fn child_to_parent_through_a_piped_stdout() {
    let mut kernel = Kernel::new();
    run_main(&mut kernel, |p| async move {
        let child = p
            .spawn_fn_child(
                Command::new("writer").stdout(Stdio::Piped),
                |c| async move {
                    for i in 0..3 {
                        c.write(Fd::STDOUT, format!("line {i}\n").as_bytes())
                            .await
                            .expect("write");
                        c.sleep(5).await;
                    }
                },
            )
            .expect("spawn");
        let from_child = child.stdout.expect("the parent's end");
        let text = p.read_to_string(from_child).await.expect("read");
        assert_eq!(text, "line 0\nline 1\nline 2\n");
        p.close(from_child).expect("close");
        p.wait().await.expect("wait");
    });
}

#[test]
fn a_three_stage_pipeline() {
    let mut kernel = Kernel::new();
    run_main(&mut kernel, |p| async move {
        // produce | upper | count, wired as a shell does: pipe, spawn, close our copies.
        let (r1, w1) = p.pipe2(OpenFlags::CLOEXEC).expect("pipe");
        let (r2, w2) = p.pipe2(OpenFlags::CLOEXEC).expect("pipe");
        p.spawn_fn(
            Command::new("produce").stdout(Stdio::Fd(w1)),
            |c| async move {
                for word in ["alpha ", "beta ", "gamma"] {
                    c.write(Fd::STDOUT, word.as_bytes()).await.expect("write");
                }
            },
        )
        .expect("spawn");
        p.spawn_fn(
            Command::new("upper")
                .stdin(Stdio::Fd(r1))
                .stdout(Stdio::Fd(w2)),
            |c| async move {
                let mut buf = [0u8; 4];
                loop {
                    let n = c.read(Fd::STDIN, &mut buf).await.expect("read");
                    if n == 0 {
                        break;
                    }
                    let upper = buf[..n].to_ascii_uppercase();
                    c.write(Fd::STDOUT, &upper).await.expect("write");
                }
            },
        )
        .expect("spawn");
        let count = p
            .spawn_fn_child(
                Command::new("count")
                    .stdin(Stdio::Fd(r2))
                    .stdout(Stdio::Piped),
                |c| async move {
                    let text = c.read_to_string(Fd::STDIN).await.expect("read");
                    let line = format!("{} {}\n", text.split_whitespace().count(), text);
                    c.write(Fd::STDOUT, line.as_bytes()).await.expect("write");
                },
            )
            .expect("spawn");
        for fd in [r1, w1, r2, w2] {
            p.close(fd).expect("close");
        }
        let out = count.stdout.expect("pipe");
        let text = p.read_to_string(out).await.expect("read");
        assert_eq!(text, "3 ALPHA BETA GAMMA\n");
        p.close(out).expect("close");
        for _ in 0..3 {
            let (_, status) = p.wait().await.expect("wait");
            assert_eq!(status, ExitStatus::Exited(0));
        }
    });
}

#[test]
fn end_of_file_comes_only_when_every_write_end_is_closed() {
    let mut kernel = Kernel::new();
    run_main(&mut kernel, |p| async move {
        let (r, w) = p.pipe().expect("pipe");
        let w2 = p.dup(w).expect("dup");
        p.write(w, b"x").await.expect("write");
        p.close(w).expect("close");
        let mut buf = [0u8; 8];
        assert_eq!(p.read(r, &mut buf).await.expect("read"), 1);
        // A duplicate still holds the write end: a non-blocking read sees "no data yet".
        p.fcntl(r, Fcntl::SetFl(OpenFlags::NONBLOCK))
            .expect("fcntl");
        assert_eq!(errno_of(p.read(r, &mut buf).await), Errno::EAGAIN);
        p.close(w2).expect("close");
        assert_eq!(p.read(r, &mut buf).await.expect("eof"), 0);
        p.close(r).expect("close");
    });
}

/// A child that sleeps for long after it was spawned holding (or not) a copy of the
/// write end: the classic leaked-descriptor hang, and close-on-exec as its cure.
fn reader_sees_eof_before_the_forgotten_child_ends(cloexec: bool) -> bool {
    let mut kernel = Kernel::new();
    let seen_at = Rc::new(RefCell::new(None));
    let seen = seen_at.clone();
    run_main(&mut kernel, move |p| async move {
        let flags = if cloexec {
            OpenFlags::CLOEXEC
        } else {
            OpenFlags::empty()
        };
        let (r, w) = p.pipe2(flags).expect("pipe");
        p.spawn_fn(Command::new("forgotten"), |c| async move {
            c.sleep(1000).await;
        })
        .expect("spawn");
        p.write(w, b"data").await.expect("write");
        p.close(w).expect("close");
        let text = p.read_to_string(r).await.expect("read");
        assert_eq!(text, "data");
        *seen.borrow_mut() = Some(p.now());
        p.close(r).expect("close");
        p.wait().await.expect("wait");
    });
    let at = seen_at.borrow().expect("the reader finished");
    at < 1000
}

#[test]
fn a_forgotten_child_holding_the_write_end_delays_end_of_file() {
    assert!(
        !reader_sees_eof_before_the_forgotten_child_ends(false),
        "the inherited write end must keep the pipe open until the child exits"
    );
}

#[test]
fn close_on_exec_keeps_the_write_end_out_of_the_child() {
    assert!(reader_sees_eof_before_the_forgotten_child_ends(true));
}

#[test]
fn writing_with_no_reader_fails_with_epipe_when_sigpipe_is_ignored() {
    let mut kernel = Kernel::new();
    run_main(&mut kernel, |p| async move {
        p.signal(Signal::SIGPIPE, Disposition::Ignore)
            .expect("ignore");
        let (r, w) = p.pipe().expect("pipe");
        p.close(r).expect("close");
        assert_eq!(errno_of(p.write(w, b"lost").await), Errno::EPIPE);
        p.close(w).expect("close");
    });
}

#[test]
fn a_reader_exiting_gives_its_blocked_writer_epipe_at_once() {
    let mut kernel = Kernel::new();
    run_main(&mut kernel, |p| async move {
        p.signal(Signal::SIGPIPE, Disposition::Ignore)
            .expect("ignore");
        let (r, w) = p.pipe2(OpenFlags::CLOEXEC).expect("pipe");
        p.spawn_fn(Command::new("reader").stdin(Stdio::Fd(r)), |c| async move {
            let mut buf = [0u8; 10];
            c.read(Fd::STDIN, &mut buf).await.expect("read");
            c.sleep(50).await;
        })
        .expect("spawn");
        p.close(r).expect("close");
        // Fill the pipe far past its capacity: the writer blocks until the reader exits.
        let big = vec![7u8; 200_000];
        let result = p.write(w, &big).await;
        assert!(p.now() >= 50, "the writer blocked until the reader exited");
        match result {
            Ok(n) => assert!(n < big.len(), "a partial count, then EPIPE"),
            Err(e) => assert_eq!(e.errno(), Errno::EPIPE),
        }
        assert_eq!(errno_of(p.write(w, b"more").await), Errno::EPIPE);
        p.close(w).expect("close");
        p.wait().await.expect("wait");
    });
}

#[test]
fn by_default_sigpipe_ends_a_writer_whose_reader_is_gone() {
    // `yes | head -n 1`: head reads one line and exits; yes dies of SIGPIPE.
    let mut kernel = Kernel::new();
    run_main(&mut kernel, |p| async move {
        let (r, w) = p.pipe2(OpenFlags::CLOEXEC).expect("pipe");
        let yes = p
            .spawn_fn(Command::new("yes").stdout(Stdio::Fd(w)), |c| async move {
                loop {
                    if c.write(Fd::STDOUT, b"y\n").await.is_err() {
                        return 1; // never reached: SIGPIPE ends it first
                    }
                }
            })
            .expect("spawn");
        let head = p
            .spawn_fn(Command::new("head").stdin(Stdio::Fd(r)), |c| async move {
                let mut buf = [0u8; 2];
                c.read(Fd::STDIN, &mut buf).await.expect("read");
            })
            .expect("spawn");
        p.close(r).expect("close");
        p.close(w).expect("close");
        let mut statuses = Vec::new();
        for pid in [head, yes] {
            let reaped = p.waitpid(WaitFor::Pid(pid), WaitFlags::empty()).await;
            statuses.push(reaped.expect("wait").expect("a status").1);
        }
        assert_eq!(statuses[0], ExitStatus::Exited(0));
        assert_eq!(
            statuses[1],
            ExitStatus::Signaled {
                signal: Signal::SIGPIPE,
                core_dumped: false
            }
        );
    });
}

#[test]
fn records_of_at_most_pipe_buf_bytes_never_interleave() {
    let mut kernel = Kernel::new();
    run_main(&mut kernel, |p| async move {
        let (r, w) = p.pipe2(OpenFlags::CLOEXEC).expect("pipe");
        p.fcntl(w, Fcntl::SetPipeSize(4096)).expect("small pipe");
        const WRITERS: u8 = 6;
        const RECORDS: usize = 20;
        for id in 0..WRITERS {
            p.spawn_fn(
                Command::new("writer").stdout(Stdio::Fd(w)),
                move |c| async move {
                    for n in 0..RECORDS {
                        // Records of different sizes up to PIPE_BUF, all bytes = the writer's id.
                        let len = 1000 + (n * 617 + usize::from(id) * 331) % 3097;
                        c.write(Fd::STDOUT, &vec![b'a' + id; len])
                            .await
                            .expect("write");
                        c.yield_now().await;
                    }
                },
            )
            .expect("spawn");
        }
        p.close(w).expect("close");
        let mut data = Vec::new();
        loop {
            let chunk = p.read_bytes(r, 3000).await.expect("read");
            if chunk.is_empty() {
                break;
            }
            data.extend_from_slice(&chunk);
        }
        // Cut the stream into runs of one byte value: each run must be whole records.
        let mut runs = 0;
        let mut i = 0;
        while i < data.len() {
            let byte = data[i];
            let mut j = i;
            while j < data.len() && data[j] == byte {
                j += 1;
            }
            runs += 1;
            i = j;
        }
        let total: usize = (0..WRITERS)
            .flat_map(|id| {
                (0..RECORDS).map(move |n| 1000 + (n * 617 + usize::from(id) * 331) % 3097)
            })
            .sum();
        assert_eq!(data.len(), total);
        assert!(
            runs <= usize::from(WRITERS) * RECORDS,
            "a record was split: {runs} runs"
        );
        p.close(r).expect("close");
        for _ in 0..WRITERS {
            p.wait().await.expect("wait");
        }
    });
}

#[test]
fn non_blocking_ends_give_eagain_instead_of_blocking() {
    let mut kernel = Kernel::new();
    run_main(&mut kernel, |p| async move {
        let (r, w) = p.pipe2(OpenFlags::NONBLOCK).expect("pipe");
        let mut buf = [0u8; 16];
        assert_eq!(errno_of(p.read(r, &mut buf).await), Errno::EAGAIN);
        let size = p.fcntl(w, Fcntl::GetPipeSize).expect("size") as usize;
        assert_eq!(size, 65536);
        assert_eq!(p.write(w, &vec![0; size]).await.expect("fill"), size);
        assert_eq!(errno_of(p.write(w, b"x").await), Errno::EAGAIN);
        let flags = OpenFlags::from_bits_truncate(p.fcntl(r, Fcntl::GetFl).expect("getfl") as u32);
        assert!(flags.contains(OpenFlags::NONBLOCK));
        p.close(r).expect("close");
        p.close(w).expect("close");
    });
}

#[test]
fn descriptors_take_the_lowest_free_number_and_dup2_replaces() {
    let mut kernel = Kernel::new();
    run_main(&mut kernel, |p| async move {
        let (r, w) = p.pipe().expect("pipe");
        assert_eq!(
            (r, w),
            (Fd(0), Fd(1)),
            "a process spawned by the host has no stdio"
        );
        let d = p.dup(w).expect("dup");
        assert_eq!(d, Fd(2));
        p.close(r).expect("close");
        assert_eq!(p.dup(w).expect("dup"), Fd(0), "the lowest free number");
        assert_eq!(p.dup2(w, Fd(9)).expect("dup2"), Fd(9));
        assert_eq!(p.dup2(w, w).expect("same"), w);
        assert_eq!(errno_of(p.dup3(w, w, OpenFlags::CLOEXEC)), Errno::EINVAL);
        assert_eq!(errno_of(p.dup(Fd(5))), Errno::EBADF);
        assert_eq!(errno_of(p.close(Fd(5))), Errno::EBADF);
        assert_eq!(p.fcntl(Fd(9), Fcntl::GetFd).expect("getfd"), 0);
        p.fcntl(Fd(9), Fcntl::SetFd(FdFlags::CLOEXEC))
            .expect("setfd");
        assert_eq!(p.fcntl(Fd(9), Fcntl::GetFd).expect("getfd"), 1);
        let high = p.fcntl(w, Fcntl::DupFd(Fd(20))).expect("dupfd");
        assert_eq!(high, 20);
        let listed: Vec<Fd> = p.descriptors().into_iter().map(|(fd, _)| fd).collect();
        assert_eq!(listed, [Fd(0), Fd(1), Fd(2), Fd(9), Fd(20)]);
        for fd in listed {
            p.close(fd).expect("close");
        }
    });
}

#[test]
fn a_process_ending_closes_its_descriptors_and_nothing_is_left() {
    let mut kernel = Kernel::new();
    let child = kernel
        .spawn_fn_child(
            Command::new("holder")
                .stdin(Stdio::Piped)
                .stdout(Stdio::Piped),
            |c| async move {
                let (_r, _w) = c.pipe().expect("pipe");
                c.dup(Fd::STDOUT).expect("dup");
                c.sleep(10).await;
            },
        )
        .expect("spawn");
    kernel.run_for(5).expect("run");
    let live = kernel.live_objects();
    assert_eq!(live.descriptors, 5);
    assert_eq!(live.pipes, 3);
    let stdout = child.stdout.as_ref().expect("the host's end");
    assert_eq!(kernel.run().expect("run"), Stop::AllExited);
    assert_eq!(stdout.try_read(10).expect("eof"), bytes::Bytes::new());
    drop(child);
    let live = kernel.live_objects();
    assert_eq!((live.descriptors, live.open_files, live.pipes), (0, 0, 0));
}

#[test]
fn poll_wakes_on_the_first_ready_descriptor_and_on_timeout() {
    let mut kernel = Kernel::new();
    run_main(&mut kernel, |p| async move {
        let (r1, w1) = p.pipe2(OpenFlags::CLOEXEC).expect("pipe");
        let (r2, w2) = p.pipe2(OpenFlags::CLOEXEC).expect("pipe");
        p.spawn_fn(Command::new("late").stdout(Stdio::Fd(w2)), |c| async move {
            c.sleep(30).await;
            c.write(Fd::STDOUT, b"!").await.expect("write");
            c.sleep(30).await;
        })
        .expect("spawn");
        p.close(w2).expect("close");
        let start = p.now();
        let mut fds = [
            vproc_kernel::PollFd::new(r1, PollEvents::POLLIN),
            vproc_kernel::PollFd::new(r2, PollEvents::POLLIN),
        ];
        assert_eq!(
            p.poll(&mut fds, Some(10)).await.expect("poll"),
            0,
            "timeout"
        );
        assert!(p.now() >= start + 10);
        assert_eq!(p.poll(&mut fds, None).await.expect("poll"), 1);
        assert!(p.now() >= start + 30, "woken by the write at 30");
        assert_eq!(fds[0].revents, PollEvents::empty());
        assert_eq!(fds[1].revents, PollEvents::POLLIN);
        // The write end is writable; a closed descriptor is reported as such.
        p.close(r1).expect("close");
        let mut fds = [
            vproc_kernel::PollFd::new(w1, PollEvents::POLLOUT),
            vproc_kernel::PollFd::new(r1, PollEvents::POLLIN),
        ];
        assert_eq!(p.poll(&mut fds, Some(0)).await.expect("poll"), 2);
        assert_eq!(fds[0].revents, PollEvents::POLLOUT | PollEvents::POLLERR);
        assert_eq!(fds[1].revents, PollEvents::POLLNVAL);
        // The writer exits: its end closes, and the reader sees POLLHUP.
        p.waitpid(WaitFor::Any, WaitFlags::empty())
            .await
            .expect("wait");
        let mut buf = [0u8; 1];
        assert_eq!(p.read(r2, &mut buf).await.expect("read"), 1);
        let mut fds = [vproc_kernel::PollFd::new(r2, PollEvents::POLLIN)];
        assert_eq!(p.poll(&mut fds, None).await.expect("poll"), 1);
        assert!(fds[0].revents.contains(PollEvents::POLLHUP));
        p.close(r2).expect("close");
        p.close(w1).expect("close");
    });
}

#[test]
fn a_stop_taken_as_a_read_blocks_does_not_make_it_fail_once_continued() {
    // The stop comes at the scheduling point of the read itself: once continued, the
    // read goes on waiting (no handler ran, so nothing interrupts it) and gets the data.
    let mut kernel = Kernel::new();
    let reader = kernel
        .spawn_fn_child(Command::new("reader").stdin(Stdio::Piped), |p| async move {
            p.kill(p.pid(), Signal::SIGTSTP).expect("kill");
            let mut buf = [0u8; 8];
            let n = p.read(Fd::STDIN, &mut buf).await.expect("read");
            assert_eq!(&buf[..n], b"data");
        })
        .expect("spawn");
    kernel.run_for(10).expect("run");
    let ps = kernel.ps();
    let row = ps.iter().find(|r| r.pid == reader.pid).expect("row");
    assert_eq!(row.state.code(), 'T', "stopped by SIGTSTP");
    kernel.kill(reader.pid, Signal::SIGCONT).expect("kill");
    kernel.run_for(10).expect("run");
    reader
        .stdin
        .as_ref()
        .expect("piped")
        .try_write(bytes::Bytes::from_static(b"data"))
        .expect("write");
    drop(reader.stdin);
    assert_eq!(kernel.run().expect("run"), Stop::AllExited);
    assert_eq!(
        kernel.exit_status(reader.pid).expect("status"),
        Some(ExitStatus::Exited(0))
    );
}

#[test]
fn a_child_starts_with_ignored_signals_ignored_unless_asked_to_reset_them() {
    let mut kernel = Kernel::new();
    run_main(&mut kernel, |p| async move {
        p.signal(Signal::SIGINT, Disposition::Ignore)
            .expect("ignore");
        p.signal(Signal::SIGQUIT, Disposition::Ignore)
            .expect("ignore");
        let inherits = p
            .spawn_fn(Command::new("inherits"), |c| async move {
                c.raise(Signal::SIGINT).await.expect("raise");
            })
            .expect("spawn");
        let reset = vproc_kernel::SigSet::of(Signal::SIGINT);
        let resets = p
            .spawn_fn(
                Command::new("resets").signal_default(reset),
                |c| async move {
                    assert!(matches!(
                        c.sigaction_of(Signal::SIGQUIT).disposition,
                        Disposition::Ignore
                    ));
                    c.raise(Signal::SIGINT).await.expect("raise");
                },
            )
            .expect("spawn");
        let status = |pid| p.waitpid(WaitFor::Pid(pid), WaitFlags::empty());
        let first = status(inherits).await.expect("wait").expect("status").1;
        assert_eq!(first, ExitStatus::Exited(0));
        let second = status(resets).await.expect("wait").expect("status").1;
        assert_eq!(
            second,
            ExitStatus::Signaled {
                signal: Signal::SIGINT,
                core_dumped: false
            }
        );
    });
}

/// Spawns "first", then "second", each running `program`, and lets each block in turn:
/// two processes in line for the same pipe.
async fn two_in_line<F, Fut>(p: &Proc, program: F) -> (Pid, Pid)
where
    F: FnOnce(Proc) -> Fut + Clone + 'static,
    Fut: std::future::Future<Output = ()> + 'static,
{
    let first = p.spawn_fn(Command::new("first"), program.clone());
    p.sleep(1).await;
    let second = p.spawn_fn(Command::new("second"), program);
    p.sleep(1).await;
    (first.expect("spawn"), second.expect("spawn"))
}

/// Reads one write of 4 bytes from `r`.
async fn read_four(c: Proc, r: Fd) {
    let mut buf = [0u8; 8];
    assert_eq!(c.read(r, &mut buf).await.expect("read"), 4);
}

#[test]
fn a_stopped_reader_does_not_hold_up_the_readers_behind_it() {
    // As on Linux, a reader stopped while it waits leaves the pipe's queue, and takes its
    // turn again (at the back) once continued: the data goes to the reader that can run.
    let mut kernel = Kernel::new();
    run_main(&mut kernel, |p| async move {
        let (r, w) = p.pipe().expect("pipe");
        let (first, second) = two_in_line(&p, move |c| read_four(c, r)).await;
        p.kill(first, Signal::SIGSTOP).expect("stop");
        p.sleep(1).await;
        p.write(w, b"data").await.expect("write");
        let (pid, status) = p.wait().await.expect("wait");
        assert_eq!(pid, second, "the reader that could run took the data");
        assert_eq!(status, ExitStatus::Exited(0));
        // Continued, the first reader waits again, and gets what comes next.
        p.kill(first, Signal::SIGCONT).expect("continue");
        p.sleep(1).await;
        p.write(w, b"more").await.expect("write");
        assert_eq!(
            p.wait().await.expect("wait"),
            (first, ExitStatus::Exited(0))
        );
        p.close(r).expect("close");
        p.close(w).expect("close");
    });
}

#[test]
fn a_stopped_writer_does_not_hold_up_the_writers_behind_it() {
    let mut kernel = Kernel::new();
    run_main(&mut kernel, |p| async move {
        let (r, w) = p.pipe().expect("pipe");
        let capacity = p.fcntl(w, Fcntl::GetPipeSize).expect("size");
        let capacity = usize::try_from(capacity).expect("a size");
        p.write(w, &vec![0u8; capacity]).await.expect("fill");
        let (first, second) = two_in_line(&p, move |c| async move {
            assert_eq!(c.write(w, b"0123456789").await.expect("write"), 10);
        })
        .await;
        p.kill(first, Signal::SIGSTOP).expect("stop");
        p.sleep(1).await;
        let mut buf = vec![0u8; 100];
        assert_eq!(p.read(r, &mut buf).await.expect("read"), 100);
        let (pid, status) = p.wait().await.expect("wait");
        assert_eq!(pid, second, "the writer that could run wrote");
        assert_eq!(status, ExitStatus::Exited(0));
        p.kill(first, Signal::SIGCONT).expect("continue");
        assert_eq!(
            p.wait().await.expect("wait"),
            (first, ExitStatus::Exited(0))
        );
        p.close(r).expect("close");
        p.close(w).expect("close");
    });
}

#[test]
fn a_reader_stopped_right_after_its_wake_up_passes_the_data_on() {
    // The first reader is woken for the data, and stopped before it could run.
    let mut kernel = Kernel::new();
    run_main(&mut kernel, |p| async move {
        let (r, w) = p.pipe().expect("pipe");
        let (first, second) = two_in_line(&p, move |c| read_four(c, r)).await;
        // The write needs no wait: the kill comes in the same dispatch, after the wake-up.
        assert_eq!(p.write(w, b"data").await.expect("write"), 4);
        p.kill(first, Signal::SIGSTOP).expect("stop");
        assert_eq!(
            p.wait().await.expect("wait"),
            (second, ExitStatus::Exited(0))
        );
        // Killed while stopped, the first reader goes without a trace.
        p.kill(first, Signal::SIGKILL).expect("kill");
        let (pid, status) = p.wait().await.expect("wait");
        assert_eq!(pid, first);
        assert!(matches!(
            status,
            ExitStatus::Signaled {
                signal: Signal::SIGKILL,
                ..
            }
        ));
        p.close(r).expect("close");
        p.close(w).expect("close");
    });
}
