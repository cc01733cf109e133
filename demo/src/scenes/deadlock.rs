//! Scene: processes that can never run again; `run` says so instead of hanging.

use vproc::kernel::{Command, Kernel, Proc, Signal, Stop};

use super::SceneResult;
use crate::narrate::{say, show};

async fn daemon(p: Proc) {
    loop {
        p.sleep(100).await;
    }
}

pub fn play() -> SceneResult {
    say("`client` waits for its child `server`, which waits for a request nobody will send;");
    say("`daemon` was stopped with SIGSTOP and nobody will continue it. When nothing can");
    say("ever run again, run() returns a report instead of hanging:");
    let mut kernel = Kernel::new();
    kernel.spawn_fn(Command::new("client"), |p| async move {
        p.spawn_fn(Command::new("server"), |_| std::future::pending::<()>())?;
        p.wait().await?;
        Ok::<_, vproc::kernel::Error>(())
    })?;
    let daemon = kernel.spawn_fn(Command::new("daemon"), daemon)?;
    kernel.run_for(10)?;
    kernel.kill(daemon, Signal::SIGSTOP)?;
    match kernel.run()? {
        Stop::Deadlock(report) => show(&report.to_string()),
        other => say(&format!("(unexpected: {other:?})")),
    }
    say("The kernel is still usable: SIGKILL to each ends the scene.");
    for info in kernel.ps().into_iter().filter(|p| p.pid.as_u32() > 1) {
        kernel.kill(info.pid, Signal::SIGKILL)?;
    }
    say(&format!("run() now returns {:?}.", kernel.run()?));
    Ok(())
}
