//! Snapshots of the process table, and the two ways `ps` prints them.

use std::collections::{HashMap, HashSet};
use std::fmt::{self, Write as _};

use vproc_sched::Tick;

use crate::core::Core;
use crate::process::NIL;
use crate::{ExitStatus, Pid, ProcState, TtyId, WaitOn};

/// One process in a snapshot of the table.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct ProcInfo {
    /// Its id.
    pub pid: Pid,
    /// Its parent's id (0 for init).
    pub ppid: Pid,
    /// Its process group.
    pub pgid: Pid,
    /// Its session.
    pub sid: Pid,
    /// Its session's controlling terminal, if it has one.
    pub tty: Option<TtyId>,
    /// Whether its group is the foreground group of that terminal (`+` in `ps`'s state,
    /// as on Linux).
    pub foreground: bool,
    /// Program name.
    pub name: String,
    /// Arguments after the name.
    pub args: Vec<String>,
    /// State, with what it waits on.
    pub state: ProcState,
    /// For a sleeping process, the tick it wakes at.
    pub wake_at: Option<Tick>,
    /// Nice value.
    pub nice: i8,
    /// Tick it was created.
    pub created: Tick,
    /// Tick it first ran.
    pub started: Option<Tick>,
    /// Ticks computing.
    pub user: Tick,
    /// Ticks in system calls.
    pub system: Tick,
    /// Times it gave the CPU away (blocked or yielded).
    pub voluntary_switches: u64,
    /// Times it was preempted.
    pub involuntary_switches: u64,
    /// Exit status, for a zombie.
    pub status: Option<ExitStatus>,
}

pub(crate) fn snapshot(core: &Core) -> Vec<ProcInfo> {
    let mut list: Vec<ProcInfo> = core
        .table
        .iter()
        .map(|(slot, p)| {
            let tty = core.ctty(slot);
            ProcInfo {
                pid: p.pid,
                ppid: if p.parent == NIL {
                    Pid(0)
                } else {
                    core.table.get(p.parent).pid
                },
                pgid: p.pgid,
                sid: p.sid,
                foreground: tty
                    .as_ref()
                    .is_some_and(|t| t.foreground_of(p.sid) == Some(p.pgid)),
                tty: tty.map(|t| t.id()),
                name: p.name.to_string(),
                args: p.args.to_vec(),
                state: p.state,
                wake_at: (p.state == ProcState::Waiting(WaitOn::Sleep)).then_some(p.wake_at),
                nice: p.nice,
                created: p.created,
                started: (p.started != Tick::MAX).then_some(p.started),
                user: p.user,
                system: p.sys,
                voluntary_switches: p.voluntary,
                involuntary_switches: p.involuntary,
                status: p.status.clone(),
            }
        })
        .collect();
    list.sort_by_key(|p| p.pid);
    list
}

impl ProcInfo {
    /// The command line: name and arguments.
    pub fn command_line(&self) -> String {
        std::iter::once(self.name.as_str())
            .chain(self.args.iter().map(String::as_str))
            .collect::<Vec<_>>()
            .join(" ")
    }
}

/// A process list printed as a `ps`-style table.
pub struct PsTable<'a>(pub &'a [ProcInfo]);

impl fmt::Display for PsTable<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "{:>6} {:>6} {:>6} {:>6} {:<8} {:<2} {:>4} {:>8} {:>6} {:>5} {:>5}  {:<24} COMMAND",
            "PID", "PPID", "PGID", "SID", "TTY", "S", "NI", "USER", "SYS", "VCSW", "ICSW", "WCHAN"
        )?;
        for p in self.0 {
            let wchan = match p.state {
                ProcState::Waiting(WaitOn::Sleep) => match p.wake_at {
                    Some(Tick::MAX) => "sleep forever".to_string(),
                    Some(at) => format!("sleep until {at}"),
                    None => "sleep".to_string(),
                },
                ProcState::Waiting(on) => on.to_string(),
                ProcState::Zombie => p
                    .status
                    .as_ref()
                    .map_or_else(String::new, ExitStatus::to_string),
                other => other.to_string(),
            };
            // As Linux's ps: the terminal without /dev/, `?` for none; `+` after the
            // state of a foreground process.
            let tt = p
                .tty
                .map_or_else(|| "?".to_string(), |t| format!("pts/{}", t.0));
            let state = format!("{}{}", p.state.code(), if p.foreground { "+" } else { "" });
            writeln!(
                f,
                "{:>6} {:>6} {:>6} {:>6} {:<8} {:<2} {:>4} {:>8} {:>6} {:>5} {:>5}  {:<24} {}",
                p.pid,
                p.ppid,
                p.pgid,
                p.sid,
                tt,
                state,
                p.nice,
                p.user,
                p.system,
                p.voluntary_switches,
                p.involuntary_switches,
                wchan,
                p.command_line()
            )?;
        }
        Ok(())
    }
}

/// A process list printed as a tree, as `pstree -p` does.
pub struct PsTree<'a>(pub &'a [ProcInfo]);

impl fmt::Display for PsTree<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut children: HashMap<Pid, Vec<&ProcInfo>> = HashMap::new();
        for p in self.0 {
            children.entry(p.ppid).or_default().push(p);
        }
        let pids: HashSet<Pid> = self.0.iter().map(|p| p.pid).collect();
        let mut out = String::new();
        for root in self.0.iter().filter(|p| !pids.contains(&p.ppid)) {
            branch(&mut out, &children, root, "", None);
        }
        f.write_str(&out)
    }
}

/// Writes `p` and, below it, its children; `last` is whether `p` ends its siblings
/// (`None` for a root).
fn branch(
    out: &mut String,
    children: &HashMap<Pid, Vec<&ProcInfo>>,
    p: &ProcInfo,
    prefix: &str,
    last: Option<bool>,
) {
    let (joint, more) = match last {
        None => ("", ""),
        Some(true) => ("└─ ", "   "),
        Some(false) => ("├─ ", "│  "),
    };
    let _ = writeln!(
        out,
        "{prefix}{joint}{}({}) [{}]",
        p.command_line(),
        p.pid,
        p.state.code()
    );
    let inner = format!("{prefix}{more}");
    let kids = children.get(&p.pid).map_or(&[][..], Vec::as_slice);
    for (i, child) in kids.iter().enumerate() {
        branch(out, children, child, &inner, Some(i + 1 == kids.len()));
    }
}
