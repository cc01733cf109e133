//! /proc, generated from the process table when it is read.
//!
//! `/proc/self` links to the reader's own directory; each process has `status`,
//! `cmdline`, `environ`, `cwd` (a link) and `fd/`, whose entries are links that name what
//! each descriptor holds (`pipe:[id]`, a path) and open that very file when followed,
//! as on Linux. `/proc/mounts` lists the mount table.

use std::fmt::Write as _;
use std::rc::Rc;

use bytes::Bytes;
use vproc_ipc::Errno;

use super::{Backend, DirEntry, FileType, Stat, join};
use crate::core::Core;
use crate::fd::{Fd, OpenFile};
use crate::process::{NIL, Process};
use crate::{Error, Pid, ProcState, SysResult};

/// A place in /proc.
enum Place {
    Root,
    SelfLink,
    Mounts,
    Dir(u32),
    File(u32, ProcFile),
    Cwd(u32),
    FdDir(u32),
    FdLink(u32, Fd),
}

#[derive(Clone, Copy)]
enum ProcFile {
    Status,
    Cmdline,
    Environ,
}

const PROCESS_ENTRIES: [(&str, FileType); 5] = [
    ("cmdline", FileType::Regular),
    ("cwd", FileType::Symlink),
    ("environ", FileType::Regular),
    ("fd", FileType::Directory),
    ("status", FileType::Regular),
];

fn missing(rel: &str) -> Error {
    Error::new(Errno::ENOENT, format!("/proc/{rel} does not exist"))
}

fn parse(core: &Core, rel: &str) -> SysResult<Place> {
    let parts: Vec<&str> = rel.split('/').filter(|p| !p.is_empty()).collect();
    let process = |name: &str| -> SysResult<u32> {
        let pid: u32 = name.parse().map_err(|_| missing(rel))?;
        core.table.slot_of(Pid(pid)).ok_or_else(|| missing(rel))
    };
    Ok(match parts.as_slice() {
        [] => Place::Root,
        ["self"] => Place::SelfLink,
        ["mounts"] => Place::Mounts,
        [pid] => Place::Dir(process(pid)?),
        [pid, "status"] => Place::File(process(pid)?, ProcFile::Status),
        [pid, "cmdline"] => Place::File(process(pid)?, ProcFile::Cmdline),
        [pid, "environ"] => Place::File(process(pid)?, ProcFile::Environ),
        [pid, "cwd"] => Place::Cwd(process(pid)?),
        [pid, "fd"] => Place::FdDir(process(pid)?),
        [pid, "fd", n] => {
            let slot = process(pid)?;
            let fd = Fd(n.parse().map_err(|_| missing(rel))?);
            core.table.get(slot).fds.get(fd).map_err(|_| missing(rel))?;
            Place::FdLink(slot, fd)
        }
        _ => return Err(missing(rel)),
    })
}

fn ino(place: &Place, core: &Core) -> u64 {
    let pid = |slot: u32| u64::from(core.table.get(slot).pid.0) << 16;
    match place {
        Place::Root => 1,
        Place::SelfLink => 2,
        Place::Mounts => 3,
        Place::Dir(s) => pid(*s),
        Place::File(s, f) => pid(*s) + 1 + *f as u64,
        Place::Cwd(s) => pid(*s) + 8,
        Place::FdDir(s) => pid(*s) + 9,
        Place::FdLink(s, fd) => pid(*s) + 16 + u64::from(fd.0),
    }
}

/// The status of a place in /proc.
pub(crate) fn lstat(core: &Core, caller: u32, rel: &str, dev: u64) -> SysResult<Stat> {
    let place = parse(core, rel)?;
    let (kind, mode, size) = match &place {
        Place::Root | Place::Dir(_) | Place::FdDir(_) => (FileType::Directory, 0o555, 0),
        Place::SelfLink | Place::Cwd(_) | Place::FdLink(..) => {
            let size = readlink(core, caller, rel)?.len() as u64;
            let mode = if matches!(place, Place::FdLink(..)) {
                0o700
            } else {
                0o777
            };
            (FileType::Symlink, mode, size)
        }
        Place::Mounts | Place::File(..) => (FileType::Regular, 0o444, 0),
    };
    Ok(Stat {
        kind,
        mode,
        size,
        nlink: if kind == FileType::Directory { 2 } else { 1 },
        ino: ino(&place, core),
        dev,
    })
}

/// The target of a link in /proc.
pub(crate) fn readlink(core: &Core, caller: u32, rel: &str) -> SysResult<String> {
    match parse(core, rel)? {
        Place::SelfLink => Ok(core.table.get(caller).pid.to_string()),
        Place::Cwd(slot) => Ok(core.table.get(slot).cwd.to_string()),
        Place::FdLink(slot, fd) => Ok(core.table.get(slot).fds.get(fd)?.file.describe()),
        _ => Err(Error::new(
            Errno::EINVAL,
            format!("/proc/{rel} is not a symbolic link"),
        )),
    }
}

