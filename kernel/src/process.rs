//! One row of the process table.

use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;

use vproc_sched::Tick;

use crate::fd::FdTable;
use crate::signal::{SigActions, SigState};
use crate::{ExitStatus, Pid, ProcState, WaitFor, WaitOn};

/// A process's program, as the kernel polls it: it yields the exit code.
/// A process's name (its program's): short names, the usual ones, are kept in place,
/// with no allocation to make at a spawn nor to free at the reaping.
pub(crate) type Name = compact_str::CompactString;

pub(crate) type Program = Pin<Box<dyn Future<Output = u8>>>;

/// An environment: variables in the order they were set.
pub(crate) type Env = Vec<(String, String)>;

/// Marks "no slot" in the links between processes.
pub(crate) const NIL: u32 = u32::MAX;

/// What a process asked for in the system call it awaits; the kernel applies it after the
/// poll returns, so every transition happens in one place.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Action {
    /// Nothing: the process awaits an outside object that holds its waker.
    None,
    /// Give the CPU away and stay ready.
    Yield,
    /// Run a CPU burst of this many ticks.
    Compute(Tick),
    /// Sleep until this tick.
    Sleep(Tick),
    /// Block until a child changes state.
    Wait(WaitFor),
    /// End with this code.
    Exit(u8),
    /// Block on an object that holds the process's waker (a pipe, a FIFO).
    Block(WaitOn),
    /// Block in `poll` until a watched object wakes it or this tick comes.
    Poll(Tick),
}

impl Action {
    /// Whether the process blocks in the call (where a signal interrupts it).
    #[inline]
    pub(crate) fn blocks(self) -> bool {
        matches!(
            self,
            Action::None | Action::Sleep(_) | Action::Wait(_) | Action::Block(_) | Action::Poll(_)
        )
    }
}

/// Where the running process leaves its [`Action`] for the kernel: two plain fields, so
/// that the kernel reads back exactly the stores the system call made (an enum written
/// in pieces and read whole would stall the CPU on every switch).
#[derive(Debug, Default)]
pub(crate) struct ActionSlot {
    kind: u8,
    arg: u64,
}

impl ActionSlot {
    #[inline(always)]
    pub(crate) fn set(&mut self, action: Action) {
        let (kind, arg) = match action {
            Action::None => (0, 0),
            Action::Yield => (1, 0),
            Action::Compute(ticks) => (2, ticks),
            Action::Sleep(until) => (3, until),
            Action::Wait(WaitFor::Any) => (4, 0),
            Action::Wait(WaitFor::Pid(pid)) => (5, u64::from(pid.0)),
            Action::Exit(code) => (6, u64::from(code)),
            Action::Block(on) => (7, block_code(on)),
            Action::Poll(until) => (8, until),
        };
        self.kind = kind;
        self.arg = arg;
    }

    #[inline(always)]
    pub(crate) fn take(&mut self) -> Action {
        let kind = std::mem::take(&mut self.kind);
        let arg = self.arg;
        match kind {
            1 => Action::Yield,
            2 => Action::Compute(arg),
            3 => Action::Sleep(arg),
            4 => Action::Wait(WaitFor::Any),
            5 => Action::Wait(WaitFor::Pid(Pid(arg as u32))),
            6 => Action::Exit(arg as u8),
            7 => Action::Block(match arg {
                1 => WaitOn::Read,
                2 => WaitOn::Write,
                3 => WaitOn::Open,
                4 => WaitOn::Signal,
                _ => WaitOn::Event,
            }),
            8 => Action::Poll(arg),
            _ => Action::None,
        }
    }
}

/// The number of a [`WaitOn`] that [`Action::Block`] carries.
fn block_code(on: WaitOn) -> u64 {
    match on {
        WaitOn::Read => 1,
        WaitOn::Write => 2,
        WaitOn::Open => 3,
        WaitOn::Signal => 4,
        _ => 0,
    }
}

/// The bytes at the start of a [`Process`] that hold what a dispatch touches, which the
/// run loop prefetches: its first two cache lines.
pub(crate) const HOT_BYTES: usize = 128;
// The run loop prefetches two lines of an entry.
const _: () = assert!(HOT_BYTES <= 128);

/// A process's working directory, shared by the processes that have the same one.
pub(crate) type Cwd = Rc<String>;

