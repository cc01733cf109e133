//! One dispatch: a process runs (its CPU burst, then its program is polled) until it
//! blocks, yields, is preempted or exits.

use std::any::Any;
use std::mem::ManuallyDrop;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::task::{Context, Poll};

use vproc_sched::{Requeue, TaskId, Tick};

use crate::core::{Burst, Core};
use crate::look_ahead::AHEAD;
use crate::process::{Action, NIL};
use crate::signal::Delivery;
use crate::waker::WakeId;
use crate::{Error, ExitStatus, Proc, ProcState, WaitOn, waker};

use super::Kernel;

impl Kernel {
    /// Runs the process in `slot` until it blocks, yields, is preempted or exits.
    pub(super) fn dispatch(&mut self, slot: u32) -> Result<(), Error> {
        let (generation, in_burst, signals) = {
            let mut guard = self.core.borrow_mut();
            let core = &mut *guard;
            // A small table stays in the cache anyway.
            if core.table.len() >= crate::prefetch::MIN_PROCESSES {
                prefetch_ahead(core, slot);
            }
            let generation = core.table.get(slot).generation;
            let paid_switch = core.switch_to(slot, generation)?;
            core.transition(slot, ProcState::Running)?;
            core.dispatch_start = core.now;
            core.current = slot;
            core.ran = 0;
            core.slice = 0;
            // Processes that became ready during a paid switch may preempt the newcomer.
            core.woke_during_dispatch = paid_switch;
            // An action left by a call made outside any dispatch belongs to no one.
            core.action.take();
            let now = core.now;
            let signals = core.has_deliverable(slot);
            let process = core.table.get_mut(slot);
            if process.started == Tick::MAX {
                process.started = now;
            }
            (generation, process.compute_left > 0 || signals, signals)
        };
        // A process with no signal to take goes straight on: looking in its signal
        // state would cost a trip to memory in a large table.
        if signals && !self.deliver_signals(slot, generation)? {
            return Ok(());
        }
        self.run_dispatch(slot, generation, in_burst)
    }

    /// Delivers the signals the process in `slot` can take, as its dispatch begins:
    /// handlers run (in its context, with their masks), default actions end or stop it.
    /// Returns whether it goes on running.
    #[cold]
    fn deliver_signals(&mut self, slot: u32, generation: u32) -> Result<bool, Error> {
        loop {
            let delivery = self.core.borrow_mut().take_signal(slot)?;
            match delivery {
                None => return Ok(true),
                Some(Delivery::Terminate(status)) => {
                    end_dispatch(&mut self.core.borrow_mut(), slot);
                    self.terminate(slot, status)?;
                    return Ok(false);
                }
                Some(Delivery::Stop) => {
                    end_dispatch(&mut self.core.borrow_mut(), slot);
                    return Ok(false);
                }
                Some(Delivery::Handle {
                    handler,
                    signal,
                    restore,
                }) => {
                    let pid = self.core.borrow().table.get(slot).pid;
                    let proc = Proc::new(self.core.clone(), pid, slot, generation);
                    let ran = catch_unwind(AssertUnwindSafe(|| handler(&proc, signal)));
                    drop(proc);
                    if let Err(payload) = ran {
                        end_dispatch(&mut self.core.borrow_mut(), slot);
                        let message = panic_message(payload);
                        self.terminate(slot, ExitStatus::Panicked(message.into()))?;
                        return Ok(false);
                    }
                    self.core.borrow_mut().table.get_mut(slot).sig.blocked = restore;
                }
            }
        }
    }

    /// Goes on with a dispatch that a `run_for` limit cut short.
    pub(super) fn resume(&mut self, slot: u32) -> Result<(), Error> {
        let generation = {
            let mut core = self.core.borrow_mut();
            core.current = slot;
            // Processes may have become ready meanwhile; let the policy judge.
            core.woke_during_dispatch = true;
            core.table.get(slot).generation
        };
        self.run_dispatch(slot, generation, true)
    }

