//! Signals: dispositions (`sigaction`), the per-process state (pending, blocked), and
//! the kernel's generation and delivery of them.

mod action;
mod alarm;
mod deliver;
mod state;

pub(crate) use action::SigActions;
pub use action::{Disposition, SaFlags, SigAction, SigHandler};
pub(crate) use deliver::Delivery;
pub(crate) use state::{ChildReport, SigState};

use vproc_ipc::{SigSet, Signal};

/// SIGSTOP, SIGTSTP, SIGTTIN and SIGTTOU: the signals whose default action stops.
#[inline]
pub(crate) fn stop_signals() -> SigSet {
    [
        Signal::SIGSTOP,
        Signal::SIGTSTP,
        Signal::SIGTTIN,
        Signal::SIGTTOU,
    ]
    .into_iter()
    .collect()
}