/// A process's arguments after its name, in one pointer; none costs no allocation.
#[derive(Default)]
// The box makes the pointer thin: a `Vec` or a boxed slice would take two or three
// words of the table entry's five lines.
#[allow(clippy::box_collection)]
pub(crate) struct Args(Option<Box<Vec<String>>>);

impl Args {
    pub(crate) fn new(args: Vec<String>) -> Args {
        Args((!args.is_empty()).then(|| Box::new(args)))
    }
}

impl std::ops::Deref for Args {
    type Target = [String];

    fn deref(&self) -> &[String] {
        self.0.as_deref().map_or(&[], Vec::as_slice)
    }
}

/// A process as the kernel keeps it, in five cache lines (aligned to 64 bytes, so each
/// entry of the table starts on a line): the first two hold what a dispatch touches
/// ([`HOT_BYTES`]), with its creation tick for the accounts it reads as it ends; the
/// third what its exit and reaping touch (a child of init is reaped as it exits, so its
/// exit costs one line more than a dispatch); the rest a zombie's status, its
/// surroundings, its name and its signal state, which a dispatch and an exit read only
/// when signals are in use.
#[repr(C, align(64))]
pub(crate) struct Process {
    // Line 0: a dispatch.
    /// Counts the occupants of this slot, so that a `Proc` or a waker of an earlier one
    /// is told apart.
    pub generation: u32,
    pub pid: Pid,
    pub state: ProcState,
    /// Ticks left of the CPU burst in progress.
    pub compute_left: Tick,
    /// The tick it entered its present state.
    pub since: Tick,
    /// First dispatch, or `Tick::MAX` before it.
    pub started: Tick,
    /// CPU ticks spent computing (user) and in system calls (system).
    pub user: Tick,
    pub program: Option<Program>,
    // Line 1: a dispatch.
    /// Ticks it spent ready, waiting for the CPU (Linux's schedstat run_delay).
    pub run_delay: Tick,
    /// Ticks it spent waiting (sleeping, or on a child or an event).
    pub blocked: Tick,
    /// The tick a sleeping process wakes at.
    pub wake_at: Tick,
    pub voluntary: u64,
    pub involuntary: u64,
    pub sys: Tick,
    /// The tick it was created: a process reading its own accounts as it ends (its
    /// `sched_stat`) finds them all in the lines a dispatch fetched.
    pub created: Tick,
    /// The number of its armed timer (its low 32 bits, never 0), or 0.
    pub timer: u32,
    pub nice: i8,
    /// Spawned by the host (a `Kernel` or `KernelHandle` call): the host collects its
    /// status.
    pub host_child: bool,
    // Line 2: an exit and the reaping.
    /// Slot of the parent; `NIL` for init.
    pub parent: u32,
    /// Children form a doubly linked list: zombies first, in exit order, then live
    /// children in creation order.
    pub first_child: u32,
    pub next_sibling: u32,
    pub prev_sibling: u32,
    /// Process group and session.
    pub pgid: Pid,
    pub sid: Pid,
    /// Open descriptors.
    pub fds: FdTable,
    pub args: Args,
    /// CPU ticks of reaped children, with their own reaped children.
    pub child_user: Tick,
    pub child_sys: Tick,
    /// The last of its children, and the last zombie among them (or `NIL`).
    pub last_child: u32,
    pub last_zombie: u32,
    // Line 3: a zombie's status, and its surroundings.
    /// The exit status of a zombie (a child of init, reaped as it exits, never has one).
    pub status: Option<ExitStatus>,
    /// Permission bits removed from the mode of files it creates.
    pub umask: u32,
    pub env: Rc<Env>,
    pub cwd: Cwd,
    // Lines 3 and 4.
    pub name: Name,
    /// Pending and blocked signals, dispositions.
    pub sig: SigState,
}

impl Process {
    /// An empty slot of the table.
    pub(crate) fn vacant(env: Rc<Env>, cwd: Cwd, actions: Rc<SigActions>) -> Process {
        Process {
            pid: Pid(0),
            generation: 0,
            parent: NIL,
            first_child: NIL,
            last_child: NIL,
            last_zombie: NIL,
            next_sibling: NIL,
            prev_sibling: NIL,
            state: ProcState::Zombie,
            nice: 0,
            host_child: false,
            compute_left: 0,
            wake_at: 0,
            timer: 0,
            created: 0,
            since: 0,
            run_delay: 0,
            blocked: 0,
            started: Tick::MAX,
            user: 0,
            sys: 0,
            child_user: 0,
            child_sys: 0,
            voluntary: 0,
            involuntary: 0,
            status: None,
            name: Name::default(),
            args: Args::default(),
            env,
            cwd,
            fds: FdTable::default(),
            umask: 0o022,
            sig: SigState::new(actions),
            pgid: Pid(0),
            sid: Pid(0),
            program: None,
        }
    }

