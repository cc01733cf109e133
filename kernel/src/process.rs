//! One row of the process table.

use std::borrow::Cow;
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;

use vproc_sched::Tick;

use crate::{ExitStatus, Pid, ProcState, WaitFor};

/// A process's program, as the kernel polls it: it yields the exit code.
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
}

/// A process as the kernel keeps it.
pub(crate) struct Process {
    pub pid: Pid,
    /// Slot of the parent; `NIL` for init.
    pub parent: u32,
    /// Children form a doubly linked list: zombies first, in exit order, then live
    /// children in creation order.
    pub first_child: u32,
    pub last_child: u32,
    /// The last zombie of that list, or `NIL`.
    pub last_zombie: u32,
    pub next_sibling: u32,
    pub prev_sibling: u32,
    pub state: ProcState,
    pub nice: i8,
    /// Spawned by the host (a `Kernel` or `KernelHandle` call): the host collects its
    /// status.
    pub host_child: bool,
    /// Ticks left of the CPU burst in progress.
    pub compute_left: Tick,
    /// The tick a sleeping process wakes at.
    pub wake_at: Tick,
    /// The number of its armed timer, or 0.
    pub timer: u64,
    pub created: Tick,
    /// First dispatch, or `Tick::MAX` before it.
    pub started: Tick,
    /// CPU ticks spent computing (user) and in system calls (system).
    pub user: Tick,
    pub sys: Tick,
    /// CPU ticks of reaped children, with their own reaped children.
    pub child_user: Tick,
    pub child_sys: Tick,
    pub voluntary: u64,
    pub involuntary: u64,
    pub status: Option<ExitStatus>,
    pub name: Cow<'static, str>,
    pub args: Box<[String]>,
    pub env: Rc<Env>,
    pub cwd: Rc<str>,
    pub program: Option<Program>,
}

impl Process {
    pub(crate) fn is_zombie(&self) -> bool {
        self.state == ProcState::Zombie
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn sizes() {
        eprintln!(
            "Process {} Option<Process> {} Command {} ExitStatus {}",
            std::mem::size_of::<super::Process>(),
            std::mem::size_of::<Option<super::Process>>(),
            std::mem::size_of::<crate::Command>(),
            std::mem::size_of::<crate::ExitStatus>()
        );
    }
}
