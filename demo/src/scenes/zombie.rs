//! Scene: a child exits while its parent is not waiting; it stays a zombie until the
//! parent exits, then init adopts and reaps it.

use std::cell::RefCell;
use std::rc::Rc;

use vproc::kernel::{Command, EventKind, Kernel, PsTable};

use super::SceneResult;
use crate::narrate::{say, show};

pub fn play() -> SceneResult {
    say("`parent` starts `child`, which exits at once; `parent` sleeps and never waits.");
    let mut kernel = Kernel::new();
    let log = Rc::new(RefCell::new(Vec::new()));
    let sink = log.clone();
    kernel.subscribe(move |e| match &e.kind {
        EventKind::Exited(status) => sink
            .borrow_mut()
            .push(format!("tick {:>3}: pid {} {status}", e.tick, e.pid)),
        EventKind::Reparented { to } => sink.borrow_mut().push(format!(
            "tick {:>3}: pid {} adopted by pid {to}",
            e.tick, e.pid
        )),
        EventKind::Reaped { by } => sink.borrow_mut().push(format!(
            "tick {:>3}: pid {} reaped by pid {by}",
            e.tick, e.pid
        )),
        _ => {}
    });
    kernel.spawn_fn(Command::new("parent"), |p| async move {
        p.spawn_fn(Command::new("child"), |_| async { 3 })?;
        p.sleep(100).await;
        Ok::<_, vproc::kernel::Error>(())
    })?;
    kernel.run_for(50)?;
    say("At tick 50 the child is a zombie (Z): it has exited, its status waits for a wait.");
    show(&PsTable(&kernel.ps()).to_string());
    kernel.run()?;
    say("Then the parent exits; init (pid 1) adopts the orphan and reaps it:");
    for line in log.borrow().iter() {
        show(line);
    }
    say(&format!(
        "Left in the table: {} process (init).",
        kernel.live_objects().processes
    ));
    Ok(())
}
