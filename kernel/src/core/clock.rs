//! The clock and what falls due: timers, arrivals, the policy's events, switches, and
//! the wake-ups that wakers bring.

use vproc_sched::{Requeue, Tick};

use crate::arrival::ArrivalFailure;
use crate::timers::Timers;
use crate::waker::WakeId;
use crate::{Error, ProcState, WaitOn};

use super::{Core, INIT};

impl Core {
    /// Arms the timer that wakes a sleeping process at `until` (once: a sleeper polled
    /// again, after a stop, keeps the timer it has). `Tick::MAX` is never: no timer.
    /// A timer left armed for another tick (a sleep a signal ended early) is disarmed.
    pub(crate) fn add_timer(&mut self, slot: u32, until: Tick) {
        let process = self.table.get_mut(slot);
        if process.timer != 0 && process.wake_at == until {
            return;
        }
        process.wake_at = until;
        if until == Tick::MAX {
            process.timer = 0;
            return;
        }
        self.timer_seq = super::next_seq(self.timer_seq);
        process.timer = self.timer_seq as u32;
        self.timers.push(until, self.timer_seq, slot);
        self.falls_due(until);
    }

    /// Whether the timer (`until`, `seq`, `slot`) is the one its process has armed. A
    /// process keeps the low 32 bits of its timer's number: with the tick, they tell its
    /// timer from any it armed before.
    #[inline]
    fn timer_is_armed(&self, until: Tick, seq: u64, slot: u32) -> bool {
        self.table
            .try_get(slot)
            .is_some_and(|p| p.timer == seq as u32 && p.wake_at == until)
    }

    /// Pops the earliest timer, disarming it. Returns the slot it wakes, if its process
    /// still sleeps until then (a killed, stopped or re-armed sleeper's timer wakes no one).
    fn pop_timer(&mut self) -> Option<u32> {
        let timer = self.timers.pop()?;
        self.disarm(timer)
    }

    /// Disarms the timer (`until`, `seq`, `slot`), just popped; the slot it wakes, as
    /// [`pop_timer`](Core::pop_timer) says.
    #[inline]
    fn disarm(&mut self, (until, seq, slot): (Tick, u64, u32)) -> Option<u32> {
        if !self.timer_is_armed(until, seq, slot) {
            return None;
        }
        let process = self.table.get_mut(slot);
        process.timer = 0;
        on_timer(process.state).then_some(slot)
    }

    /// The tick of the next timer or alarm that acts on a process, dropping those that
    /// act on none: where an idle CPU's clock jumps to. (A burst stops at
    /// [`next_due`](Core::next_due), which looks at no process.)
    pub(crate) fn next_wakeup(&mut self) -> Option<Tick> {
        let alarm = self.next_alarm();
        let timer = self.next_timer();
        match (alarm, timer) {
            (Some(a), Some(t)) => Some(a.min(t)),
            (a, t) => a.or(t),
        }
    }

    /// The tick of the next timer that wakes a process, dropping those that wake none.
    #[inline]
    fn next_timer(&mut self) -> Option<Tick> {
        while let Some((until, seq, slot)) = self.timers.peek() {
            if self.timer_is_armed(until, seq, slot) && on_timer(self.table.get(slot).state) {
                return Some(until);
            }
            self.pop_timer();
        }
        None
    }

    /// Lets the policy act on what is due by now (an MLFQ boost); returns whether it did.
    #[inline(always)]
    pub(crate) fn policy_tick(&mut self) -> bool {
        if self.now < self.policy_event {
            return false;
        }
        self.policy_act();
        true
    }

    #[cold]
    #[inline(never)]
    fn policy_act(&mut self) {
        let now = self.now;
        self.policy.advance(now);
        self.policy_event = self.policy.next_event(now).unwrap_or(Tick::MAX);
    }

    /// Something is armed to fall due at `at`.
    #[inline]
    pub(crate) fn falls_due(&mut self, at: Tick) {
        self.horizon = self.horizon.min(at);
    }

    /// Does what is due at `now`, in OSTEP's order: the policy's own events (an MLFQ
    /// boost), then arrivals (in the order they were asked for), then wake-ups (in the
    /// order the sleepers went to sleep). Returns whether the policy acted.
    #[inline(always)]
    pub(crate) fn due(&mut self) -> Result<bool, Error> {
        if self.now < self.horizon {
            return Ok(false);
        }
        let acted = self.do_due()?;
        self.horizon = self.next_armed();
        Ok(acted)
    }

