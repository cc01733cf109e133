//! Scene: a computing process is stopped with SIGSTOP and continued with SIGCONT; its
//! parent's waitpid reports both, as with WUNTRACED and WCONTINUED.

use std::cell::RefCell;
use std::rc::Rc;

use vproc::kernel::{Command, ExitStatus, Kernel, PsTable, Signal, WaitFlags, WaitFor};

use super::SceneResult;
use crate::narrate::{say, show};

pub fn play() -> SceneResult {
    say("`sh` starts `render`, 200 ticks of CPU work, and waits for it with waitpid(UNTRACED");
    say("| CONTINUED), which also reports stops and continues. The host sends SIGSTOP at");
    say("tick 50 and SIGCONT at tick 100.");
    let mut kernel = Kernel::new();
    let reports = Rc::new(RefCell::new(Vec::new()));
    let log = reports.clone();
    kernel.spawn_fn(Command::new("sh"), move |p| async move {
        let render = p.spawn_fn(Command::new("render"), |c| async move {
            c.compute(200).await;
        })?;
        loop {
            let flags = WaitFlags::UNTRACED | WaitFlags::CONTINUED;
            let Some((pid, status)) = p.waitpid(WaitFor::Pid(render), flags).await? else {
                continue;
            };
            log.borrow_mut()
                .push(format!("tick {:>3}: waitpid: pid {pid} {status}", p.now()));
            if !matches!(status, ExitStatus::Stopped(_) | ExitStatus::Continued) {
                return Ok::<_, vproc::kernel::Error>(());
            }
        }
    })?;
    kernel.run_for(50)?;
    let render = kernel
        .ps()
        .into_iter()
        .find(|p| p.name == "render")
        .ok_or("no render")?
        .pid;
    let user_of = |kernel: &Kernel| {
        kernel
            .ps()
            .into_iter()
            .find(|p| p.pid == render)
            .map_or(0, |p| p.user)
    };
    kernel.kill(render, Signal::SIGSTOP)?;
    let user = user_of(&kernel);
    kernel.run_for(50)?;
    say(&format!(
        "At tick {} `render` is stopped (T); its USER time is still the {} ticks it had at",
        kernel.now(),
        user_of(&kernel)
    ));
    say("the stop:");
    assert_eq!(user, user_of(&kernel), "a stopped process computes nothing");
    show(&PsTable(&kernel.ps()).to_string());
    kernel.kill(render, Signal::SIGCONT)?;
    kernel.run_for(20)?;
    say(&format!(
        "SIGCONT at tick 100; at tick {} it is running (R) again, its work going on:",
        kernel.now()
    ));
    show(&PsTable(&kernel.ps()).to_string());
    kernel.run()?;
    say("What `sh` learned from waitpid, each report waking it:");
    for line in reports.borrow().iter() {
        show(line);
    }
    say(&format!(
        "The run ends at tick {}: 200 ticks of work, 50 stopped, and the system calls.",
        kernel.now()
    ));
    Ok(())
}
