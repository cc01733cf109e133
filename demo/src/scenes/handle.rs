//! Scene: the kernel runs on its own thread in real time; the main thread spawns,
//! stops, continues and kills through a KernelHandle.

use std::time::Duration;

use vproc::kernel::{Command, Kernel, Proc, ProcState, Signal, Stop};

use super::SceneResult;
use crate::narrate::say;

async fn spinner(p: Proc) {
    loop {
        p.sleep(5).await;
    }
}

pub fn play() -> SceneResult {
    say("A kernel with a real-time clock (1 tick = 1 ms) serves on a thread of its own.");
    say("This thread talks to it through a KernelHandle: spawn, signal, list, wait.");
    let (handles, kernel_thread) = {
        let (tx, rx) = std::sync::mpsc::channel();
        let thread = std::thread::spawn(move || {
            let mut kernel = Kernel::builder()
                .real_time(Duration::from_millis(1))
                .build();
            // The handle is the only way in; `serve` runs until it asks for shutdown.
            let _ = tx.send(kernel.handle());
            kernel.serve()
        });
        (rx.recv()?, thread)
    };
    let sleeper = handles.spawn_fn(Command::new("sleeper"), |p| async move {
        p.sleep(40).await;
    })?;
    let spinner = handles.spawn_fn(Command::new("spinner"), spinner)?;
    say(&format!(
        "spawned sleeper (pid {sleeper}) and spinner (pid {spinner})."
    ));
    handles.kill(spinner, Signal::SIGSTOP)?;
    let state = |pid| {
        handles
            .ps()
            .ok()
            .and_then(|ps| ps.into_iter().find(|p| p.pid == pid).map(|p| p.state))
    };
    say(&format!("after SIGSTOP, spinner is {:?}", state(spinner)));
    handles.kill(spinner, Signal::SIGCONT)?;
    say(&format!("after SIGCONT, spinner is {:?}", state(spinner)));
    let started = std::time::Instant::now();
    let status = handles.wait(sleeper)?;
    say(&format!(
        "wait(sleeper): {status}, after {} ms of real time.",
        started.elapsed().as_millis()
    ));
    handles.kill(spinner, Signal::SIGTERM)?;
    say(&format!(
        "wait(spinner) after SIGTERM: {}",
        handles.wait(spinner)?
    ));
    assert_ne!(state(spinner), Some(ProcState::Running));
    handles.shutdown();
    let stop = kernel_thread
        .join()
        .map_err(|_| "the kernel thread panicked")??;
    say(&format!("serve() returned {stop:?}."));
    assert_eq!(stop, Stop::Shutdown);
    Ok(())
}
