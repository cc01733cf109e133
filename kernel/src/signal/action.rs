//! What a process does with each signal: `sigaction`'s dispositions and flags.

use std::fmt;
use std::rc::Rc;

use bitflags::bitflags;
use vproc_ipc::{SigSet, Signal};

use crate::Proc;

/// A signal handler: Rust code run in the receiving process's context (with its `Proc`)
/// before the process resumes.
pub type SigHandler = Rc<dyn Fn(&Proc, Signal)>;

/// What happens when a signal is delivered.
#[derive(Clone, Default)]
pub enum Disposition {
    /// The signal's default action (signal(7)): terminate, core, stop, continue, ignore.
    #[default]
    Default,
    /// Discard it (`SIG_IGN`).
    Ignore,
    /// Run a handler.
    Handler(SigHandler),
}

impl fmt::Debug for Disposition {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Disposition::Default => f.write_str("Default"),
            Disposition::Ignore => f.write_str("Ignore"),
            Disposition::Handler(_) => f.write_str("Handler"),
        }
    }
}

bitflags! {
    /// `sa_flags` of [`SigAction`], with Linux's values.
    #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
    pub struct SaFlags: u32 {
        /// For SIGCHLD: no signal when a child stops or continues.
        const NOCLDSTOP = 0x1;
        /// For SIGCHLD: children are reaped as they exit (no zombies).
        const NOCLDWAIT = 0x2;
        /// A call the handler interrupted (a read or write on a pipe, `wait`, a FIFO
        /// open) starts again instead of failing with EINTR.
        const RESTART = 0x1000_0000;
        /// Do not block the signal while its handler runs.
        const NODEFER = 0x4000_0000;
        /// Reset the disposition to the default once the handler is called.
        const RESETHAND = 0x8000_0000;
    }
}

/// A signal's disposition with its flags and the signals blocked while its handler runs.
#[derive(Clone, Debug, Default)]
pub struct SigAction {
    /// Default, ignore or a handler.
    pub disposition: Disposition,
    /// Flags.
    pub flags: SaFlags,
    /// Signals blocked, besides the one being handled, while the handler runs.
    pub mask: SigSet,
}

impl SigAction {
    /// Runs `handler` on delivery.
    pub fn handler(handler: impl Fn(&Proc, Signal) + 'static) -> Self {
        SigAction {
            disposition: Disposition::Handler(Rc::new(handler)),
            ..SigAction::default()
        }
    }

    /// Ignores the signal.
    pub fn ignore() -> Self {
        SigAction {
            disposition: Disposition::Ignore,
            ..SigAction::default()
        }
    }

    /// With these flags.
    pub fn flags(mut self, flags: SaFlags) -> Self {
        self.flags = flags;
        self
    }

    /// Blocking these signals while the handler runs.
    pub fn mask(mut self, mask: SigSet) -> Self {
        self.mask = mask;
        self
    }

    /// Whether delivering `signal` under this action ends the process.
    pub(crate) fn kills(&self, signal: Signal) -> bool {
        let default = !signal.is_catchable() || matches!(self.disposition, Disposition::Default);
        default
            && matches!(
                signal.default_action(),
                vproc_ipc::DefaultAction::Terminate | vproc_ipc::DefaultAction::Core
            )
    }

    /// Whether delivering `signal` under this action does nothing at all.
    #[inline]
    pub(crate) fn ignores(&self, signal: Signal) -> bool {
        match self.disposition {
            Disposition::Ignore => true,
            Disposition::Default => matches!(
                signal.default_action(),
                vproc_ipc::DefaultAction::Ignore | vproc_ipc::DefaultAction::Continue
            ),
            Disposition::Handler(_) => false,
        }
    }
}

/// The dispositions of all signals of a process; shared between processes until one
/// changes (most processes keep the defaults).
#[derive(Clone, Debug, Default)]
pub(crate) struct SigActions {
    actions: [SigAction; 32],
}

impl SigActions {
    /// The action of `signal`.
    pub(crate) fn get(&self, signal: Signal) -> &SigAction {
        &self.actions[signal.number() as usize]
    }

    /// Sets the action of `signal`, returning the old one.
    pub(crate) fn set(&mut self, signal: Signal, action: SigAction) -> SigAction {
        std::mem::replace(&mut self.actions[signal.number() as usize], action)
    }

    /// Whether every action is the default one (a child may share the default table).
    pub(crate) fn all_default(&self) -> bool {
        self.actions
            .iter()
            .all(|a| matches!(a.disposition, Disposition::Default) && a.flags.is_empty())
    }

    /// The actions a spawned child starts with, as after `exec`: handlers go back to the
    /// default, ignored signals stay ignored.
    pub(crate) fn for_child(&self) -> SigActions {
        let mut child = SigActions::default();
        for (n, action) in self.actions.iter().enumerate() {
            if matches!(action.disposition, Disposition::Ignore) {
                child.actions[n] = SigAction::ignore();
            }
        }
        child
    }
}
