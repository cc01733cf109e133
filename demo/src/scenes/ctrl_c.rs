//! Scene: Ctrl-C on a virtual terminal ends the foreground pipeline; a background job of
//! the same session lives on.

use bytes::Bytes;
use vproc::kernel::{
    Command, Disposition, Errno, Error, ExitStatus, Fd, Kernel, OpenFlags, Pid, Proc, PsTable,
    SigSet, Signal, Stdio, SysResult, WaitFlags, WaitFor,
};

use super::SceneResult;
use crate::narrate::{say, show};

/// The signals a job-control shell ignores for itself and gives back to its jobs.
const JOB_SIGNALS: [Signal; 5] = [
    Signal::SIGINT,
    Signal::SIGQUIT,
    Signal::SIGTSTP,
    Signal::SIGTTIN,
    Signal::SIGTTOU,
];

pub fn play() -> SceneResult {
    say("A shell-like session leader runs on a virtual terminal. It starts a background job");
    say("and a foreground pipeline, each in a process group of its own, and hands the");
    say("terminal to the pipeline with tcsetpgrp:");
    let mut kernel = Kernel::new();
    let tty = kernel.open_tty();
    let sh = kernel.spawn_fn(Command::new("sh").new_session().terminal(tty.id()), shell)?;
    kernel.run_for(200)?;
    let fg = tty
        .foreground()
        .map_or_else(|| "none".to_string(), |pgid| pgid.to_string());
    say(&format!(
        "Tick {}: {} controls session {sh}; its foreground group is {fg}, the pipeline.",
        kernel.now(),
        tty.id()
    ));
    show(&PsTable(&kernel.ps()).to_string());
    say("PGID and SID are each process's group and session, TTY the session's terminal, and");
    say("a + after the state marks the foreground group, as in ps -j.");

    say("The host presses Ctrl-C (TtyHandle::interrupt): SIGINT goes to every process of the");
    say("foreground group, and to no one else.");
    tty.interrupt();
    kernel.run_for(5)?;
    show(&PsTable(&kernel.ps()).to_string());
    say("yes, grep and wc are gone; sleep sleeps on in the background, and sh took the");
    say("terminal back. The job ends and writes from the background (allowed: no TOSTOP).");
    kernel.run()?;
    say("The host's screen, echo included:");
    show(String::from_utf8_lossy(&tty.take_output()).trim_end());
    drop(tty);
    kernel.run()?;
    let live = kernel.live_objects();
    say(&format!(
        "Everyone has exited; {} descriptors, {} open files, {} pipes, {} terminals left.",
        live.descriptors, live.open_files, live.pipes, live.terminals
    ));
    Ok(())
}

/// The session leader: a job in the background, a pipeline in the foreground, as a shell
/// with job control runs `sleep 500 && echo done &` and `yes | grep y | wc -l`.
async fn shell(p: Proc) -> SysResult<()> {
    for signal in JOB_SIGNALS {
        p.signal(signal, Disposition::Ignore)?;
    }
    let defaults: SigSet = JOB_SIGNALS.into_iter().collect();
    let job = move |name: &'static str, group: Pid| {
        Command::new(name)
            .process_group(group)
            .signal_default(defaults)
    };
    say_on(&p, "$ sleep 500 && echo done &\n").await?;
    let sleeper = p.spawn_fn(job("sleep", Pid(0)).arg("500"), |c| async move {
        c.sleep(500).await;
        c.write(Fd::STDOUT, b"done\n").await?;
        Ok::<_, Error>(())
    })?;
    say_on(&p, &format!("[1] {sleeper}\n$ yes | grep y | wc -l\n")).await?;

    let (r1, w1) = p.pipe2(OpenFlags::CLOEXEC)?;
    let (r2, w2) = p.pipe2(OpenFlags::CLOEXEC)?;
    let yes = p.spawn_fn(job("yes", Pid(0)).stdout(Stdio::Fd(w1)), |c| async move {
        let lines = Bytes::from("y\n".repeat(2048));
        while c.write_bytes(Fd::STDOUT, lines.clone()).await.is_ok() {}
    })?;
    let grep = p.spawn_fn(
        job("grep", yes)
            .arg("y")
            .stdin(Stdio::Fd(r1))
            .stdout(Stdio::Fd(w2)),
        grep_y,
    )?;
    let wc = p.spawn_fn(
        job("wc", yes).arg("-l").stdin(Stdio::Fd(r2)),
        |c| async move {
            let text = c.read_to_string(Fd::STDIN).await?;
            let count = format!("{}\n", text.lines().count());
            c.write(Fd::STDOUT, count.as_bytes()).await?;
            Ok::<_, Error>(())
        },
    )?;
    for fd in [r1, w1, r2, w2] {
        p.close(fd)?;
    }
    p.tcsetpgrp(Fd::STDIN, yes).await?;
    let mut last = ExitStatus::Exited(0);
    for pid in [yes, grep, wc] {
        last = status_of(&p, pid).await?;
    }
    p.tcsetpgrp(Fd::STDIN, p.getpgrp()).await?;
    say_on(&p, &format!("\nsh: the pipeline was {last}\n$ wait\n")).await?;
    let done = status_of(&p, sleeper).await?;
    say_on(&p, &format!("[1]+ Done ({done})  sleep 500 && echo done\n")).await
}

/// `grep y`: copies the lines that hold a `y`, a chunk at a time.
async fn grep_y(c: Proc) -> SysResult<()> {
    let mut partial = Vec::new();
    loop {
        let data = c.read_bytes(Fd::STDIN, 4096).await?;
        if data.is_empty() {
            return Ok(());
        }
        partial.extend_from_slice(&data);
        let end = partial
            .iter()
            .rposition(|&b| b == b'\n')
            .map_or(0, |i| i + 1);
        let lines: Vec<u8> = partial[..end]
            .split_inclusive(|&b| b == b'\n')
            .filter(|line| line.contains(&b'y'))
            .flatten()
            .copied()
            .collect();
        partial.drain(..end);
        c.write(Fd::STDOUT, &lines).await?;
    }
}

/// What `waitpid` reports for `pid` (a stop included).
async fn status_of(p: &Proc, pid: Pid) -> SysResult<ExitStatus> {
    match p.waitpid(WaitFor::Pid(pid), WaitFlags::UNTRACED).await? {
        Some((_, status)) => Ok(status),
        None => Err(Error::new(Errno::ECHILD, format!("no status for {pid}"))),
    }
}

/// Writes `text` to the terminal.
async fn say_on(p: &Proc, text: &str) -> SysResult<()> {
    p.write(Fd::STDOUT, text.as_bytes()).await.map(drop)
}
