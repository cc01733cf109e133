//! `head [-n N] [FILE]...`: the first lines (10 by default) of each input.

use vproc_kernel::{Error, Proc};

use super::io::{Lines, Out, close_input, finish, open_input, operands_or_stdin, usage, warn_file};

/// The `head` program.
pub(crate) async fn main(p: Proc) -> i32 {
    let result = run(&p).await;
    finish(&p, "head", result).await
}

/// The line count and the operands, from `-n N`, `-nN`, `-N` and `--`.
fn parse(args: Vec<String>) -> Result<(usize, Vec<String>), String> {
    let mut lines = 10;
    let mut operands = Vec::new();
    let mut args = args.into_iter();
    let number = |text: &str| {
        text.parse::<usize>()
            .map_err(|_| format!("invalid number of lines: '{text}'"))
    };
    while let Some(arg) = args.next() {
        if arg == "--" {
            operands.extend(args);
            break;
        }
        if arg == "-n" {
            let value = args.next().ok_or("option requires an argument -- 'n'")?;
            lines = number(&value)?;
        } else if let Some(value) = arg.strip_prefix("-n") {
            lines = number(value)?;
        } else if let Some(value) = arg.strip_prefix('-').filter(|v| !v.is_empty()) {
            lines = number(value)?;
        } else {
            operands.push(arg);
        }
    }
    Ok((lines, operands))
}

async fn run(p: &Proc) -> Result<i32, Error> {
    let (count, operands) = match parse(p.args()) {
        Ok(parsed) => parsed,
        Err(message) => return Ok(usage(p, "head", &message, 1).await),
    };
    let headers = operands.len() > 1;
    let mut out = Out::default();
    let mut status = 0;
    for (n, path) in operands_or_stdin(operands).iter().enumerate() {
        let fd = match open_input(p, path).await {
            Ok(fd) => fd,
            Err(e) => {
                warn_file(p, "head", path, &e).await;
                status = 1;
                continue;
            }
        };
        if headers {
            let gap = if n > 0 { "\n" } else { "" };
            let name = if path == "-" { "standard input" } else { path };
            out.put(p, format!("{gap}==> {name} <==\n").as_bytes())
                .await?;
        }
        let mut lines = Lines::new(fd);
        let mut copied = Ok(());
        for _ in 0..count {
            match lines.next(p).await {
                Ok(Some(line)) => out.put(p, &line).await?,
                Ok(None) => break,
                Err(e) => {
                    copied = Err(e);
                    break;
                }
            }
        }
        close_input(p, fd);
        if let Err(e) = copied {
            warn_file(p, "head", path, &e).await;
            status = 1;
        }
    }
    out.flush(p).await?;
    Ok(status)
}

#[cfg(test)]
mod tests {
    use super::parse;

    #[test]
    fn line_counts() {
        let args = |s: &[&str]| s.iter().map(|a| a.to_string()).collect::<Vec<_>>();
        assert_eq!(parse(args(&["-n", "3", "f"])), Ok((3, args(&["f"]))));
        assert_eq!(parse(args(&["-n5"])), Ok((5, vec![])));
        assert_eq!(parse(args(&["-2", "-"])), Ok((2, args(&["-"]))));
        assert_eq!(parse(args(&[])), Ok((10, vec![])));
        assert!(parse(args(&["-n", "x"])).is_err());
        assert!(parse(args(&["-n"])).is_err());
    }
}
