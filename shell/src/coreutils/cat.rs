//! `cat [FILE]...`: copies files (standard input for none or `-`) to standard output.

use vproc_kernel::{Error, Fd, Proc};

use super::io::{close_input, finish, flags, open_input, operands_or_stdin, usage, warn_file};

/// The `cat` program.
pub(crate) async fn main(p: Proc) -> i32 {
    let result = run(&p).await;
    finish(&p, "cat", result).await
}

async fn run(p: &Proc) -> Result<i32, Error> {
    let operands = match flags(p.args(), "u") {
        Ok((_, operands)) => operands,
        Err(message) => return Ok(usage(p, "cat", &message, 1).await),
    };
    let mut status = 0;
    for path in operands_or_stdin(operands) {
        let fd = match open_input(p, &path).await {
            Ok(fd) => fd,
            Err(e) => {
                warn_file(p, "cat", &path, &e).await;
                status = 1;
                continue;
            }
        };
        let copied = copy(p, fd).await;
        close_input(p, fd);
        match copied {
            Ok(()) => {}
            Err(Failed::Write(e)) => return Err(e),
            Err(Failed::Read(e)) => {
                warn_file(p, "cat", &path, &e).await;
                status = 1;
            }
        }
    }
    Ok(status)
}

enum Failed {
    Read(Error),
    Write(Error),
}

/// Copies `fd` to standard output, passing the bytes on as read (no copy through a pipe).
async fn copy(p: &Proc, fd: Fd) -> Result<(), Failed> {
    loop {
        let data = p.read_bytes(fd, 65536).await.map_err(Failed::Read)?;
        if data.is_empty() {
            return Ok(());
        }
        p.write_bytes(Fd::STDOUT, data)
            .await
            .map_err(Failed::Write)?;
        // Files and devices never block: let others run between chunks.
        p.yield_now().await;
    }
}
