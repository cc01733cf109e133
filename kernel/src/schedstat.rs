//! Scheduling statistics: where a process's time went, as Linux's
//! /proc/PID/schedstat tells it, and the log of who held the CPU when.

use vproc_sched::Tick;

use crate::Pid;

/// Where a process's time went since it was created.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SchedStat {
    /// The tick it was created.
    pub created: Tick,
    /// The tick it first ran (`None` before it has).
    pub first_run: Option<Tick>,
    /// Ticks on the CPU (user and system).
    pub cpu: Tick,
    /// Ticks ready but not running: waiting for the CPU (Linux's run_delay).
    pub run_delay: Tick,
    /// Ticks blocked: sleeping, or waiting on a child or an event.
    pub blocked: Tick,
}

/// A stretch of time one process held the CPU.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Dispatch {
    /// The process.
    pub pid: Pid,
    /// The tick it was put on the CPU.
    pub start: Tick,
    /// The tick it left.
    pub end: Tick,
}