    /// `due`'s work, once the horizon is reached.
    #[inline]
    fn do_due(&mut self) -> Result<bool, Error> {
        let acted = self.policy_tick();
        if self.arrivals.next_at() <= self.now {
            self.admit_arrivals()?;
        }
        if self.timers.first_at().is_some_and(|at| at <= self.now) {
            self.fire_timers()?;
        }
        if self.alarms.first_at().is_some_and(|at| at <= self.now) {
            self.fire_alarms()?;
        }
        Ok(acted)
    }

    /// The first tick after `now` (once what is due by `now` is done) at which a timer,
    /// an alarm, an arrival or a policy event may fall due: where a CPU burst or a switch
    /// must stop to do it. A timer or an alarm disarmed since it was armed still counts
    /// until its tick comes, when it is dropped: this may be early, with nothing to do
    /// at that tick, but never late, and it costs no look at the processes.
    #[inline]
    pub(crate) fn next_due(&self) -> Option<Tick> {
        (self.horizon != Tick::MAX).then_some(self.horizon)
    }

    /// The tick of the first timer, alarm, arrival or policy event armed (`Tick::MAX`:
    /// none).
    fn next_armed(&self) -> Tick {
        let first = |timers: &Timers| timers.first_at().unwrap_or(Tick::MAX);
        first(&self.timers)
            .min(first(&self.alarms))
            .min(self.arrivals.next_at())
            .min(self.policy_event)
    }

    /// Spawns the arrivals due by now, as children of init. One that cannot be spawned
    /// (no pid left, say) is recorded as a failure for the host.
    #[cold]
    fn admit_arrivals(&mut self) -> Result<(), Error> {
        while let Some(mut arrival) = self.arrivals.pop_due(self.now) {
            if let Err(error) = self.spawn(INIT, &mut arrival.command, arrival.make) {
                if error.is_kernel_bug() {
                    return Err(error);
                }
                let tick = self.now;
                self.arrivals.fail(ArrivalFailure {
                    tick,
                    // A spawn that fails leaves the command's name where it was.
                    program: arrival.command.program.to_string(),
                    error,
                });
            }
        }
        Ok(())
    }

    /// Puts `slot` on the CPU's books before its dispatch: a dispatch of another process
    /// than the one that ran last is a context switch, and costs `switch_cost` ticks
    /// during which the newcomer stays ready. Returns whether time passed.
    pub(crate) fn switch_to(&mut self, slot: u32, generation: u32) -> Result<bool, Error> {
        let this = Some((slot, generation));
        if self.last_ran == this {
            return Ok(false);
        }
        let switched = self.last_ran.is_some();
        self.last_ran = this;
        if !switched {
            return Ok(false);
        }
        self.switches += 1;
        if self.switch_cost == 0 {
            return Ok(false);
        }
        self.pass(self.switch_cost)?;
        Ok(true)
    }

    /// Lets `ticks` pass with no process on the CPU (a context switch), doing what falls
    /// due meanwhile at its own tick.
    pub(crate) fn pass(&mut self, ticks: Tick) -> Result<(), Error> {
        let end = self.now.saturating_add(ticks);
        loop {
            self.due()?;
            if self.now >= end {
                return Ok(());
            }
            // What was due by now is done: the next due tick lies ahead.
            let at = self.next_due().unwrap_or(end).clamp(self.now + 1, end);
            self.now = at;
        }
    }

    /// Wakes every sleeper whose time has come, in the order they went to sleep.
    #[inline]
    pub(crate) fn fire_timers(&mut self) -> Result<(), Error> {
        while let Some(timer) = self.timers.pop_due(self.now) {
            if let Some(slot) = self.disarm(timer) {
                self.make_ready(slot, Requeue::Woken)?;
            }
        }
        Ok(())
    }

    /// Armed timers of sleeping processes.
    pub(crate) fn live_timers(&self) -> usize {
        self.timers
            .iter()
            .filter(|&(until, seq, slot)| {
                self.timer_is_armed(until, seq, slot) && on_timer(self.table.get(slot).state)
            })
            .count()
    }

    /// A process's waker fired: a waiting process runs again, whatever it waits on (the
    /// calls it awaits check their own conditions, and block again if they must).
    pub(crate) fn wake(&mut self, id: WakeId) -> Result<(), Error> {
        let Some(process) = self.table.try_get(id.slot) else {
            return Ok(());
        };
        if !id.names(process.generation) {
            return Ok(());
        }
        match process.state {
            ProcState::Waiting(_) => self.make_ready(id.slot, Requeue::Woken),
            _ => Ok(()),
        }
    }
}

/// Whether a process in `state` waits for its timer (a sleep, or a poll's timeout).
#[inline]
fn on_timer(state: ProcState) -> bool {
    matches!(state, ProcState::Waiting(WaitOn::Sleep | WaitOn::Poll))
}
