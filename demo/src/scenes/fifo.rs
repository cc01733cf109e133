//! Scene: two unrelated processes meet at a FIFO; the first to open waits for the other.

use vproc::kernel::{Command, Fd, Kernel, OpenFlags, PsTable, Stdio};

use super::SceneResult;
use crate::narrate::{say, show};

pub fn play() -> SceneResult {
    say("`mkfifo /tmp/chat`; then `listener` and, 30 ticks later, `talker` are started by");
    say("the host: neither is the other's parent, they share only the name.");
    let mut kernel = Kernel::new();
    let setup = kernel.spawn_fn(Command::new("mkfifo"), |p| async move {
        p.mkfifo("/tmp/chat", 0o600)
    })?;
    kernel.run()?;
    kernel.exit_status(setup)?;
    let listener = kernel.spawn_fn_child(
        Command::new("listener").stdout(Stdio::Piped),
        |p| async move {
            let fd = p.open("/tmp/chat", OpenFlags::RDONLY, 0).await?;
            let opened = p.now();
            let text = p.read_to_string(fd).await?;
            let line = format!("tick {opened}: opened; read {:?}\n", text.trim());
            p.write(Fd::STDOUT, line.as_bytes()).await?;
            Ok::<_, vproc::kernel::Error>(())
        },
    )?;
    kernel.spawn_fn_at(30, Command::new("talker"), |p| async move {
        let fd = p.open("/tmp/chat", OpenFlags::WRONLY, 0).await?;
        p.write(fd, b"hello through the fifo\n").await?;
        Ok::<_, vproc::kernel::Error>(())
    })?;
    kernel.run_for(10)?;
    say("At tick 10 the listener waits in open(2) for a writer:");
    show(&PsTable(&kernel.ps()).to_string());
    kernel.run()?;
    if let Some(out) = listener.stdout {
        let text = out.try_read(1024)?;
        say("The talker opens at tick 30; both opens return, and the data passes:");
        show(String::from_utf8_lossy(&text).trim_end());
    }
    Ok(())
}
