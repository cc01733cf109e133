//! The run loop: picks the next process, advances the clock, serves the host.

use std::time::{Duration, Instant};

use vproc_ipc::{Errno, Signal};
use vproc_sched::Tick;

use crate::core::{Core, INIT};
use crate::handle::Injected;
use crate::tty::{Tty, TtyEvent};
use crate::{DeadlockReport, Error, Pid, ProcState, waker};

use super::dispatch::preempt;
use super::{ClockMode, Kernel, Stop};

#[derive(Clone, Copy, PartialEq, Eq)]
enum Limit {
    None,
    Pid(Pid),
    For(Tick),
    Serve,
}

impl Kernel {
    /// Runs until every process but init has exited, or until none can run again
    /// ([`Stop::Deadlock`]). While a [`KernelHandle`](crate::KernelHandle) exists, a kernel whose processes are
    /// all blocked waits for the handle's requests instead.
    pub fn run(&mut self) -> Result<Stop, Error> {
        self.run_loop(Limit::None)
    }

    /// Runs until `pid` has exited (or as `run`). ESRCH if there is no such process.
    pub fn run_until(&mut self, pid: Pid) -> Result<Stop, Error> {
        {
            let core = self.core.borrow();
            if core.table.slot_of(pid).is_none() && !core.has_host_exit(pid) {
                return Err(Error::new(
                    Errno::ESRCH,
                    format!("no process with pid {pid}"),
                ));
            }
        }
        self.run_loop(Limit::Pid(pid))
    }

    /// Runs for `ticks` ticks of the clock at most (or as `run`).
    ///
    /// A process whose CPU burst the limit cuts stays on the CPU, with what is left of its
    /// slice, until the next run: running for a+b ticks in two calls gives the same
    /// schedule as in one.
    pub fn run_for(&mut self, ticks: Tick) -> Result<Stop, Error> {
        self.run_loop(Limit::For(ticks))
    }

    /// Runs until a handle asks for shutdown, serving handle requests even when no
    /// process is left. Returns as `run` does once no handle is left (nothing could ask).
    pub fn serve(&mut self) -> Result<Stop, Error> {
        self.run_loop(Limit::Serve)
    }

    fn run_loop(&mut self, limit: Limit) -> Result<Stop, Error> {
        let stop = self.steps(limit);
        self.deliver_events();
        stop
    }

    /// Gives the subscribers the events they have not seen, outside any borrow.
    #[inline(always)]
    pub(super) fn deliver_events(&mut self) {
        if self.has_subscribers {
            self.call_subscribers();
        }
    }

    fn call_subscribers(&mut self) {
        loop {
            let Some((events, mut subscribers)) = self.core.borrow_mut().events.take_pending()
            else {
                return;
            };
            for event in &events {
                for subscriber in &mut subscribers {
                    subscriber(event);
                }
            }
            self.core.borrow_mut().events.restore(subscribers);
        }
    }

    fn steps(&mut self, limit: Limit) -> Result<Stop, Error> {
        let _running = waker::RunningGuard::enter(self.id);
        self.sync_clock();
        let until = match limit {
            Limit::For(ticks) => Some(self.core.borrow().now.saturating_add(ticks)),
            _ => None,
        };
        self.core.borrow_mut().until = until.unwrap_or(Tick::MAX);
        loop {
            self.deliver_events();
            self.absorb()?;
            if std::mem::take(&mut self.shutdown) {
                return Ok(Stop::Shutdown);
            }
            if matches!(self.clock, ClockMode::Real { .. }) && self.sync_clock() {
                // It waited: take in what came meanwhile first.
                continue;
            }
            let mut core = self.core.borrow_mut();
            if let Limit::Pid(pid) = limit {
                let gone = match core.table.slot_of(pid) {
                    None => true,
                    Some(slot) => core.table.get(slot).is_zombie(),
                };
                if gone {
                    return Ok(Stop::TargetExited(pid));
                }
            }
            if core.table.len() == 1 && core.arrivals.len() == 0 && limit != Limit::Serve {
                return Ok(Stop::AllExited);
            }
            if until.is_some_and(|until| core.now >= until) {
                return Ok(Stop::TimeLimit);
            }
            if let Some(slot) = self.paused.take() {
                drop(core);
                self.resume(slot)?;
                continue;
            }
            core.due()?;
            let now = core.now;
            if let Some(task) = core.policy.pick_next(now) {
                drop(core);
                self.dispatch(task.0)?;
                continue;
            }
            // Idle: nothing is ready. Wait for the next timer or the limit, whichever is
            // first; with neither, for a handle; with no handle either, nothing can ever
            // happen again.
            let next = core.next_wakeup().unwrap_or(Tick::MAX);
            let next = next.min(core.arrivals.next_at());
            let wake = match ((next != Tick::MAX).then_some(next), until) {
                (Some(a), Some(b)) => Some(a.min(b)),
                (a, b) => a.or(b),
            };
            match wake {
                Some(at) => match self.clock {
                    ClockMode::Virtual => core.now = core.now.max(at),
                    ClockMode::Real { tick } => {
                        drop(core);
                        self.park_until(tick, at);
                    }
                },
                None if self.shared.has_handles() => {
                    drop(core);
                    if !self.shared.has_pending() {
                        self.parker.park();
                    }
                }
                None if core.table.len() == 1 => return Ok(Stop::AllExited),
                None => return Ok(Stop::Deadlock(deadlock_report(&core))),
            }
        }
    }

