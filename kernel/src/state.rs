//! The process state machine.

use std::fmt;

use crate::Pid;

/// What a waiting process waits for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum WaitOn {
    /// The clock to reach a tick (`sleep`; `ProcInfo::wake_at` says which).
    Sleep,
    /// A child to change state (`wait`, `waitpid`).
    Child(WaitFor),
    /// An object outside the kernel's own calls (a pipe, a queue, any future) to wake it.
    Event,
    /// Data to read from a pipe or FIFO.
    Read,
    /// Room to write into a pipe or FIFO.
    Write,
    /// The other end of a FIFO to be opened.
    Open,
    /// Any of the descriptors given to `poll`, or its timeout.
    Poll,
    /// A signal (`pause`, `sigsuspend`, `sigwait`).
    Signal,
}

/// Which child a `waitpid` is about.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum WaitFor {
    /// Any child (`pid == -1`).
    Any,
    /// This child.
    Pid(Pid),
}

/// The state of a live process.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ProcState {
    /// Runnable, waiting for the CPU.
    Ready,
    /// On the CPU.
    Running,
    /// Blocked in a system call.
    Waiting(WaitOn),
    /// Stopped by a signal until continued.
    Stopped,
    /// Ended; its exit status waits for its parent to reap it.
    Zombie,
}

impl ProcState {
    /// Whether the state machine allows `self → to`.
    ///
    /// Ready → Running (dispatch); Running → Ready (yield, preemption); Running → Waiting
    /// (a blocking call); Waiting → Ready (woken); Ready, Running or Waiting → Stopped;
    /// Stopped → Ready (continued); any live state → Zombie (exit or kill). Creation enters
    /// Ready, and reaping leaves Zombie; nothing else is legal.
    pub fn can_become(self, to: ProcState) -> bool {
        use ProcState::*;
        matches!(
            (self, to),
            (Ready, Running)
                | (Running, Ready)
                | (Running, Waiting(_))
                | (Waiting(_), Ready)
                | (Ready | Running | Waiting(_), Stopped)
                | (Stopped, Ready)
                | (Ready | Running | Waiting(_) | Stopped, Zombie)
        )
    }

    /// The one-letter code `ps` shows: R (ready or running), S (waiting), T (stopped),
    /// Z (zombie).
    pub fn code(self) -> char {
        match self {
            ProcState::Ready | ProcState::Running => 'R',
            ProcState::Waiting(_) => 'S',
            ProcState::Stopped => 'T',
            ProcState::Zombie => 'Z',
        }
    }
}

impl fmt::Display for WaitOn {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            WaitOn::Sleep => f.write_str("sleep"),
            WaitOn::Child(WaitFor::Any) => f.write_str("any child"),
            WaitOn::Child(WaitFor::Pid(pid)) => write!(f, "child {pid}"),
            WaitOn::Event => f.write_str("event"),
            WaitOn::Read => f.write_str("read"),
            WaitOn::Write => f.write_str("write"),
            WaitOn::Open => f.write_str("fifo open"),
            WaitOn::Poll => f.write_str("poll"),
            WaitOn::Signal => f.write_str("signal"),
        }
    }
}

impl fmt::Display for ProcState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ProcState::Ready => f.write_str("ready"),
            ProcState::Running => f.write_str("running"),
            ProcState::Waiting(on) => write!(f, "waiting ({on})"),
            ProcState::Stopped => f.write_str("stopped"),
            ProcState::Zombie => f.write_str("zombie"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ProcState::*;

    const ALL: [ProcState; 5] = [Ready, Running, Waiting(WaitOn::Event), Stopped, Zombie];

    #[test]
    fn a_state_fits_in_a_register() {
        // The scheduler writes states on every switch; keep them one word.
        assert_eq!(std::mem::size_of::<ProcState>(), 8);
    }

    #[test]
    fn zombie_is_final_and_running_needs_ready() {
        for s in ALL {
            assert!(!Zombie.can_become(s), "zombie -> {s}");
            assert_eq!(s.can_become(Running), s == Ready, "{s} -> running");
            assert!(!s.can_become(s), "{s} -> itself");
        }
        assert!(!Waiting(WaitOn::Event).can_become(Waiting(WaitOn::Event)));
        assert!(!Stopped.can_become(Waiting(WaitOn::Event)));
        assert!(Stopped.can_become(Zombie));
    }
}
