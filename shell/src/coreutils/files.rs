//! Utilities that change the tree: `mkdir`, `rmdir`, `rm`, `mv`, `touch`, `mkfifo`.

use std::future::Future;
use std::pin::Pin;

use vproc_kernel::{Errno, Error, FileType, OpenFlags, Proc};

use super::io::{flags, usage, warn};
use super::ls::join;

/// Checks the options; the operands, or the status of a usage error.
async fn operands(p: &Proc, name: &str, allowed: &str) -> Result<(String, Vec<String>), i32> {
    let (flags, operands) = match flags(p.args(), allowed) {
        Ok(parsed) => parsed,
        Err(message) => return Err(usage(p, name, &message, 1).await),
    };
    if operands.is_empty() {
        return Err(usage(p, name, "missing operand", 1).await);
    }
    Ok((flags, operands))
}

/// `name: what 'path': description`, and status 1.
async fn fail(p: &Proc, name: &str, what: &str, path: &str, e: &Error) -> i32 {
    let why = e.errno().description();
    warn(p, &format!("{name}: {what} '{path}': {why}")).await;
    1
}

/// `mkdir [-p] DIR...`: makes directories (`-p`: with their parents, and no error for
/// one that exists).
pub(crate) async fn mkdir(p: Proc) -> i32 {
    let (flags, dirs) = match operands(&p, "mkdir", "p").await {
        Ok(parsed) => parsed,
        Err(status) => return status,
    };
    let mut status = 0;
    for dir in dirs {
        let made = if flags.contains('p') {
            mkdir_parents(&p, &dir)
        } else {
            p.mkdir(&dir, 0o777)
        };
        if let Err(e) = made {
            status = fail(&p, "mkdir", "cannot create directory", &dir, &e).await;
        }
    }
    status
}

fn mkdir_parents(p: &Proc, dir: &str) -> Result<(), Error> {
    let mut path = if dir.starts_with('/') {
        "/".to_string()
    } else {
        String::new()
    };
    for part in dir.split('/').filter(|c| !c.is_empty()) {
        path = if path.is_empty() {
            part.to_string()
        } else {
            join(&path, part)
        };
        match p.mkdir(&path, 0o777) {
            Err(e) if e.errno() == Errno::EEXIST && p.stat(&path)?.kind == FileType::Directory => {}
            other => other?,
        }
    }
    Ok(())
}

/// `rmdir DIR...`: removes empty directories.
pub(crate) async fn rmdir(p: Proc) -> i32 {
    let (_, dirs) = match operands(&p, "rmdir", "").await {
        Ok(parsed) => parsed,
        Err(status) => return status,
    };
    let mut status = 0;
    for dir in dirs {
        if let Err(e) = p.rmdir(&dir) {
            status = fail(&p, "rmdir", "failed to remove", &dir, &e).await;
        }
    }
    status
}

/// `rm [-rf] FILE...`: removes files (`-r`: directories with what they hold; `-f`: no
/// error for what does not exist).
pub(crate) async fn rm(p: Proc) -> i32 {
    let (flags, paths) = match flags(p.args(), "rfR") {
        Ok(parsed) => parsed,
        Err(message) => return usage(&p, "rm", &message, 1).await,
    };
    let recursive = flags.contains('r') || flags.contains('R');
    let force = flags.contains('f');
    if paths.is_empty() && !force {
        return usage(&p, "rm", "missing operand", 1).await;
    }
    let mut status = 0;
    for path in paths {
        let removed = match p.lstat(&path) {
            Ok(s) if s.kind == FileType::Directory && !recursive => {
                Err(Error::new(Errno::EISDIR, "a directory"))
            }
            Ok(s) if s.kind == FileType::Directory => remove_tree(&p, path.clone()).await,
            Ok(_) => p.unlink(&path),
            Err(e) => Err(e),
        };
        match removed {
            Err(e) if force && e.errno() == Errno::ENOENT => {}
            Err(e) => status = fail(&p, "rm", "cannot remove", &path, &e).await,
            Ok(()) => {}
        }
    }
    status
}

/// Removes the directory `dir` and everything under it (links are removed, not followed).
fn remove_tree(p: &Proc, dir: String) -> Pin<Box<dyn Future<Output = Result<(), Error>> + '_>> {
    Box::pin(async move {
        for entry in p.readdir(&dir)? {
            let path = join(&dir, &entry.name);
            if entry.kind == FileType::Directory {
                remove_tree(p, path).await?;
            } else {
                p.unlink(&path)?;
            }
        }
        // A long removal lets others run.
        p.yield_now().await;
        p.rmdir(&dir)
    })
}

/// `mv SOURCE... DEST`: renames; into DEST when it is a directory. Moving across mounts
/// is not supported yet (EXDEV: "Invalid cross-device link").
pub(crate) async fn mv(p: Proc) -> i32 {
    let (_, mut paths) = match operands(&p, "mv", "").await {
        Ok(parsed) => parsed,
        Err(status) => return status,
    };
    let Some(dest) = paths.pop().filter(|_| !paths.is_empty()) else {
        let last = p.args().pop().unwrap_or_default();
        return usage(&p, "mv", &format!("missing destination after '{last}'"), 1).await;
    };
    let into = p.stat(&dest).is_ok_and(|s| s.kind == FileType::Directory);
    if paths.len() > 1 && !into {
        return usage(&p, "mv", &format!("target '{dest}' is not a directory"), 1).await;
    }
    let mut status = 0;
    for source in paths {
        let target = if into {
            let base = source
                .trim_end_matches('/')
                .rsplit('/')
                .next()
                .unwrap_or("");
            join(&dest, base)
        } else {
            dest.clone()
        };
        if let Err(e) = p.rename(&source, &target) {
            let why = e.errno().description();
            warn(
                &p,
                &format!("mv: cannot move '{source}' to '{target}': {why}"),
            )
            .await;
            status = 1;
        }
    }
    status
}

/// `touch FILE...`: creates files that do not exist (files have no times yet, so one
/// that exists is left as it is).
pub(crate) async fn touch(p: Proc) -> i32 {
    let (_, paths) = match operands(&p, "touch", "").await {
        Ok(parsed) => parsed,
        Err(status) => return status,
    };
    let mut status = 0;
    for path in paths {
        let flags = OpenFlags::WRONLY | OpenFlags::CREAT | OpenFlags::CLOEXEC;
        match p.open(&path, flags, 0o666).await {
            Ok(fd) => {
                let _ = p.close(fd);
            }
            Err(e) => status = fail(&p, "touch", "cannot touch", &path, &e).await,
        }
    }
    status
}

/// `mkfifo NAME...`: makes named pipes.
pub(crate) async fn mkfifo(p: Proc) -> i32 {
    let (_, paths) = match operands(&p, "mkfifo", "").await {
        Ok(parsed) => parsed,
        Err(status) => return status,
    };
    let mut status = 0;
    for path in paths {
        if let Err(e) = p.mkfifo(&path, 0o666) {
            status = fail(&p, "mkfifo", "cannot create fifo", &path, &e).await;
        }
    }
    status
}