/// The open file a `/proc/<pid>/fd/N` link names.
pub(crate) fn magic(core: &Core, _caller: u32, rel: &str) -> Option<Rc<OpenFile>> {
    match parse(core, rel).ok()? {
        Place::FdLink(slot, fd) => Some(core.table.get(slot).fds.get(fd).ok()?.file.clone()),
        _ => None,
    }
}

/// The entries of a directory of /proc.
pub(crate) fn readdir(core: &Core, rel: &str) -> SysResult<Vec<DirEntry>> {
    let place = parse(core, rel)?;
    let entry = |name: String, kind: FileType, ino: u64| DirEntry { name, kind, ino };
    match place {
        Place::Root => {
            let mut list = vec![
                entry("mounts".into(), FileType::Regular, 3),
                entry("self".into(), FileType::Symlink, 2),
            ];
            let mut pids: Vec<u32> = core.table.iter().map(|(_, p)| p.pid.0).collect();
            pids.sort_unstable();
            list.extend(
                pids.iter()
                    .map(|pid| entry(pid.to_string(), FileType::Directory, u64::from(*pid) << 16)),
            );
            list.sort_by(|a, b| a.name.cmp(&b.name));
            Ok(list)
        }
        Place::Dir(slot) => {
            let base = ino(&Place::Dir(slot), core);
            Ok(PROCESS_ENTRIES
                .iter()
                .enumerate()
                .map(|(i, (name, kind))| entry(name.to_string(), *kind, base + 1 + i as u64))
                .collect())
        }
        Place::FdDir(slot) => {
            let base = ino(&Place::FdDir(slot), core);
            Ok(core
                .table
                .get(slot)
                .fds
                .iter()
                .map(|(fd, _)| {
                    entry(
                        fd.to_string(),
                        FileType::Symlink,
                        base + 7 + u64::from(fd.0),
                    )
                })
                .collect())
        }
        _ => Err(Error::new(
            Errno::ENOTDIR,
            format!("/proc/{rel} is not a directory"),
        )),
    }
}

/// The text of a file of /proc, as it is now.
pub(crate) fn read(core: &Core, rel: &str) -> SysResult<Bytes> {
    let text = match parse(core, rel)? {
        Place::File(slot, ProcFile::Status) => status(core, core.table.get(slot)),
        Place::File(slot, ProcFile::Cmdline) => {
            let p = core.table.get(slot);
            let mut text = String::new();
            for arg in std::iter::once(p.name.as_ref()).chain(p.args.iter().map(String::as_str)) {
                text.push_str(arg);
                text.push('\0');
            }
            text
        }
        Place::File(slot, ProcFile::Environ) => {
            let mut text = String::new();
            for (k, v) in core.table.get(slot).env.iter() {
                let _ = write!(text, "{k}={v}\0");
            }
            text
        }
        Place::Mounts => {
            let mut text = String::new();
            for mount in core.vfs.mounts() {
                let kind = match &mount.backend {
                    Backend::Fs(fs) => fs.kind(),
                    Backend::Proc => "proc",
                };
                let _ = writeln!(text, "{kind} {} {kind} rw 0 0", join(&mount.at));
            }
            text
        }
        _ => {
            return Err(Error::new(
                Errno::EISDIR,
                format!("/proc/{rel} is not a regular file"),
            ));
        }
    };
    Ok(Bytes::from(text))
}

/// `/proc/<pid>/status`, in Linux's layout.
fn status(core: &Core, p: &Process) -> String {
    let state = match p.state {
        ProcState::Ready | ProcState::Running => "R (running)".to_string(),
        ProcState::Waiting(on) => format!("S (sleeping: {on})"),
        ProcState::Stopped => "T (stopped)".to_string(),
        ProcState::Zombie => "Z (zombie)".to_string(),
    };
    let ppid = if p.parent == NIL {
        0
    } else {
        core.table.get(p.parent).pid.0
    };
    let mut text = String::new();
    let _ = writeln!(text, "Name:\t{}", p.name);
    let _ = writeln!(text, "Umask:\t{:04o}", p.umask);
    let _ = writeln!(text, "State:\t{state}");
    let _ = writeln!(text, "Pid:\t{}", p.pid);
    let _ = writeln!(text, "PPid:\t{ppid}");
    let _ = writeln!(text, "Nice:\t{}", p.nice);
    let _ = writeln!(text, "FDSize:\t{}", p.fds.len());
    let _ = writeln!(text, "Cpus_ticks:\t{} user, {} system", p.user, p.sys);
    let _ = writeln!(text, "voluntary_ctxt_switches:\t{}", p.voluntary);
    let _ = writeln!(text, "nonvoluntary_ctxt_switches:\t{}", p.involuntary);
    text
}
