//! The report `run` gives when no process can ever run again.

use std::fmt;

use vproc_sched::Tick;

use crate::{Pid, ProcState};

/// Processes that are blocked with nothing left that could wake them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DeadlockReport {
    /// The tick it was found.
    pub tick: Tick,
    /// Each blocked process: pid, name, and its state (what it waits on).
    pub blocked: Vec<(Pid, String, ProcState)>,
}

impl fmt::Display for DeadlockReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "deadlock at tick {}: {} process(es) blocked forever",
            self.tick,
            self.blocked.len()
        )?;
        for (pid, name, state) in &self.blocked {
            writeln!(f, "  pid {pid} ({name}): {state}")?;
        }
        Ok(())
    }
}
