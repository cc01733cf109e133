//! Scene: `cat /proc/<pid>/status` of a live process, and its descriptors in /proc.

use vproc::kernel::{Command, Fd, Kernel, OpenFlags, Stdio};

use super::SceneResult;
use crate::narrate::{say, show};

pub fn play() -> SceneResult {
    say("/proc is generated from the process table when it is read. `server` waits on a");
    say("pipe; `cat` prints its status file and lists its descriptors:");
    let mut kernel = Kernel::new();
    let server = kernel.spawn_fn_child(
        Command::new("server").arg("--port=80").stdin(Stdio::Piped),
        |p| async move {
            let _log = p
                .open(
                    "/tmp/server.log",
                    OpenFlags::WRONLY | OpenFlags::CREAT,
                    0o644,
                )
                .await?;
            let mut buf = [0u8; 1];
            p.read(Fd::STDIN, &mut buf).await?;
            Ok::<_, vproc::kernel::Error>(())
        },
    )?;
    let pid = server.pid;
    kernel.run_for(5)?;
    let cat = kernel.spawn_fn_child(
        Command::new("cat").stdout(Stdio::Piped),
        move |p| async move {
            let fd = p
                .open(&format!("/proc/{pid}/status"), OpenFlags::RDONLY, 0)
                .await?;
            let status = p.read_to_string(fd).await?;
            let mut out = format!("$ cat /proc/{pid}/status\n{status}");
            out.push_str(&format!("$ ls -l /proc/{pid}/fd\n"));
            for entry in p.readdir(&format!("/proc/{pid}/fd"))? {
                let target = p.readlink(&format!("/proc/{pid}/fd/{}", entry.name))?;
                out.push_str(&format!("{} -> {target}\n", entry.name));
            }
            p.write(Fd::STDOUT, out.as_bytes()).await?;
            Ok::<_, vproc::kernel::Error>(())
        },
    )?;
    kernel.run_for(10)?;
    if let Some(out) = cat.stdout {
        let text = out.try_read(64 * 1024)?;
        show(String::from_utf8_lossy(&text).trim_end());
    }
    drop(server.stdin);
    kernel.run()?;
    let live = kernel.live_objects();
    say(&format!(
        "When they exit, their descriptors close: {} descriptors, {} open files, {} pipes left.",
        live.descriptors, live.open_files, live.pipes
    ));
    Ok(())
}
