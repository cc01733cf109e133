//! A process's signal state: pending and blocked sets, dispositions, and what an
//! interrupted call or a waiting parent needs to know.

use std::rc::Rc;

use vproc_ipc::{SigSet, Signal};

use super::SigActions;

/// A change of a child that `waitpid` reports with `UNTRACED` or `CONTINUED`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum ChildReport {
    /// Stopped by this signal.
    Stopped(Signal),
    /// Continued by SIGCONT.
    Continued,
}

/// Signal state of one process.
#[derive(Clone)]
pub(crate) struct SigState {
    /// Generated, not yet delivered (standard signals: one instance each).
    pub pending: SigSet,
    /// Blocked (`sigprocmask`).
    pub blocked: SigSet,
    /// Dispositions, shared until changed.
    pub actions: Rc<SigActions>,
    /// A handler ran (the first since the process's current call began sets it): the
    /// blocking call it is in is interrupted. `Some` of whether the call should restart
    /// (that handler's `SA_RESTART`). A stop and continue alone set nothing: the call
    /// goes on.
    pub interrupt: Option<bool>,
    /// The mask `sigsuspend` replaced, to restore when it returns.
    pub saved_mask: Option<SigSet>,
    /// A stop or continue not yet reported to a waiting parent.
    pub report: Option<ChildReport>,
    /// The number of the armed `alarm` (its low 32 bits, never 0), or 0.
    pub alarm: u32,
    /// The tick the armed alarm fires at.
    pub alarm_at: u64,
}

impl SigState {
    /// Nothing pending or blocked, with `actions` (the kernel's shared defaults: making a
    /// table of 32 actions per process would cost an allocation a spawn).
    pub(crate) fn new(actions: Rc<SigActions>) -> SigState {
        SigState {
            pending: SigSet::empty(),
            blocked: SigSet::empty(),
            actions,
            interrupt: None,
            saved_mask: None,
            report: None,
            alarm: 0,
            alarm_at: 0,
        }
    }

    /// The dispositions a spawned child of this process starts with: the ignored
    /// signals (handlers reset, as by `exec`), but the signals of `reset` at their default
    /// actions. With its mask, `blocked`, they make its state ([`start`](SigState::start)).
    #[inline]
    pub(crate) fn child_actions(&self, defaults: &Rc<SigActions>, reset: SigSet) -> Rc<SigActions> {
        // The shared defaults (most processes) are checked by address first.
        if Rc::ptr_eq(&self.actions, defaults) {
            return defaults.clone();
        }
        self.own_child_actions(defaults, reset)
    }

    #[cold]
    fn own_child_actions(&self, defaults: &Rc<SigActions>, reset: SigSet) -> Rc<SigActions> {
        if self.actions.all_default() {
            return defaults.clone();
        }
        let mut actions = self.actions.for_child();
        for signal in reset.signals().filter(|s| s.is_catchable()) {
            actions.set(signal, super::SigAction::default());
        }
        if actions.all_default() {
            defaults.clone()
        } else {
            Rc::new(actions)
        }
    }

    /// Makes this the state of a new process: `blocked` and `actions`, nothing pending,
    /// nothing to report. In place (a slot's state is not built elsewhere and copied).
    #[inline]
    pub(crate) fn start(&mut self, blocked: SigSet, actions: Rc<SigActions>) {
        *self = SigState {
            blocked,
            ..SigState::new(actions)
        };
    }

    /// Signals that can be delivered now: pending and not blocked (SIGKILL and SIGSTOP
    /// cannot be blocked).
    #[inline]
    pub(crate) fn deliverable(&self) -> SigSet {
        let unblockable = SigSet::of(Signal::SIGKILL) | SigSet::of(Signal::SIGSTOP);
        self.pending & !(self.blocked - unblockable)
    }
}
