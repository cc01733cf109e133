//! Generating signals (kill, raise, the terminal, the kernel itself) and delivering them
//! at the target's next scheduling point.

use std::rc::Rc;

use vproc_ipc::{DefaultAction, SigSet, Signal};
use vproc_sched::{Requeue, TaskId};

use super::{ChildReport, Disposition, SaFlags, SigAction, SigHandler, stop_signals};
use crate::core::{Core, INIT};
use crate::fd::FileObject;
use crate::process::NIL;
use crate::{Error, ExitStatus, ProcState, WaitFor, WaitOn};

/// What the kernel does with the next deliverable signal of a process it dispatches.
pub(crate) enum Delivery {
    /// The default action ends the process.
    Terminate(ExitStatus),
    /// The default action stops it (the stop is already applied).
    Stop,
    /// Run this handler; afterwards the blocked set goes back to `restore`.
    Handle {
        handler: SigHandler,
        signal: Signal,
        restore: SigSet,
    },
}

impl Core {
    /// Generates `signal` for the process in `slot`, as `kill` does. The process takes it
    /// at its next scheduling point; one blocked in a call is woken for it (a stop is
    /// applied at once); a stopped one keeps it pending until SIGCONT, except SIGKILL.
    #[inline]
    pub(crate) fn send_signal(&mut self, slot: u32, signal: Signal) -> Result<(), Error> {
        // The common case, seen without a call (SIGCHLD to a parent that keeps its default
        // action): a signal that neither continues nor stops, not blocked, and ignored, is
        // discarded, whatever the process.
        if signal.is_catchable()
            && signal != Signal::SIGCONT
            && !stop_signals().contains_signal(signal)
        {
            let sig = &self.table.get(slot).sig;
            if !sig.blocked.contains_signal(signal) && sig.actions.get(signal).ignores(signal) {
                return Ok(());
            }
        }
        self.generate(slot, signal)
    }

    /// The body of [`send_signal`](Core::send_signal).
    fn generate(&mut self, slot: u32, signal: Signal) -> Result<(), Error> {
        // Init, as on Linux, gets only the signals it handles: none.
        if slot == INIT || self.table.get(slot).state == ProcState::Zombie {
            return Ok(());
        }
        if signal == Signal::SIGCONT {
            let p = self.table.get_mut(slot);
            p.sig.pending.remove(stop_signals());
            if p.state == ProcState::Stopped {
                self.continue_process(slot)?;
            }
        } else if stop_signals().contains_signal(signal) {
            self.table
                .get_mut(slot)
                .sig
                .pending
                .remove_signal(Signal::SIGCONT);
        }
        let p = self.table.get_mut(slot);
        let blocked = p.sig.blocked.contains_signal(signal) && signal.is_catchable();
        if !blocked && signal.is_catchable() && p.sig.actions.get(signal).ignores(signal) {
            return Ok(());
        }
        p.sig.pending.insert_signal(signal);
        self.signals_in_use = true;
        if blocked {
            // `sigwait` and signal streams wait for blocked signals.
            if p.state == ProcState::Waiting(WaitOn::Signal) {
                self.make_ready(slot, Requeue::Woken)?;
            }
            return Ok(());
        }
        self.wake_for_signal(slot, signal)
    }

    /// A deliverable signal reached `slot`: stop it now, or wake it from a blocking call.
    fn wake_for_signal(&mut self, slot: u32, signal: Signal) -> Result<(), Error> {
        let p = self.table.get_mut(slot);
        let action = p.sig.actions.get(signal);
        let stops = signal == Signal::SIGSTOP
            || (matches!(action.disposition, Disposition::Default)
                && signal.default_action() == DefaultAction::Stop);
        match p.state {
            ProcState::Ready | ProcState::Waiting(_) if stops => {
                p.sig.pending.remove_signal(signal);
                self.stop_process(slot, signal)
            }
            // Whether the call is interrupted is known only when a handler runs.
            ProcState::Waiting(_) => self.make_ready(slot, Requeue::Woken),
            ProcState::Stopped if signal == Signal::SIGKILL => {
                self.make_ready(slot, Requeue::Woken)
            }
            // Ready or running: at its next scheduling point; stopped: when continued.
            _ => Ok(()),
        }
    }

    /// Stops the process in `slot` and tells its parent. As on Linux, a process stopped
    /// in a pipe's read or write leaves the pipe's queue (the next waiter's turn comes):
    /// once it is continued, its read (or a write that stored nothing yet) starts over, at
    /// the back, and a long write that stored part ends with that count.
    pub(crate) fn stop_process(&mut self, slot: u32, signal: Signal) -> Result<(), Error> {
        if self.table.get(slot).state == ProcState::Ready {
            self.policy.dequeue(TaskId(slot));
        }
        self.transition(slot, ProcState::Stopped)?;
        self.leave_pipe_queues(slot);
        self.child_changed(slot, ChildReport::Stopped(signal))
    }

    /// Takes the process in `slot` out of the wait queues of the pipes it has open (it
    /// can wait in one at most, through one of them).
    fn leave_pipe_queues(&self, slot: u32) {
        let waker = self.table.waker(slot);
        let p = self.table.get(slot);
        for (_, entry) in p.fds.iter() {
            match &entry.file.object {
                FileObject::PipeRead(end) | FileObject::PipeBoth(end, _) => end.step_back(&waker),
                FileObject::PipeWrite(end) => end.step_back(&waker),
                _ => {}
            }
        }
    }

    /// Resumes a stopped process and tells its parent.
    fn continue_process(&mut self, slot: u32) -> Result<(), Error> {
        self.make_ready(slot, Requeue::Woken)?;
        self.child_changed(slot, ChildReport::Continued)
    }

