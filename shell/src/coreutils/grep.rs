//! `grep [-vnic] PATTERN [FILE]...`: lines that contain a fixed string.

use vproc_kernel::{Error, Proc};

use super::io::{
    Lines, Out, close_input, finish, flags, open_input, operands_or_stdin, usage, warn_file,
};

/// The `grep` program. The pattern is a fixed string (no regular expressions yet).
pub(crate) async fn main(p: Proc) -> i32 {
    let result = run(&p).await;
    finish(&p, "grep", result).await
}

async fn run(p: &Proc) -> Result<i32, Error> {
    let (flags, mut operands) = match flags(p.args(), "vnicF") {
        Ok(parsed) => parsed,
        Err(message) => return Ok(usage(p, "grep", &message, 2).await),
    };
    if operands.is_empty() {
        let message = "usage: grep [-vnic] PATTERN [FILE]...";
        return Ok(usage(p, "grep", message, 2).await);
    }
    let (invert, numbers, fold, count) = (
        flags.contains('v'),
        flags.contains('n'),
        flags.contains('i'),
        flags.contains('c'),
    );
    let pattern = operands.remove(0);
    let pattern = if fold {
        pattern.to_lowercase()
    } else {
        pattern
    };
    let named = operands.len() > 1;
    let mut out = Out::default();
    let mut matched = false;
    let mut failed = false;
    for path in operands_or_stdin(operands) {
        let fd = match open_input(p, &path).await {
            Ok(fd) => fd,
            Err(e) => {
                warn_file(p, "grep", &path, &e).await;
                failed = true;
                continue;
            }
        };
        let prefix = if named {
            let name = if path == "-" {
                "(standard input)"
            } else {
                &path
            };
            format!("{name}:")
        } else {
            String::new()
        };
        let mut lines = Lines::new(fd);
        let mut selected = 0u64;
        let mut number = 0u64;
        let read = loop {
            let line = match lines.next(p).await {
                Ok(Some(line)) => line,
                Ok(None) => break Ok(()),
                Err(e) => break Err(e),
            };
            number += 1;
            let text = String::from_utf8_lossy(&line);
            let hit = if fold {
                text.to_lowercase().contains(&pattern)
            } else {
                text.contains(&pattern)
            };
            if hit == invert {
                continue;
            }
            selected += 1;
            if count {
                continue;
            }
            let mut head = prefix.clone();
            if numbers {
                head.push_str(&format!("{number}:"));
            }
            out.put(p, head.as_bytes()).await?;
            out.put(p, &line).await?;
            if !line.ends_with(b"\n") {
                out.put(p, b"\n").await?;
            }
        };
        close_input(p, fd);
        if let Err(e) = read {
            warn_file(p, "grep", &path, &e).await;
            failed = true;
        }
        if count {
            out.put(p, format!("{prefix}{selected}\n").as_bytes())
                .await?;
        }
        matched |= selected > 0;
    }
    out.flush(p).await?;
    Ok(match (failed, matched) {
        (true, _) => 2,
        (false, true) => 0,
        (false, false) => 1,
    })
}
