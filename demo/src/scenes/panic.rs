//! Scene: a program panics; its process ends with a crash status and the rest go on.

use std::cell::RefCell;
use std::rc::Rc;

use vproc::kernel::{Command, Kernel, Stop};

use super::SceneResult;
use crate::narrate::say;

pub fn play() -> SceneResult {
    say("`parser` indexes past the end of a vector. The kernel catches the panic: the");
    say("process ends with a crash status carrying the message, its parent is told as for");
    say("any exit, and `ticker` keeps running.");
    let mut kernel = Kernel::new();
    kernel.spawn_fn(Command::new("ticker"), |p| async move {
        for _ in 0..5 {
            p.sleep(10).await;
        }
    })?;
    let seen = Rc::new(RefCell::new(String::new()));
    let report = seen.clone();
    let supervisor = kernel.spawn_fn(Command::new("supervisor"), move |p| async move {
        p.spawn_fn(Command::new("parser"), |p| async move {
            p.compute(5).await;
            let tokens: Vec<u8> = Vec::new();
            let index = p.args().len() + 3;
            tokens[index]
        })?;
        let (pid, status) = p.wait().await?;
        *report.borrow_mut() = format!("its child {pid} {status}");
        Ok::<_, vproc::kernel::Error>(())
    })?;
    // The default panic hook would print the panic as if the demo itself had crashed.
    let hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(|_| {}));
    let stop = kernel.run();
    std::panic::set_hook(hook);
    assert_eq!(stop?, Stop::AllExited);
    say(&format!("supervisor's wait() says: {}.", seen.borrow()));
    say(&format!(
        "supervisor (pid {supervisor}) {}; `ticker` ran on to tick {}.",
        kernel
            .exit_status(supervisor)?
            .map_or("is still running".into(), |s| s.to_string()),
        kernel.now()
    ));
    Ok(())
}
