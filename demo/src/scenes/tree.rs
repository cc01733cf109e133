//! Scene: a shell starts a build, which starts compilers and a linker.

use vproc::kernel::{Command, Kernel, Proc, PsTree, Stop};

use super::SceneResult;
use crate::narrate::{say, show};

async fn make(p: Proc) -> Result<(), vproc::kernel::Error> {
    let mut compilers = Vec::new();
    for file in p.args() {
        compilers.push(p.spawn(Command::new("cc").arg(file))?);
    }
    for _ in &compilers {
        p.wait().await?;
    }
    let linker = p.spawn(Command::new("ld").arg("-o").arg("app"))?;
    p.waitpid(vproc::kernel::WaitFor::Pid(linker), Default::default())
        .await?;
    Ok(())
}

async fn cc(p: Proc) {
    let work = 40 * p.args().first().map_or(1, |f| f.len() as u64);
    p.compute(work).await;
}

async fn ld(p: Proc) {
    p.sleep(30).await;
    p.compute(50).await;
}

pub fn play() -> SceneResult {
    say("Programs are async functions registered by name; a Command starts one, as");
    say("posix_spawn does. `sh` starts `make`, which starts one `cc` per file, waits for");
    say("them, then starts `ld`.");
    let mut kernel = Kernel::new();
    kernel.register("make", make);
    kernel.register("cc", cc);
    kernel.register("ld", ld);
    kernel.register("sh", |p: Proc| async move {
        let make = p.spawn(Command::new("make").args(["main.c", "lexer.c", "io.c"]))?;
        p.waitpid(vproc::kernel::WaitFor::Pid(make), Default::default())
            .await?;
        Ok::<_, vproc::kernel::Error>(())
    });
    let sh = kernel.spawn(Command::new("sh"))?;
    kernel.run_for(25)?;
    say(&format!(
        "At tick {}, the tree (pstree -p style):",
        kernel.now()
    ));
    show(&PsTree(&kernel.ps()).to_string());
    let stop = kernel.run()?;
    let status = kernel.exit_status(sh)?.ok_or("sh did not finish")?;
    say(&format!(
        "At tick {} the run ends ({stop:?}); sh {status}.",
        kernel.now()
    ));
    assert_eq!(stop, Stop::AllExited);
    Ok(())
}
