//! `ls [-la] [FILE]...`: lists directories, one name a line.

use vproc_kernel::{Error, FileType, Proc, Stat};

use super::io::{Out, finish, flags, usage, warn};

/// The `ls` program. Output is one name a line (as for a pipe); `-l` shows the mode,
/// link count and size (there are no owners or times yet); `-a` shows hidden entries
/// and `.` and `..`.
pub(crate) async fn main(p: Proc) -> i32 {
    let result = run(&p).await;
    finish(&p, "ls", result).await
}

async fn run(p: &Proc) -> Result<i32, Error> {
    let (flags, operands) = match flags(p.args(), "la1") {
        Ok(parsed) => parsed,
        Err(message) => return Ok(usage(p, "ls", &message, 2).await),
    };
    let long = flags.contains('l');
    let all = flags.contains('a');
    let operands = if operands.is_empty() {
        vec![".".to_string()]
    } else {
        operands
    };
    let mut out = Out::default();
    let mut status = 0;
    // As ls: files first, then each directory under a heading when there are several.
    let mut files = Vec::new();
    let mut dirs = Vec::new();
    for path in &operands {
        match p.stat(path) {
            Ok(stat) if stat.kind == FileType::Directory => dirs.push(path.clone()),
            Ok(_) => files.push(path.clone()),
            Err(e) => {
                let why = e.errno().description();
                warn(p, &format!("ls: cannot access '{path}': {why}")).await;
                status = 2;
            }
        }
    }
    let entries: Vec<Entry> = files.iter().map(|f| entry(p, f, f.clone())).collect();
    print(p, &mut out, &entries, long).await?;
    let headings = operands.len() > 1;
    for (n, dir) in dirs.iter().enumerate() {
        if headings {
            let gap = if n > 0 || !files.is_empty() { "\n" } else { "" };
            out.put(p, format!("{gap}{dir}:\n").as_bytes()).await?;
        }
        let listing = match p.readdir(dir) {
            Ok(listing) => listing,
            Err(e) => {
                let why = e.errno().description();
                out.flush(p).await?;
                warn(p, &format!("ls: cannot open directory '{dir}': {why}")).await;
                status = 2;
                continue;
            }
        };
        let mut names: Vec<String> = if all {
            vec![".".into(), "..".into()]
        } else {
            Vec::new()
        };
        names.extend(
            listing
                .into_iter()
                .map(|e| e.name)
                .filter(|name| all || !name.starts_with('.')),
        );
        let entries: Vec<Entry> = names
            .into_iter()
            .map(|name| entry(p, &join(dir, &name), name))
            .collect();
        print(p, &mut out, &entries, long).await?;
    }
    out.flush(p).await?;
    Ok(status)
}

/// A name to show, and what `lstat` says of it (for `-l`).
struct Entry {
    name: String,
    stat: Option<Stat>,
    target: Option<String>,
}

fn entry(p: &Proc, path: &str, name: String) -> Entry {
    let stat = p.lstat(path).ok();
    let target = stat
        .filter(|s| s.kind == FileType::Symlink)
        .and_then(|_| p.readlink(path).ok());
    Entry { name, stat, target }
}

async fn print(p: &Proc, out: &mut Out, entries: &[Entry], long: bool) -> Result<(), Error> {
    if !long {
        for e in entries {
            out.put(p, format!("{}\n", e.name).as_bytes()).await?;
        }
        return Ok(());
    }
    let width = |f: fn(&Stat) -> u64| {
        entries
            .iter()
            .filter_map(|e| e.stat.as_ref().map(|s| f(s).to_string().len()))
            .max()
            .unwrap_or(1)
    };
    let (links, size) = (width(|s| s.nlink), width(|s| s.size));
    for e in entries {
        let line = match &e.stat {
            Some(s) => {
                let arrow = e
                    .target
                    .as_ref()
                    .map_or_else(String::new, |t| format!(" -> {t}"));
                format!(
                    "{} {:>links$} {:>size$} {}{arrow}\n",
                    mode_string(s),
                    s.nlink,
                    s.size,
                    e.name
                )
            }
            None => format!("?????????? {:>links$} {:>size$} {}\n", "?", "?", e.name),
        };
        out.put(p, line.as_bytes()).await?;
    }
    Ok(())
}

/// `drwxr-xr-x`, as ls shows a mode (with `s`/`S` for set-id bits, `t`/`T` sticky).
pub(crate) fn mode_string(stat: &Stat) -> String {
    let kind = match stat.kind {
        FileType::Regular => '-',
        FileType::Directory => 'd',
        FileType::Fifo => 'p',
        FileType::Symlink => 'l',
        FileType::CharDevice => 'c',
    };
    let m = stat.mode;
    let bit = |mask: u32, c: char| if m & mask != 0 { c } else { '-' };
    let special = |exec: u32, special: u32, on: char| match (m & exec != 0, m & special != 0) {
        (true, true) => on,
        (false, true) => on.to_ascii_uppercase(),
        (true, false) => 'x',
        (false, false) => '-',
    };
    [
        kind,
        bit(0o400, 'r'),
        bit(0o200, 'w'),
        special(0o100, 0o4000, 's'),
        bit(0o040, 'r'),
        bit(0o020, 'w'),
        special(0o010, 0o2000, 's'),
        bit(0o004, 'r'),
        bit(0o002, 'w'),
        special(0o001, 0o1000, 't'),
    ]
    .iter()
    .collect()
}

/// `dir/name`, without doubling a `/`.
pub(crate) fn join(dir: &str, name: &str) -> String {
    if dir.ends_with('/') {
        format!("{dir}{name}")
    } else {
        format!("{dir}/{name}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn modes_as_ls_shows_them() {
        let stat = |kind, mode| Stat {
            kind,
            mode,
            size: 0,
            nlink: 1,
            ino: 1,
            dev: 1,
        };
        assert_eq!(mode_string(&stat(FileType::Directory, 0o755)), "drwxr-xr-x");
        assert_eq!(
            mode_string(&stat(FileType::Directory, 0o1777)),
            "drwxrwxrwt"
        );
        assert_eq!(mode_string(&stat(FileType::Regular, 0o4644)), "-rwSr--r--");
        assert_eq!(mode_string(&stat(FileType::Fifo, 0o600)), "prw-------");
        assert_eq!(join("/", "a"), "/a");
        assert_eq!(join(".", "a"), "./a");
    }
}
