//! Small utilities: `echo`, `true`, `false`, `seq`, `yes`, `sleep`, `ps`.

use vproc_kernel::{Error, Fd, Proc, PsTable};

use super::io::{Out, finish, usage};

/// What `echo ARG...` prints: the arguments joined by spaces, and a newline unless the
/// first arguments are `-n`.
pub(crate) fn echo_text(args: &[String]) -> String {
    let newline = args.iter().take_while(|a| *a == "-n").count();
    let mut text = args[newline..].join(" ");
    if newline == 0 {
        text.push('\n');
    }
    text
}

/// `echo [-n] ARG...`
pub(crate) async fn echo(p: Proc) -> i32 {
    let text = echo_text(&p.args());
    let result = p.write(Fd::STDOUT, text.as_bytes()).await.map(|_| 0);
    finish(&p, "echo", result).await
}

/// `true`: status 0.
pub(crate) async fn r#true(_: Proc) -> i32 {
    0
}

/// `false`: status 1.
pub(crate) async fn r#false(_: Proc) -> i32 {
    1
}

/// `seq [FIRST [INCREMENT]] LAST`: integers from FIRST (1) by INCREMENT (1) up to LAST.
pub(crate) async fn seq(p: Proc) -> i32 {
    let args = p.args();
    let numbers: Result<Vec<i64>, String> = args
        .iter()
        .map(|a| {
            a.parse::<i64>()
                .map_err(|_| format!("invalid argument: '{a}' (integers only)"))
        })
        .collect();
    let (first, step, last) = match numbers.as_deref() {
        Ok([last]) => (1, 1, *last),
        Ok([first, last]) => (*first, 1, *last),
        Ok([first, step, last]) => (*first, *step, *last),
        Ok(_) => return usage(&p, "seq", "usage: seq [FIRST [INCREMENT]] LAST", 1).await,
        Err(message) => return usage(&p, "seq", message, 1).await,
    };
    if step == 0 {
        return usage(&p, "seq", "invalid Zero increment value: '0'", 1).await;
    }
    let result = async {
        let mut out = Out::default();
        let mut n = first;
        while (step > 0 && n <= last) || (step < 0 && n >= last) {
            out.put(&p, format!("{n}\n").as_bytes()).await?;
            let Some(next) = n.checked_add(step) else {
                break;
            };
            n = next;
        }
        out.flush(&p).await?;
        Ok::<_, Error>(0)
    }
    .await;
    finish(&p, "seq", result).await
}

/// `yes [STRING]`: prints STRING (`y`) forever, until its reader goes away (EPIPE: no
/// SIGPIPE yet, so it stops on the error, with the status SIGPIPE would give).
pub(crate) async fn yes(p: Proc) -> i32 {
    let args = p.args();
    let line = if args.is_empty() {
        "y\n".to_string()
    } else {
        format!("{}\n", args.join(" "))
    };
    let chunk = line.repeat((8192 / line.len()).max(1));
    let result: Result<i32, Error> = async {
        let mut out = Out::default();
        loop {
            out.put(&p, chunk.as_bytes()).await?;
        }
    }
    .await;
    finish(&p, "yes", result).await
}

/// `sleep SECONDS`: waits (fractions allowed: `sleep 0.5`), `SECONDS` times
/// [`TICK`](crate::TICK) per second on the kernel's clock.
pub(crate) async fn sleep(p: Proc) -> i32 {
    let args = p.args();
    let [arg] = args.as_slice() else {
        return usage(&p, "sleep", "usage: sleep SECONDS", 1).await;
    };
    let seconds = arg
        .strip_suffix('s')
        .unwrap_or(arg)
        .parse::<f64>()
        .ok()
        .filter(|s| s.is_finite() && *s >= 0.0);
    let Some(seconds) = seconds else {
        return usage(&p, "sleep", &format!("invalid time interval '{arg}'"), 1).await;
    };
    let ticks = (seconds / crate::TICK.as_secs_f64()).round();
    p.sleep(ticks.min(u64::MAX as f64) as u64).await;
    0
}

/// `ps`: the process table.
pub(crate) async fn ps(p: Proc) -> i32 {
    let table = PsTable(&p.ps()).to_string();
    let result = p.write(Fd::STDOUT, table.as_bytes()).await.map(|_| 0);
    finish(&p, "ps", result).await
}

#[cfg(test)]
mod tests {
    use super::echo_text;

    #[test]
    fn echo_joins_and_ends_lines() {
        let args = |s: &[&str]| s.iter().map(|a| a.to_string()).collect::<Vec<_>>();
        assert_eq!(echo_text(&args(&["a", "b"])), "a b\n");
        assert_eq!(echo_text(&args(&["-n", "a"])), "a");
        assert_eq!(echo_text(&args(&[])), "\n");
    }
}
