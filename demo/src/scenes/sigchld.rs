//! Scene: SIGCHLD wakes a sleeping parent whose handler notes the exit, and the parent
//! reaps the child; then, with SIGCHLD ignored, children are reaped as they exit and no
//! zombie ever appears.

use std::cell::RefCell;
use std::rc::Rc;

use vproc::kernel::{Command, EventKind, Kernel, PsTable, SigAction, Signal, Tick};

use super::SceneResult;
use crate::narrate::{say, show};

/// A log shared by the programs, their handlers and the event subscriber: lines by tick.
type Log = Rc<RefCell<Vec<(Tick, String)>>>;

/// Shows the log in tick order (the subscriber hears of a process's events when its turn
/// on the CPU ends, after the lines the process wrote meanwhile).
fn show_log(log: &Log) {
    let mut lines = log.take();
    lines.sort_by_key(|(tick, _)| *tick);
    for (tick, line) in lines {
        show(&format!("tick {tick:>3}: {line}"));
    }
}

/// Records exits and reaps, as the kernel publishes them.
fn record_exits(kernel: &mut Kernel, log: &Log) {
    let log = log.clone();
    kernel.subscribe(move |e| match &e.kind {
        EventKind::Exited(status) => log
            .borrow_mut()
            .push((e.tick, format!("event: pid {} {status}", e.pid))),
        EventKind::Reaped { by } => log
            .borrow_mut()
            .push((e.tick, format!("event: pid {} reaped by pid {by}", e.pid))),
        _ => {}
    });
}

pub fn play() -> SceneResult {
    say("`server` installs a SIGCHLD handler, starts `job` (40 ticks of work, exit code 7)");
    say("and goes to sleep for 1000 ticks. The child's exit sends it SIGCHLD:");
    let mut kernel = Kernel::new();
    let log: Log = Rc::new(RefCell::new(Vec::new()));
    record_exits(&mut kernel, &log);
    let lines = log.clone();
    kernel.spawn_fn(Command::new("server"), move |p| async move {
        let handler_log = lines.clone();
        p.sigaction(
            Signal::SIGCHLD,
            SigAction::handler(move |p, signal| {
                handler_log
                    .borrow_mut()
                    .push((p.now(), format!("server's handler runs for {signal}")));
            }),
        )?;
        p.spawn_fn(Command::new("job"), |c| async move {
            c.compute(40).await;
            7
        })?;
        let left = p.sleep(1000).await;
        lines.borrow_mut().push((
            p.now(),
            format!("server's sleep(1000) returns early, {left} ticks left"),
        ));
        let (pid, status) = p.wait().await?;
        lines.borrow_mut().push((
            p.now(),
            format!("server: wait() reaps pid {pid}, which {status}"),
        ));
        Ok::<_, vproc::kernel::Error>(())
    })?;
    kernel.run()?;
    show_log(&log);

    say("Now `daemon` sets SIGCHLD to SIG_IGN, starts `task` (exits at once) and sleeps. With");
    say("SIGCHLD ignored the kernel reaps children as they exit, as Linux does:");
    let mut kernel = Kernel::new();
    let log: Log = Rc::new(RefCell::new(Vec::new()));
    record_exits(&mut kernel, &log);
    let lines = log.clone();
    let daemon = kernel.spawn_fn(Command::new("daemon"), move |p| async move {
        p.sigaction(Signal::SIGCHLD, SigAction::ignore())?;
        p.spawn_fn(Command::new("task"), |_| async { 3 })?;
        p.sleep(100).await;
        let waited = match p.wait().await {
            Ok((pid, status)) => format!("pid {pid} {status}"),
            Err(e) => e.errno().to_string(),
        };
        lines
            .borrow_mut()
            .push((p.now(), format!("daemon: wait() -> {waited}")));
        Ok::<_, vproc::kernel::Error>(())
    })?;
    kernel.run_for(50)?;
    say("At tick 50 there is no zombie in the table:");
    show(&PsTable(&kernel.ps()).to_string());
    kernel.run()?;
    say("The events: `task` was reaped the tick it exited, and daemon's wait() finds no child:");
    show_log(&log);
    say(&format!(
        "daemon {}.",
        kernel.exit_status(daemon)?.ok_or("daemon did not end")?
    ));

    say("The host can say the same of a child it starts: `Command::unwaited()` leaves no");
    say("status behind for the host to collect, and the pid is free as the child exits:");
    let fire = kernel.spawn_fn(Command::new("fire-and-forget").unwaited(), |p| async move {
        p.compute(5).await;
    })?;
    kernel.run()?;
    let errno = match kernel.exit_status(fire) {
        Err(e) => e.errno(),
        Ok(status) => return Err(format!("an unwaited child left a status: {status:?}").into()),
    };
    say(&format!("exit_status({fire}) -> {errno}"));
    say(&format!(
        "statuses left for the host: {}.",
        kernel.live_objects().uncollected_exits
    ));
    Ok(())
}