    /// Makes a vacant slot a new process, field by field: writing a whole `Process`
    /// would build it on the stack and copy it, which costs more than the rest of a spawn.
    #[allow(clippy::too_many_arguments)]
    #[inline(always)]
    pub(crate) fn fill(
        &mut self,
        pid: Pid,
        now: Tick,
        state: ProcState,
        nice: i8,
        name: Name,
        args: Vec<String>,
        env: Rc<Env>,
        cwd: Cwd,
    ) {
        self.pid = pid;
        self.parent = NIL;
        self.first_child = NIL;
        self.last_child = NIL;
        self.last_zombie = NIL;
        self.next_sibling = NIL;
        self.prev_sibling = NIL;
        self.state = state;
        self.nice = nice;
        self.host_child = false;
        self.compute_left = 0;
        self.wake_at = 0;
        self.timer = 0;
        self.created = now;
        self.since = now;
        self.run_delay = 0;
        self.blocked = 0;
        self.started = Tick::MAX;
        self.user = 0;
        self.sys = 0;
        self.child_user = 0;
        self.child_sys = 0;
        self.voluntary = 0;
        self.involuntary = 0;
        debug_assert!(self.status.is_none(), "a vacant slot keeps no status");
        self.name = name;
        self.args = Args::new(args);
        self.env = env;
        self.cwd = cwd;
        self.umask = 0o022;
        self.program = None;
    }

    /// Empties the slot; the name, environment and directory stay until the slot is
    /// reused (the name's line is not needed to reap). Its status was taken by the
    /// reaping, if it was ever kept.
    pub(crate) fn clear(&mut self) {
        debug_assert!(self.status.is_none(), "a reaped process keeps no status");
        self.pid = Pid(0);
        self.program = None;
        self.args = Args::default();
    }

    /// Whether the slot holds no process.
    #[inline]
    pub(crate) fn is_vacant(&self) -> bool {
        self.pid.0 == 0
    }

    pub(crate) fn is_zombie(&self) -> bool {
        self.state == ProcState::Zombie
    }

    /// Whether it is a zombie its parent can reap: one whose exit is done (its program
    /// dropped and its descriptors closed), which keeps its status.
    pub(crate) fn is_reapable(&self) -> bool {
        self.is_zombie() && self.status.is_some()
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_fields_a_dispatch_touches_come_first() {
        use std::mem::offset_of;
        assert!(offset_of!(super::Process, host_child) < super::HOT_BYTES);
        assert!(offset_of!(super::Process, program) < super::HOT_BYTES);
        assert!(offset_of!(super::Process, created) < super::HOT_BYTES);
    }

    #[test]
    fn an_entry_is_five_cache_lines() {
        // 320 bytes: the table's share of the memory a sleeping process costs (the
        // kernel promises at most 512 bytes in all), in whole cache lines.
        assert_eq!(std::mem::size_of::<super::Process>(), 320);
        assert_eq!(std::mem::align_of::<super::Process>(), 64);
    }

    #[test]
    fn what_an_exit_touches_lies_in_line_two() {
        use std::mem::{offset_of, size_of};
        use vproc_sched::Tick;
        let line = 2 * 64..3 * 64;
        for (offset, size) in [
            (offset_of!(super::Process, parent), size_of::<u32>()),
            (offset_of!(super::Process, first_child), size_of::<u32>()),
            (offset_of!(super::Process, next_sibling), size_of::<u32>()),
            (offset_of!(super::Process, prev_sibling), size_of::<u32>()),
            (offset_of!(super::Process, pgid), size_of::<crate::Pid>()),
            (offset_of!(super::Process, sid), size_of::<crate::Pid>()),
            (
                offset_of!(super::Process, fds),
                size_of::<crate::fd::FdTable>(),
            ),
            (offset_of!(super::Process, args), size_of::<super::Args>()),
            (offset_of!(super::Process, child_user), size_of::<Tick>()),
            (offset_of!(super::Process, child_sys), size_of::<Tick>()),
        ] {
            assert!(line.contains(&offset), "offset {offset}");
            assert!(line.contains(&(offset + size - 1)), "end of {offset}");
        }
    }
}
