//! Scene: a process catches SIGUSR1 with a handler while it waits in pause(); SIGTERM,
//! left at its default action, ends it.

use std::cell::{Cell, RefCell};
use std::rc::Rc;

use vproc::kernel::{Command, Errno, EventKind, Kernel, ProcState, SigAction, Signal, WaitOn};

use super::SceneResult;
use crate::narrate::{say, show};

pub fn play() -> SceneResult {
    say("`counter` installs a handler for SIGUSR1 that adds one to a count, then waits in");
    say("pause(). `sender` sends it SIGUSR1 three times, sleeping 10 ticks before each, then");
    say("SIGTERM, which `counter` left at its default action (terminate).");
    let mut kernel = Kernel::new();
    let log = Rc::new(RefCell::new(Vec::new()));
    let count = Rc::new(Cell::new(0u32));

    let (lines, total) = (log.clone(), count.clone());
    let counter = kernel.spawn_fn(Command::new("counter"), move |p| async move {
        let (handler_log, handler_count) = (lines.clone(), total.clone());
        p.sigaction(
            Signal::SIGUSR1,
            SigAction::handler(move |p, signal| {
                handler_count.set(handler_count.get() + 1);
                handler_log.borrow_mut().push(format!(
                    "tick {:>3}: counter's handler runs for {signal}: count = {}",
                    p.now(),
                    handler_count.get()
                ));
            }),
        )?;
        loop {
            // pause() returns only when a handler has run, with EINTR.
            let Err(err) = p.pause().await else { continue };
            if err.errno() != Errno::EINTR {
                return Err::<(), _>(err);
            }
            lines.borrow_mut().push(format!(
                "tick {:>3}: counter's pause() returns {}; it pauses again",
                p.now(),
                err.errno()
            ));
        }
    })?;

    let sends = log.clone();
    kernel.spawn_fn(Command::new("sender"), move |p| async move {
        for signal in [Signal::SIGUSR1; 3].into_iter().chain([Signal::SIGTERM]) {
            p.sleep(10).await;
            sends.borrow_mut().push(format!(
                "tick {:>3}: sender: kill({counter}, {signal})",
                p.now()
            ));
            p.kill(counter, signal)?;
        }
        Ok::<_, vproc::kernel::Error>(())
    })?;

    // The kernel's own record of each delivery: the waiting process made ready.
    let events = log.clone();
    kernel.subscribe(move |e| {
        if e.pid != counter {
            return;
        }
        match &e.kind {
            EventKind::Transition {
                from: ProcState::Waiting(WaitOn::Signal),
                to,
            } => events.borrow_mut().push(format!(
                "tick {:>3}: event: pid {counter} waiting (signal) -> {to}",
                e.tick
            )),
            EventKind::Exited(status) => events
                .borrow_mut()
                .push(format!("tick {:>3}: event: pid {counter} {status}", e.tick)),
            _ => {}
        }
    });
    kernel.run()?;
    for line in log.borrow().iter() {
        show(line);
    }
    let status = kernel.exit_status(counter)?.ok_or("counter did not end")?;
    say(&format!(
        "The handler ran {} times, each in counter's own context before its pause()",
        count.get()
    ));
    say(&format!(
        "returned EINTR. Then SIGTERM: counter {status} (shell status {}).",
        status.shell_code()
    ));
    Ok(())
}
