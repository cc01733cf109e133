//! Scene: a three-stage pipeline wired as a shell wires one, then a producer and a
//! consumer moving 256 MiB through a pipe, with the throughput.

use std::time::Instant;

use bytes::Bytes;
use vproc::kernel::{Command, Fd, Kernel, OpenFlags, Stdio};

use super::SceneResult;
use crate::narrate::{say, show};

/// 64 KiB writes, 4096 of them.
const CHUNK: usize = 64 * 1024;
const CHUNKS: usize = 4096;

pub fn play() -> SceneResult {
    say("`seq 1 12 | grep 1 | wc -l`, as three processes joined by two pipes: the parent");
    say("makes each pipe, hands its ends to the children as stdin/stdout, closes its copies.");
    let mut kernel = Kernel::new();
    let main = kernel.spawn_fn_child(Command::new("sh").stdout(Stdio::Piped), |p| async move {
        let (r1, w1) = p.pipe2(OpenFlags::CLOEXEC)?;
        let (r2, w2) = p.pipe2(OpenFlags::CLOEXEC)?;
        p.spawn_fn(Command::new("seq").stdout(Stdio::Fd(w1)), |c| async move {
            for n in 1..=12 {
                c.write(Fd::STDOUT, format!("{n}\n").as_bytes()).await?;
            }
            Ok::<_, vproc::kernel::Error>(())
        })?;
        p.spawn_fn(
            Command::new("grep")
                .stdin(Stdio::Fd(r1))
                .stdout(Stdio::Fd(w2)),
            |c| async move {
                let text = c.read_to_string(Fd::STDIN).await?;
                for line in text.lines().filter(|l| l.contains('1')) {
                    c.write(Fd::STDOUT, format!("{line}\n").as_bytes()).await?;
                }
                Ok::<_, vproc::kernel::Error>(())
            },
        )?;
        p.spawn_fn(Command::new("wc").stdin(Stdio::Fd(r2)), |c| async move {
            let text = c.read_to_string(Fd::STDIN).await?;
            let count = format!("{}\n", text.lines().count());
            c.write(Fd::STDOUT, count.as_bytes()).await?;
            Ok::<_, vproc::kernel::Error>(())
        })?;
        for fd in [r1, w1, r2, w2] {
            p.close(fd)?;
        }
        for _ in 0..3 {
            p.wait().await?;
        }
        Ok::<_, vproc::kernel::Error>(())
    })?;
    kernel.run()?;
    let out = main.stdout.map(|r| r.try_read(1024)).transpose()?;
    let out = out.map(|b| String::from_utf8_lossy(&b).trim().to_string());
    show(&format!(
        "$ seq 1 12 | grep 1 | wc -l\n{}",
        out.unwrap_or_default()
    ));
    say("(1, 10, 11 and 12.) wc saw end of file because every write end was closed: the");
    say("pipes were made close-on-exec, so no child kept a stray copy.");

    say("");
    say(&format!(
        "A producer writes {} MiB in 64 KiB writes; a consumer reads it all. The writer",
        (CHUNK * CHUNKS) >> 20
    ));
    say("hands over `Bytes`, which the pipe passes on without copying:");
    for (label, zero_copy) in [("Bytes, no copy", true), ("copied in and out", false)] {
        let (seconds, ticks) = stream(zero_copy)?;
        let gib = (CHUNK * CHUNKS) as f64 / f64::from(1u32 << 30);
        show(&format!(
            "{label:<18} {:>7.1} GiB/s of wall time ({ticks} virtual ticks)",
            gib / seconds
        ));
    }
    say("`cargo bench --bench pipe` sets these beside an OS pipe between two threads.");
    Ok(())
}

/// Streams the data once; returns the wall seconds and the virtual ticks it took.
fn stream(zero_copy: bool) -> Result<(f64, u64), Box<dyn std::error::Error>> {
    let mut kernel = Kernel::new();
    let chunk = Bytes::from(vec![7u8; CHUNK]);
    kernel.spawn_fn(Command::new("pair"), move |p| async move {
        let (r, w) = p.pipe2(OpenFlags::CLOEXEC)?;
        p.spawn_fn(
            Command::new("producer").stdout(Stdio::Fd(w)),
            move |c| async move {
                for _ in 0..CHUNKS {
                    if zero_copy {
                        c.write_bytes(Fd::STDOUT, chunk.clone()).await?;
                    } else {
                        c.write(Fd::STDOUT, &chunk).await?;
                    }
                }
                Ok::<_, vproc::kernel::Error>(())
            },
        )?;
        p.spawn_fn(
            Command::new("consumer").stdin(Stdio::Fd(r)),
            move |c| async move {
                let mut buf = vec![0u8; CHUNK];
                loop {
                    let n = if zero_copy {
                        c.read_bytes(Fd::STDIN, CHUNK).await?.len()
                    } else {
                        c.read(Fd::STDIN, &mut buf).await?
                    };
                    if n == 0 {
                        return Ok::<_, vproc::kernel::Error>(());
                    }
                }
            },
        )?;
        p.close(r)?;
        p.close(w)?;
        Ok::<_, vproc::kernel::Error>(())
    })?;
    let start = Instant::now();
    kernel.run()?;
    Ok((start.elapsed().as_secs_f64(), kernel.now()))
}
