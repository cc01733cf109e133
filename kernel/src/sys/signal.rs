//! Signal calls: kill, raise, sigaction, sigprocmask, sigpending, sigsuspend, pause,
//! sigwait, signal streams and alarm.

use std::rc::Rc;

use vproc_ipc::{Errno, SigSet, Signal};
use vproc_sched::Tick;

use crate::proc::interrupted;
use crate::process::Action;
use crate::{Disposition, Error, Pid, Proc, SigAction, SysResult, WaitOn};

/// Whom [`Proc::kill`] signals, as `kill(2)`'s pid argument says.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum KillTarget {
    /// One process (`pid > 0`).
    Process(Pid),
    /// Every process of the caller's group (`pid == 0`).
    OwnGroup,
    /// Every process of a group (`pid < -1`: `-pgid`).
    Group(Pid),
    /// Every process but init and the caller (`pid == -1`).
    All,
}

impl KillTarget {
    /// The target `kill(2)` means by `pid`.
    pub fn from_raw(pid: i32) -> KillTarget {
        match pid {
            0 => KillTarget::OwnGroup,
            -1 => KillTarget::All,
            p if p < 0 => KillTarget::Group(Pid(p.unsigned_abs())),
            p => KillTarget::Process(Pid(p as u32)),
        }
    }
}

impl From<Pid> for KillTarget {
    fn from(pid: Pid) -> Self {
        KillTarget::Process(pid)
    }
}

/// How [`Proc::sigprocmask`] changes the blocked set.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SigHow {
    /// Add the set (`SIG_BLOCK`).
    Block,
    /// Remove the set (`SIG_UNBLOCK`).
    Unblock,
    /// Replace with the set (`SIG_SETMASK`).
    SetMask,
}

impl Proc {
    /// Sends `signal` to the processes `target` names. The targets take it at their next
    /// scheduling point; one blocked in a call is woken for it. ESRCH when no process
    /// matches; a zombie matches (until it is reaped, as on Linux) and the signal does
    /// nothing to it. (Until users exist, any process may signal any other.)
    pub fn kill(&self, target: impl Into<KillTarget>, signal: Signal) -> SysResult<()> {
        let target = target.into();
        self.syscall(|core, me| {
            let slots: Vec<u32> = match target {
                KillTarget::Process(pid) => core.table.slot_of(pid).into_iter().collect(),
                KillTarget::OwnGroup => {
                    let pgid = core.table.get(me).pgid;
                    core.group(pgid)
                }
                KillTarget::Group(pgid) => core.group(pgid),
                KillTarget::All => core
                    .table
                    .iter()
                    .filter(|&(slot, p)| slot != me && p.pid != Pid::INIT)
                    .map(|(slot, _)| slot)
                    .collect(),
            };
            if slots.is_empty() {
                return Err(Error::new(
                    Errno::ESRCH,
                    format!("no process matches {target:?}"),
                ));
            }
            for slot in slots {
                core.send_signal(slot, signal)?;
            }
            Ok(())
        })
    }

    /// Sends `signal` to this process and lets it be delivered before returning: a
    /// handler has run (or the default action has ended or stopped the process) when
    /// this completes. A blocked signal stays pending.
    pub async fn raise(&self, signal: Signal) -> SysResult<()> {
        self.kill(self.pid(), signal)?;
        // Looking is part of the same call: no second syscall charge.
        let deliverable = {
            let core = self.core.borrow();
            self.me(&core)
                .is_some_and(|slot| core.has_deliverable(slot))
        };
        if deliverable {
            self.yield_now().await;
        }
        Ok(())
    }

    /// Sets the action of `signal` and returns the old one. EINVAL for SIGKILL and
    /// SIGSTOP, whose action cannot change. Setting SIGCHLD to ignore makes children
    /// leave no zombies. A pending signal now ignored is discarded.
    pub fn sigaction(&self, signal: Signal, action: SigAction) -> SysResult<SigAction> {
        if !signal.is_catchable() {
            return Err(Error::new(
                Errno::EINVAL,
                format!("{signal} cannot be caught, blocked or ignored"),
            ));
        }
        self.syscall(|core, slot| {
            let defaults = core.default_actions.clone();
            let sig = &mut core.table.get_mut(slot).sig;
            let old = Rc::make_mut(&mut sig.actions).set(signal, action);
            if sig.actions.get(signal).ignores(signal) {
                sig.pending.remove_signal(signal);
            }
            if sig.actions.all_default() {
                sig.actions = defaults;
            }
            Ok(old)
        })
    }

    /// The action of `signal` now.
    pub fn sigaction_of(&self, signal: Signal) -> SigAction {
        self.query(SigAction::default(), |core, slot| {
            core.table.get(slot).sig.actions.get(signal).clone()
        })
    }

    /// Shorthand for [`sigaction`](Proc::sigaction) with a disposition and no flags.
    pub fn signal(&self, signal: Signal, disposition: Disposition) -> SysResult<SigAction> {
        self.sigaction(
            signal,
            SigAction {
                disposition,
                ..SigAction::default()
            },
        )
    }