    /// In real time, brings the clock up to the wall clock; if CPU bursts took it past
    /// the wall clock, waits until the wall clock catches up, as a real CPU would have
    /// taken that long. Returns whether it waited.
    fn sync_clock(&mut self) -> bool {
        let ClockMode::Real { tick } = self.clock else {
            return false;
        };
        let wall = wall_ticks(self.started, tick);
        let now = {
            let mut core = self.core.borrow_mut();
            core.now = core.now.max(wall);
            core.now
        };
        if now > wall {
            self.park_until(tick, now);
            return true;
        }
        false
    }

    /// Parks the kernel's thread until the wall-clock instant of tick `at`, or until a
    /// handle or a waker on another thread unparks it.
    fn park_until(&self, tick: Duration, at: Tick) {
        if self.shared.has_pending() {
            return;
        }
        match tick_instant(self.started, tick, at) {
            Some(deadline) => self.parker.park_deadline(deadline),
            None => self.parker.park(),
        }
    }

    /// Takes in what came from outside the run loop: wakes and handle requests.
    fn absorb(&mut self) -> Result<(), Error> {
        waker::take_local_wakes(self.id, &mut self.wakes);
        if !self.wakes.is_empty() {
            let mut core = self.core.borrow_mut();
            for id in self.wakes.drain(..) {
                core.wake(id)?;
            }
        }
        if self.shared.has_pending() {
            for item in self.shared.drain() {
                self.serve_request(item)?;
            }
        }
        Ok(())
    }

    fn serve_request(&mut self, item: Injected) -> Result<(), Error> {
        match item {
            Injected::Spawn {
                command,
                program,
                reply,
            } => {
                let _ = reply.send(self.spawn_host(command, program));
            }
            Injected::Kill { pid, signal, reply } => {
                let result = match self.deliver(pid, signal) {
                    Err(bug) if bug.is_kernel_bug() => return Err(bug),
                    other => other,
                };
                let _ = reply.send(result);
            }
            Injected::Ps { reply } => {
                let _ = reply.send(self.ps());
            }
            Injected::Wait { pid, reply } => self.core.borrow_mut().host_wait(pid, reply),
            Injected::Wake(id) => self.core.borrow_mut().wake(id)?,
            Injected::Tty { tty, event } => self.tty_event(&tty, event)?,
            Injected::Shutdown => self.shutdown = true,
        }
        Ok(())
    }

    /// What a terminal's host asked: a signal key's signal to the foreground group, or
    /// after a hang-up SIGHUP and SIGCONT to the controlling process. Fatal signals end
    /// their targets at once, as [`kill`](Kernel::kill) does.
    fn tty_event(&mut self, tty: &Tty, event: TtyEvent) -> Result<(), Error> {
        let (targets, signals): (Vec<Pid>, Vec<Signal>) = {
            let mut core = self.core.borrow_mut();
            match event {
                TtyEvent::Key(signal) => {
                    let members = match tty.owner() {
                        (Some(_), Some(fg)) => core.group(fg),
                        _ => Vec::new(),
                    };
                    let pids = members.into_iter().map(|slot| core.pid(slot)).collect();
                    (pids, vec![signal])
                }
                TtyEvent::Hangup => {
                    let leader = core.disown_tty(tty);
                    let signals = vec![Signal::SIGHUP, Signal::SIGCONT];
                    (leader.into_iter().collect(), signals)
                }
            }
        };
        for pid in targets {
            for &signal in &signals {
                match self.deliver(pid, signal) {
                    Err(bug) if bug.is_kernel_bug() => return Err(bug),
                    // A target gone meanwhile is no error.
                    _ => {}
                }
            }
        }
        Ok(())
    }

    /// Ends the dispatch that a `run_for` limit cut short, as a preemption: the host is
    /// about to act on processes.
    pub(super) fn unpause(&mut self) -> Result<(), Error> {
        if let Some(slot) = self.paused.take() {
            let mut core = self.core.borrow_mut();
            core.current = slot;
            preempt(&mut core, slot)?;
        }
        Ok(())
    }
}

/// The wall-clock instant of tick `at`, if it can be represented.
fn tick_instant(started: Instant, tick: Duration, at: Tick) -> Option<Instant> {
    let nanos = tick.as_nanos().checked_mul(u128::from(at))?;
    started.checked_add(Duration::from_nanos(u64::try_from(nanos).ok()?))
}

pub(super) fn wall_ticks(started: Instant, tick: Duration) -> Tick {
    (started.elapsed().as_nanos() / tick.as_nanos().max(1)) as Tick
}

fn deadlock_report(core: &Core) -> DeadlockReport {
    let blocked = core
        .table
        .iter()
        .filter(|(slot, p)| {
            *slot != INIT && matches!(p.state, ProcState::Waiting(_) | ProcState::Stopped)
        })
        .map(|(_, p)| (p.pid, p.name.to_string(), p.state))
        .collect();
    DeadlockReport {
        tick: core.now,
        blocked,
    }
}
