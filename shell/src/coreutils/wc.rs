//! `wc [-lwc] [FILE]...`: counts lines, words and bytes.

use vproc_kernel::{Error, Fd, Proc};

use super::io::{Out, close_input, finish, flags, open_input, operands_or_stdin, usage, warn_file};

/// The `wc` program.
pub(crate) async fn main(p: Proc) -> i32 {
    let result = run(&p).await;
    finish(&p, "wc", result).await
}

/// Lines, words, bytes.
#[derive(Clone, Copy, Default)]
struct Counts([u64; 3]);

async fn run(p: &Proc) -> Result<i32, Error> {
    let (flags, operands) = match flags(p.args(), "lwc") {
        Ok(parsed) => parsed,
        Err(message) => return Ok(usage(p, "wc", &message, 1).await),
    };
    // Which of lines, words, bytes to show (all three when none is asked for).
    let mut shown = [
        flags.contains('l'),
        flags.contains('w'),
        flags.contains('c'),
    ];
    if shown == [false; 3] {
        shown = [true; 3];
    }
    let named = !operands.is_empty();
    let inputs = operands_or_stdin(operands);
    let mut rows: Vec<(Counts, Option<String>)> = Vec::new();
    let mut status = 0;
    for path in &inputs {
        match count_file(p, path).await {
            Ok(counts) => rows.push((counts, named.then(|| path.clone()))),
            Err(e) => {
                warn_file(p, "wc", path, &e).await;
                status = 1;
            }
        }
    }
    if rows.len() > 1 {
        let mut total = Counts::default();
        for (counts, _) in &rows {
            for (t, c) in total.0.iter_mut().zip(counts.0) {
                *t += c;
            }
        }
        rows.push((total, Some("total".to_string())));
    }
    // As GNU wc: one number alone is not padded; standard input gets columns of 7; files
    // get columns as wide as the largest number.
    let columns = shown.iter().filter(|s| **s).count();
    let width = if columns == 1 && inputs.len() == 1 {
        1
    } else if inputs.iter().any(|i| i == "-") {
        7
    } else {
        let largest = rows.iter().flat_map(|(c, _)| c.0).max().unwrap_or(0);
        largest.to_string().len()
    };
    let mut out = Out::default();
    for (counts, name) in rows {
        let mut line: Vec<String> = counts
            .0
            .iter()
            .zip(shown)
            .filter(|(_, shown)| *shown)
            .map(|(n, _)| format!("{n:>width$}"))
            .collect();
        line.extend(name);
        out.put(p, format!("{}\n", line.join(" ")).as_bytes())
            .await?;
    }
    out.flush(p).await?;
    Ok(status)
}

async fn count_file(p: &Proc, path: &str) -> Result<Counts, Error> {
    let fd = open_input(p, path).await?;
    let counted = count(p, fd).await;
    close_input(p, fd);
    counted
}

async fn count(p: &Proc, fd: Fd) -> Result<Counts, Error> {
    let mut counts = Counts::default();
    let mut in_word = false;
    loop {
        let data = p.read_bytes(fd, 65536).await?;
        if data.is_empty() {
            return Ok(counts);
        }
        counts.0[2] += data.len() as u64;
        for &b in data.iter() {
            if b == b'\n' {
                counts.0[0] += 1;
            }
            let blank = b.is_ascii_whitespace();
            if !blank && !in_word {
                counts.0[1] += 1;
            }
            in_word = !blank;
        }
    }
}
