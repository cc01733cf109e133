//! What the utilities share: buffered output, line input, error messages in coreutils'
//! style, and the ending on a broken pipe.

use vproc_kernel::{Errno, Error, Fd, OpenFlags, Proc, Signal};

/// The status of a process that SIGPIPE killed, as a shell shows it (128 + 13). With no
/// SIGPIPE yet, a utility whose output has no reader left (EPIPE) ends with it, quietly.
pub(crate) fn broken_pipe() -> i32 {
    128 + Signal::SIGPIPE.number()
}

/// How big the output buffer grows before it is written.
const OUT_CHUNK: usize = 8192;

/// Ends a utility: its status, or for an error, the status of a broken pipe (EPIPE on
/// standard output) or 1 with `name: description` on standard error.
pub(crate) async fn finish(p: &Proc, name: &str, result: Result<i32, Error>) -> i32 {
    match result {
        Ok(status) => status,
        Err(e) if e.errno() == Errno::EPIPE => broken_pipe(),
        Err(e) => {
            warn(p, &format!("{name}: {}", e.errno().description())).await;
            1
        }
    }
}

/// Writes `message` and a newline on standard error; a failure to do so is ignored (there
/// is nowhere left to say it).
pub(crate) async fn warn(p: &Proc, message: &str) {
    let _ = p.write(Fd::STDERR, format!("{message}\n").as_bytes()).await;
}

/// `name: path: description`, as coreutils say that a file cannot be used.
pub(crate) async fn warn_file(p: &Proc, name: &str, path: &str, e: &Error) {
    warn(p, &format!("{name}: {path}: {}", e.errno().description())).await;
}

/// Standard output, buffered: written when the buffer fills and on `flush`.
#[derive(Default)]
pub(crate) struct Out {
    buf: Vec<u8>,
}

impl Out {
    /// Adds `data`, writing the buffer out once it is big enough.
    pub async fn put(&mut self, p: &Proc, data: &[u8]) -> Result<(), Error> {
        self.buf.extend_from_slice(data);
        if self.buf.len() >= OUT_CHUNK {
            self.flush(p).await?;
        }
        Ok(())
    }

    /// Writes what is buffered, then lets other processes run: a utility that writes
    /// forever to a file or /dev/null (which never block) must not keep the CPU.
    pub async fn flush(&mut self, p: &Proc) -> Result<(), Error> {
        if !self.buf.is_empty() {
            p.write(Fd::STDOUT, &self.buf).await?;
            self.buf.clear();
            p.yield_now().await;
        }
        Ok(())
    }
}

/// Opens an input operand: `-` is standard input.
pub(crate) async fn open_input(p: &Proc, path: &str) -> Result<Fd, Error> {
    if path == "-" {
        return Ok(Fd::STDIN);
    }
    p.open(path, OpenFlags::RDONLY | OpenFlags::CLOEXEC, 0)
        .await
}

/// Closes what `open_input` opened.
pub(crate) fn close_input(p: &Proc, fd: Fd) {
    if fd != Fd::STDIN {
        let _ = p.close(fd);
    }
}

/// The input operands: standard input when there are none.
pub(crate) fn operands_or_stdin(operands: Vec<String>) -> Vec<String> {
    if operands.is_empty() {
        vec!["-".to_string()]
    } else {
        operands
    }
}

/// Lines read from a descriptor, each with its `\n` (the last one may lack it).
pub(crate) struct Lines {
    fd: Fd,
    buf: Vec<u8>,
    eof: bool,
}

impl Lines {
    /// Lines of `fd`.
    pub fn new(fd: Fd) -> Self {
        Lines {
            fd,
            buf: Vec::new(),
            eof: false,
        }
    }

    /// The next line; `None` at end of input.
    pub async fn next(&mut self, p: &Proc) -> Result<Option<Vec<u8>>, Error> {
        loop {
            if let Some(end) = self.buf.iter().position(|&b| b == b'\n') {
                let rest = self.buf.split_off(end + 1);
                return Ok(Some(std::mem::replace(&mut self.buf, rest)));
            }
            if self.eof {
                return Ok((!self.buf.is_empty()).then(|| std::mem::take(&mut self.buf)));
            }
            let data = p.read_bytes(self.fd, 65536).await?;
            if data.is_empty() {
                self.eof = true;
            }
            self.buf.extend_from_slice(&data);
        }
    }
}

/// Options and operands: `-abc` gives flags a, b, c (each must be in `allowed`); `--`
/// ends options; `-` alone is an operand. The error is a usage message.
pub(crate) fn flags(args: Vec<String>, allowed: &str) -> Result<(String, Vec<String>), String> {
    let mut flags = String::new();
    let mut operands = Vec::new();
    let mut args = args.into_iter();
    while let Some(arg) = args.next() {
        if arg == "--" {
            operands.extend(args);
            break;
        }
        match arg.strip_prefix('-') {
            Some(letters) if !letters.is_empty() => {
                for c in letters.chars() {
                    if !allowed.contains(c) {
                        return Err(format!("invalid option -- '{c}'"));
                    }
                    flags.push(c);
                }
            }
            _ => operands.push(arg),
        }
    }
    Ok((flags, operands))
}

/// Reports a usage error as `name: message` and gives `status` (coreutils use 1 for most
/// utilities, 2 for `ls` and `grep`).
pub(crate) async fn usage(p: &Proc, name: &str, message: &str, status: i32) -> i32 {
    warn(p, &format!("{name}: {message}")).await;
    status
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flags_and_operands() {
        let args = |s: &[&str]| s.iter().map(|a| a.to_string()).collect::<Vec<_>>();
        assert_eq!(
            flags(args(&["-la", "x", "-", "--", "-n"]), "la"),
            Ok(("la".to_string(), args(&["x", "-", "-n"])))
        );
        assert_eq!(
            flags(args(&["-z"]), "la"),
            Err("invalid option -- 'z'".to_string())
        );
    }
}