    /// Changes the blocked set and returns the old one. SIGKILL and SIGSTOP are never
    /// blocked (silently, as on Linux). A signal unblocked while pending is delivered at
    /// the process's next scheduling point (its next call that blocks or yields).
    pub fn sigprocmask(&self, how: SigHow, set: SigSet) -> SigSet {
        let unblockable = SigSet::of(Signal::SIGKILL) | SigSet::of(Signal::SIGSTOP);
        self.query(SigSet::empty(), |core, slot| {
            let sig = &mut core.table.get_mut(slot).sig;
            let old = sig.blocked;
            sig.blocked = match how {
                SigHow::Block => old | set,
                SigHow::Unblock => old - set,
                SigHow::SetMask => set,
            } - unblockable;
            old
        })
    }

    /// The signals pending (generated, blocked, not yet delivered).
    pub fn sigpending(&self) -> SigSet {
        self.query(SigSet::empty(), |core, slot| {
            let sig = &core.table.get(slot).sig;
            sig.pending & sig.blocked
        })
    }

    /// Replaces the blocked set with `mask` until a signal is delivered (a handler runs),
    /// then restores it and fails with EINTR, as `sigsuspend` always does. A signal whose
    /// default action ends the process ends it here.
    pub async fn sigsuspend(&self, mask: SigSet) -> SysResult<()> {
        let unblockable = SigSet::of(Signal::SIGKILL) | SigSet::of(Signal::SIGSTOP);
        let mut first = true;
        std::future::poll_fn(|_cx| {
            let mut core = self.core.borrow_mut();
            let slot = self.live_slot(&core)?;
            let starting = first;
            let interrupt = core.interruption(slot, &mut first);
            if starting {
                core.charge_syscall();
                let sig = &mut core.table.get_mut(slot).sig;
                sig.saved_mask = Some(sig.blocked);
                sig.blocked = mask - unblockable;
            } else if interrupt.is_some() {
                let sig = &mut core.table.get_mut(slot).sig;
                if let Some(saved) = sig.saved_mask.take() {
                    sig.blocked = saved;
                }
                return std::task::Poll::Ready(Err(interrupted("sigsuspend")));
            }
            core.action.set(Action::Block(WaitOn::Signal));
            std::task::Poll::Pending
        })
        .await
    }

    /// Waits until a signal is delivered (a handler runs), then fails with EINTR.
    pub async fn pause(&self) -> SysResult<()> {
        // The present mask, read without a charge of its own: pause is one call.
        let mask = {
            let core = self.core.borrow();
            self.me(&core)
                .map_or(SigSet::empty(), |slot| core.table.get(slot).sig.blocked)
        };
        self.sigsuspend(mask).await
    }

    /// Waits for one of `set` to be pending, takes it (it is not delivered) and returns
    /// it. The signals of `set` should be blocked, as POSIX asks; an unblocked signal
    /// that is delivered meanwhile interrupts the wait (EINTR). EINVAL for an empty set.
    pub async fn sigwait(&self, set: SigSet) -> SysResult<Signal> {
        if set.is_empty() {
            return Err(Error::new(
                Errno::EINVAL,
                "sigwait needs a signal to wait for",
            ));
        }
        let mut first = true;
        std::future::poll_fn(|_cx| {
            let mut core = self.core.borrow_mut();
            let slot = self.live_slot(&core)?;
            if first {
                core.charge_syscall();
            }
            if core.interruption(slot, &mut first).is_some() {
                return std::task::Poll::Ready(Err(interrupted("sigwait")));
            }
            let sig = &mut core.table.get_mut(slot).sig;
            if let Some(signal) = (sig.pending & set).first() {
                sig.pending.remove_signal(signal);
                return std::task::Poll::Ready(Ok(signal));
            }
            core.action.set(Action::Block(WaitOn::Signal));
            std::task::Poll::Pending
        })
        .await
    }

    /// A stream of the signals of `set` (as `signalfd`): blocks them, so they are no
    /// longer delivered, and each [`SignalStream::next`] waits for one.
    pub fn signals(&self, set: SigSet) -> SignalStream<'_> {
        self.sigprocmask(SigHow::Block, set);
        SignalStream { proc: self, set }
    }

    /// Sends SIGALRM to this process in `ticks` ticks (0 cancels); returns the ticks the
    /// previous alarm had left (0: none).
    pub fn alarm(&self, ticks: Tick) -> Tick {
        self.query(0, |core, slot| core.set_alarm(slot, ticks))
    }
}

/// Signals as a stream a program awaits (see [`Proc::signals`]).
pub struct SignalStream<'a> {
    proc: &'a Proc,
    set: SigSet,
}

impl SignalStream<'_> {
    /// The next signal of the set: one pending now, or the next to come.
    pub async fn next(&self) -> SysResult<Signal> {
        self.proc.sigwait(self.set).await
    }

    /// The signals this stream takes.
    pub fn set(&self) -> SigSet {
        self.set
    }
}