    /// The body of a dispatch: CPU bursts (`in_burst`: one is under way) and polls, until
    /// the process blocks, yields, is preempted, pauses or exits.
    fn run_dispatch(
        &mut self,
        slot: u32,
        generation: u32,
        mut in_burst: bool,
    ) -> Result<(), Error> {
        // Its drop does nothing (a process's waker owns nothing): it is not run.
        let waker = ManuallyDrop::new(waker::for_process(WakeId::new(self.id, slot, generation)));
        let mut cx = Context::from_waker(&waker);
        loop {
            if std::mem::take(&mut in_burst) {
                let mut core = self.core.borrow_mut();
                {
                    match core.run_burst(slot)? {
                        Burst::Done => {}
                        Burst::SliceOver | Burst::Outranked => {
                            preempt(&mut core, slot)?;
                            return Ok(());
                        }
                        Burst::Paused => {
                            core.current = NIL;
                            self.paused = Some(slot);
                            return Ok(());
                        }
                        Burst::Signaled => {
                            drop(core);
                            if !self.deliver_signals(slot, generation)? {
                                return Ok(());
                            }
                            in_burst = true;
                            continue;
                        }
                    }
                }
            }
            let mut program = self
                .core
                .borrow_mut()
                .table
                .get_mut(slot)
                .program
                .take()
                .expect("a running process has its program");
            let polled = catch_unwind(AssertUnwindSafe(|| program.as_mut().poll(&mut cx)));
            let mut guard = self.core.borrow_mut();
            let core = &mut *guard;
            let action = core.action.take();
            let status = match polled {
                Ok(Poll::Ready(code)) => Some(ExitStatus::Exited(code)),
                Err(payload) => Some(ExitStatus::Panicked(panic_message(payload).into())),
                Ok(Poll::Pending) => match action {
                    Action::Exit(code) => Some(ExitStatus::Exited(code)),
                    _ => None,
                },
            };
            core.table.get_mut(slot).program = Some(program);
            if let Some(bug) = core.fault.take() {
                return Err(bug);
            }
            if let Some(mut status) = status {
                // A fatal signal the process sent itself just before it ended (kill of its
                // own pid or group) still ends it, as it would have before kill returned.
                if matches!(status, ExitStatus::Exited(_)) && core.has_deliverable(slot) {
                    status = core.fatal_pending(slot).unwrap_or(status);
                }
                end_dispatch(core, slot);
                drop(guard);
                return self.terminate(slot, status);
            }
            if core.has_deliverable(slot) && action.blocks() {
                // A signal came during the call: take it before blocking.
                core.table.get_mut(slot).voluntary += 1;
                end_dispatch(core, slot);
                core.make_ready(slot, Requeue::Yielded)?;
                return Ok(());
            }
            match action {
                Action::Compute(ticks) => {
                    core.table.get_mut(slot).compute_left = ticks;
                    in_burst = true;
                    continue;
                }
                Action::Yield => {
                    core.table.get_mut(slot).voluntary += 1;
                    end_dispatch(core, slot);
                    core.make_ready(slot, Requeue::Yielded)?;
                }
                Action::Sleep(until) => {
                    block(core, slot, WaitOn::Sleep)?;
                    core.add_timer(slot, until);
                }
                Action::Wait(target) => block(core, slot, WaitOn::Child(target))?,
                Action::None => block(core, slot, WaitOn::Event)?,
                Action::Block(on) => block(core, slot, on)?,
                Action::Poll(until) => {
                    block(core, slot, WaitOn::Poll)?;
                    core.add_timer(slot, until);
                }
                Action::Exit(_) => unreachable!("handled with the other endings above"),
            }
            return Ok(());
        }
    }
}

/// Starts the processes most likely to run after `slot` on their way into the cache
/// while it runs, far enough ahead that a trip to main memory (about as long as a
/// dispatch) is over before they are needed: the entry of the last one foreseen, then,
/// three dispatches later (when it has moved up to [`PROGRAM_AT`]), the program the
/// entry points to, which has three more dispatches to come in before it runs.
///
/// The policy foresees the order ([`Policy::peek_after`](vproc_sched::Policy::peek_after));
/// when the last dispatch foresaw this one, what it saw beyond is taken as still true,
/// and only one more is asked for. A wrong guess costs wasted fetches and, at the next
/// dispatch, asking the policy afresh for all [`AHEAD`] places; nothing more.
fn prefetch_ahead(core: &mut Core, slot: u32) {
    core.ahead.dispatched(slot);
    let mut last = core.ahead.last().unwrap_or(slot);
    while core.ahead.len() < AHEAD {
        let Some(next) = core.policy.peek_after(TaskId(last)) else {
            break;
        };
        core.ahead.push(next.0);
        last = next.0;
    }
    if let Some(foreseen) = core.ahead.get(PROGRAM_AT) {
        core.table.prefetch_program(foreseen);
    }
    if let Some(foreseen) = core.ahead.get(AHEAD - 1) {
        core.table.prefetch(foreseen);
    }
}

/// The place in the look-ahead whose program is fetched: three places after the entry
/// was (at `AHEAD - 1`), as a process moves up one place a dispatch, and three places
/// before it runs.
const PROGRAM_AT: usize = AHEAD - 4;

/// Ends the dispatch of the running process: the policy learns how long it ran.
#[inline]
fn end_dispatch(core: &mut Core, slot: u32) {
    let (ran, now) = (core.ran, core.now);
    if core.policy_charges {
        core.policy.charge(TaskId(slot), ran, now);
    }
    core.current = NIL;
    if let Some(log) = &mut core.dispatch_log
        && now > core.dispatch_start
    {
        log.push(crate::Dispatch {
            pid: core.table.get(slot).pid,
            start: core.dispatch_start,
            end: now,
        });
    }
}

/// The running process blocks.
#[inline(always)]
fn block(core: &mut Core, slot: u32, on: WaitOn) -> Result<(), Error> {
    core.table.get_mut(slot).voluntary += 1;
    end_dispatch(core, slot);
    core.transition(slot, ProcState::Waiting(on))
}

/// The running process loses the CPU and is ready again.
pub(super) fn preempt(core: &mut Core, slot: u32) -> Result<(), Error> {
    core.table.get_mut(slot).involuntary += 1;
    end_dispatch(core, slot);
    core.make_ready(slot, Requeue::Preempted)
}

/// The message of a panic; the payload is dropped here, and a payload whose own drop
/// panics is leaked rather than let that second panic out of the kernel.
fn panic_message(payload: Box<dyn Any + Send>) -> String {
    let message = if let Some(text) = payload.downcast_ref::<&str>() {
        (*text).to_string()
    } else if let Some(text) = payload.downcast_ref::<String>() {
        text.clone()
    } else {
        "panic with a non-text payload".to_string()
    };
    contain(move || drop(payload));
    message
}

/// Runs `f` (a drop of program code), keeping a panic in it from unwinding through the
/// kernel; a panic's own payload is leaked, as dropping it could panic again.
pub(super) fn contain(f: impl FnOnce()) {
    if let Err(payload) = catch_unwind(AssertUnwindSafe(f)) {
        std::mem::forget(payload);
    }
}