    /// A child stopped or continued: `waitpid` may report it, and the parent gets
    /// SIGCHLD unless it asked not to (`SA_NOCLDSTOP`).
    pub(crate) fn child_changed(&mut self, child: u32, report: ChildReport) -> Result<(), Error> {
        self.table.get_mut(child).sig.report = Some(report);
        let parent = self.table.get(child).parent;
        if parent == NIL || parent == INIT {
            return Ok(());
        }
        let quiet = self
            .table
            .get(parent)
            .sig
            .actions
            .get(Signal::SIGCHLD)
            .flags
            .contains(SaFlags::NOCLDSTOP);
        if !quiet {
            self.send_signal(parent, Signal::SIGCHLD)?;
        }
        if self.waits_for(parent, child) {
            self.make_ready(parent, Requeue::Woken)?;
        }
        Ok(())
    }

    /// Whether `parent` is blocked in a wait that `child` answers.
    pub(crate) fn waits_for(&self, parent: u32, child: u32) -> bool {
        match self.table.get(parent).state {
            ProcState::Waiting(WaitOn::Child(WaitFor::Any)) => true,
            ProcState::Waiting(WaitOn::Child(WaitFor::Pid(pid))) => {
                pid == self.table.get(child).pid
            }
            _ => false,
        }
    }

    /// Whether the process in `slot` has a signal to take now.
    #[inline]
    pub(crate) fn has_deliverable(&self, slot: u32) -> bool {
        self.signals_in_use && !self.table.get(slot).sig.deliverable().is_empty()
    }

    /// Takes the next signal to deliver to the process in `slot` (being dispatched):
    /// SIGKILL first, then the lowest number. Ignored ones are dropped on the way; a
    /// default stop is applied here.
    pub(crate) fn take_signal(&mut self, slot: u32) -> Result<Option<Delivery>, Error> {
        loop {
            let p = self.table.get_mut(slot);
            let deliverable = p.sig.deliverable();
            let signal = if deliverable.contains_signal(Signal::SIGKILL) {
                Signal::SIGKILL
            } else {
                match deliverable.first() {
                    Some(signal) => signal,
                    None => return Ok(None),
                }
            };
            p.sig.pending.remove_signal(signal);
            let action = p.sig.actions.get(signal);
            if signal.is_catchable() {
                match &action.disposition {
                    Disposition::Handler(handler) => {
                        let (handler, flags) = (handler.clone(), action.flags);
                        let restore = p.sig.blocked;
                        let mut mask = restore | action.mask;
                        if !flags.contains(SaFlags::NODEFER) {
                            mask.insert_signal(signal);
                        }
                        p.sig.blocked = mask;
                        if flags.contains(SaFlags::RESETHAND) {
                            Rc::make_mut(&mut p.sig.actions).set(signal, SigAction::default());
                        }
                        // The call the process is in (if any) is interrupted; the first
                        // handler decides whether it restarts, as on Linux. (A mark left
                        // outside any call is dropped by the next call's first poll.)
                        if p.sig.interrupt.is_none() {
                            p.sig.interrupt = Some(flags.contains(SaFlags::RESTART));
                        }
                        return Ok(Some(Delivery::Handle {
                            handler,
                            signal,
                            restore,
                        }));
                    }
                    Disposition::Ignore => continue,
                    Disposition::Default => {}
                }
            }
            match signal.default_action() {
                action @ (DefaultAction::Terminate | DefaultAction::Core) => {
                    return Ok(Some(Delivery::Terminate(ExitStatus::Signaled {
                        signal,
                        core_dumped: action == DefaultAction::Core,
                    })));
                }
                DefaultAction::Stop => {
                    self.stop_process(slot, signal)?;
                    return Ok(Some(Delivery::Stop));
                }
                DefaultAction::Ignore | DefaultAction::Continue => {}
            }
        }
    }

    /// The status a fatal signal now deliverable to `slot` would end it with (SIGKILL
    /// first, then the lowest number), if one is.
    pub(crate) fn fatal_pending(&self, slot: u32) -> Option<ExitStatus> {
        let sig = &self.table.get(slot).sig;
        let deliverable = sig.deliverable();
        let mut candidates = deliverable.signals();
        let signal = if deliverable.contains_signal(Signal::SIGKILL) {
            Some(Signal::SIGKILL)
        } else {
            candidates.find(|&s| sig.actions.get(s).kills(s))
        }?;
        sig.actions
            .get(signal)
            .kills(signal)
            .then(|| ExitStatus::Signaled {
                signal,
                core_dumped: signal.default_action() == DefaultAction::Core,
            })
    }

    /// The interrupt mark of `slot` for the call being polled: what a handler left
    /// (`Some(restart)`, taken once), but `None` on the call's first poll (`first`,
    /// cleared here), since a mark found then was left before the call began.
    #[inline]
    pub(crate) fn interruption(&mut self, slot: u32, first: &mut bool) -> Option<bool> {
        let mark = self.take_interrupt(slot);
        if std::mem::take(first) { None } else { mark }
    }

    /// Whether a handler interrupted the blocking call of `slot`; `Some(restart)`, once.
    /// Only a signal delivered to a handler leaves a mark: until a signal has been sent,
    /// none is looked for (the signal state lies at the far end of a process's entry,
    /// a cache line a blocking call would otherwise fetch for nothing).
    #[inline]
    pub(crate) fn take_interrupt(&mut self, slot: u32) -> Option<bool> {
        if !self.signals_in_use {
            return None;
        }
        self.table.get_mut(slot).sig.interrupt.take()
    }
}
