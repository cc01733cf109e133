//! Scene: the process table of a busy kernel, as `ps` and `pstree` show it.

use vproc::kernel::{Command, Kernel, Proc, PsTable, PsTree, Signal};

use super::SceneResult;
use crate::narrate::{say, show};

async fn worker_loop(p: Proc) {
    loop {
        p.compute(25).await;
        p.sleep(10).await;
    }
}

async fn cron(p: Proc) {
    loop {
        p.sleep(60).await;
    }
}

pub fn play() -> SceneResult {
    say("A kernel with a bit of everything, stopped at tick 300: computing, sleeping,");
    say("waiting for children, stopped, and a zombie.");
    let mut kernel = Kernel::new();
    kernel.spawn_fn(Command::new("server").arg("--port=80"), |p| async move {
        for worker in 0..3 {
            p.spawn_fn(
                Command::new("worker")
                    .arg(worker.to_string())
                    .nice(worker * 5),
                worker_loop,
            )?;
        }
        p.spawn_fn(Command::new("logger"), |_| async { 0 })?;
        p.sleep(1000).await;
        Ok::<_, vproc::kernel::Error>(())
    })?;
    let cron = kernel.spawn_fn(Command::new("cron"), cron)?;
    kernel.spawn_fn(Command::new("build").nice(10), |p| async move {
        let child = p.spawn_fn(Command::new("test"), |p| async move {
            p.compute(10_000).await;
        })?;
        p.waitpid(vproc::kernel::WaitFor::Pid(child), Default::default())
            .await?;
        Ok::<_, vproc::kernel::Error>(())
    })?;
    kernel.run_for(150)?;
    kernel.kill(cron, Signal::SIGSTOP)?;
    kernel.run_for(150)?;
    let ps = kernel.ps();
    show(&PsTable(&ps).to_string());
    show(&PsTree(&ps).to_string());
    say("PGID, SID and TTY are the process group, the session and the controlling terminal");
    say("(? for none: these processes were started by the host, in init's group); USER and");
    say("SYS are CPU ticks computing and in system calls; VCSW and ICSW count voluntary and");
    say("involuntary switches.");
    Ok(())
}
