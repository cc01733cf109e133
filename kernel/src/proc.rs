//! `Proc`: a process's view of the kernel. Every system call goes through it.

use std::cell::RefCell;
use std::convert::Infallible;
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll};

use bitflags::bitflags;
use vproc_ipc::Errno;
use vproc_sched::Tick;

use crate::core::{Core, set_var};
use crate::process::Action;
use crate::program::program_of;
use crate::{Command, Error, ExitStatus, ExitValue, Pid, ProcInfo, SysResult, WaitFor};

bitflags! {
    /// Options of [`Proc::waitpid`].
    #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
    pub struct WaitFlags: u32 {
        /// Return at once (with `None`) when no child has exited yet.
        const NOHANG = 1;
        /// Also report children that have stopped (`ExitStatus::Stopped`).
        const UNTRACED = 2;
        /// Also report stopped children that a SIGCONT resumed (`ExitStatus::Continued`).
        const CONTINUED = 8;
    }
}

/// CPU time of a process, in ticks, as `times(2)` reports it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct Times {
    /// Ticks spent computing.
    pub user: Tick,
    /// Ticks spent in system calls.
    pub system: Tick,
    /// User ticks of reaped children (and of their reaped children).
    pub children_user: Tick,
    /// System ticks of reaped children (and of their reaped children).
    pub children_system: Tick,
}

/// The context a program runs in: its pid, and the system calls.
///
/// A program is an `async` function that takes a `Proc`. Calls that may block (`sleep`,
/// `wait`, `yield_now`, `compute`) are `async` and are where other processes run; the rest
/// return at once. Every call but [`pid`](Proc::pid), [`compute`](Proc::compute) (which
/// is user time) and [`exit`](Proc::exit) costs the kernel's syscall cost in ticks of
/// system time, charged to the process on the CPU.
///
/// A `Proc` belongs to its process and its kernel's thread: it is neither `Send` nor
/// `Clone`. Kept past the end of its process, it acts on nothing: calls that change the
/// process fail with ESRCH, queries answer as for an empty process.
pub struct Proc {
    pub(crate) core: Rc<RefCell<Core>>,
    pid: Pid,
    slot: u32,
    generation: u32,
}

impl Proc {
    pub(crate) fn new(core: Rc<RefCell<Core>>, pid: Pid, slot: u32, generation: u32) -> Self {
        Proc {
            core,
            pid,
            slot,
            generation,
        }
    }

    /// Runs a system call of this process: charges its cost, then `f` on the process's
    /// slot; ESRCH when the process is gone.
    #[inline]
    pub(crate) fn syscall<T>(
        &self,
        f: impl FnOnce(&mut Core, u32) -> SysResult<T>,
    ) -> SysResult<T> {
        let mut core = self.core.borrow_mut();
        core.charge_syscall();
        match core.table.owner(self.slot, self.generation) {
            Some(slot) => f(&mut core, slot),
            None => Err(self.gone()),
        }
    }

    /// Runs a query about this process: charges its cost, then `f`, or gives `gone` when
    /// the process is gone.
    #[inline]
    pub(crate) fn query<T>(&self, gone: T, f: impl FnOnce(&mut Core, u32) -> T) -> T {
        let mut core = self.core.borrow_mut();
        core.charge_syscall();
        match core.table.owner(self.slot, self.generation) {
            Some(slot) => f(&mut core, slot),
            None => gone,
        }
    }

    /// Runs a call about the kernel as a whole: charges its cost, then `f`.
    #[inline]
    pub(crate) fn global<T>(&self, f: impl FnOnce(&mut Core) -> T) -> T {
        let mut core = self.core.borrow_mut();
        core.charge_syscall();
        f(&mut core)
    }

    pub(crate) fn gone(&self) -> Error {
        Error::new(
            Errno::ESRCH,
            format!("process {} has ended; its Proc acts on nothing", self.pid),
        )
    }

    /// The slot, if the process is still there.
    pub(crate) fn me(&self, core: &Core) -> Option<u32> {
        core.table.owner(self.slot, self.generation)
    }

    /// The slot, or ESRCH once the process has ended (`?` works in a `poll_fn` too).
    pub(crate) fn live_slot(&self, core: &Core) -> SysResult<u32> {
        self.me(core).ok_or_else(|| self.gone())
    }

    /// The interrupt mark for this process's call being polled
    /// ([`Core::interruption`]); none once the process is gone.
    #[inline]
    pub(crate) fn interruption(&self, core: &mut Core, first: &mut bool) -> Option<bool> {
        if !core.signals_in_use {
            // No handler ever ran: there is no mark to look for.
            *first = false;
            return None;
        }
        let slot = self.me(core)?;
        core.interruption(slot, first)
    }

    /// This process's id (`getpid`); free of charge.
    pub fn pid(&self) -> Pid {
        self.pid
    }

    /// The parent's id (`getppid`): 1 once the parent has exited and init adopted us.
    pub fn getppid(&self) -> Pid {
        self.query(Pid(0), |core, slot| {
            let parent = core.table.get(slot).parent;
            core.pid(parent)
        })
    }

    /// The program name (`argv[0]`).
    pub fn name(&self) -> String {
        self.query(String::new(), |core, slot| {
            core.table.get(slot).name.to_string()
        })
    }

    /// The arguments after the program name.
    pub fn args(&self) -> Vec<String> {
        self.query(Vec::new(), |core, slot| core.table.get(slot).args.to_vec())
    }

    /// The clock, in ticks (`clock_gettime(CLOCK_MONOTONIC)`).
    pub fn now(&self) -> Tick {
        self.global(|core| core.now)
    }

    /// A pseudo-random number from the kernel's seeded generator: the same seed gives the
    /// same numbers in the same schedule.
    pub fn random(&self) -> u64 {
        self.global(Core::next_random)
    }

    /// Starts a child running the registered program `command` names. ENOENT when no
    /// program has that name; EINVAL for a bad nice value, directory or variable name;
    /// EAGAIN when every pid is in use.
    pub fn spawn(&self, mut command: Command) -> SysResult<Pid> {
        let rc = self.core.clone();
        self.syscall(|core, slot| {
            let program = core.registered(&command.program)?;
            core.spawn(slot, &mut command, move |pid, child, generation| {
                Ok(program(Proc::new(rc, pid, child, generation)))
            })
        })
    }

    /// Starts a child running `program`; `command` gives its name, arguments and
    /// environment.
    pub fn spawn_fn<F, Fut>(&self, mut command: Command, program: F) -> SysResult<Pid>
    where
        F: FnOnce(Proc) -> Fut + 'static,
        Fut: Future + 'static,
        Fut::Output: ExitValue,
    {
        let rc = self.core.clone();
        self.syscall(|core, slot| {
            core.spawn(slot, &mut command, move |pid, child, generation| {
                let proc = Proc::new(rc, pid, child, generation);
                Ok(program_of(program, proc))
            })
        })
    }

    /// Ends the process with `code` (its low 8 bits, as on Unix). The future never
    /// completes: nothing after `.await` runs.
    pub fn exit(&self, code: i32) -> Exit<'_> {
        Exit {
            proc: self,
            code: code.exit_code(),
        }
    }

    /// Waits for any child to exit, reaps it and returns its pid and status. ECHILD when
    /// there are no children.
    pub async fn wait(&self) -> SysResult<(Pid, ExitStatus)> {
        let reaped = self.waitpid(WaitFor::Any, WaitFlags::empty()).await?;
        Ok(reaped.expect("a blocking wait returns a child"))
    }

    /// Waits for a child (`target`) to exit, reaps it and returns its pid and status.
    /// With [`WaitFlags::NOHANG`], returns `None` at once if it has not exited. ECHILD
    /// when the target is not a child of this process (or there are no children).
    pub fn waitpid(&self, target: WaitFor, flags: WaitFlags) -> WaitPid<'_> {
        WaitPid {
            proc: self,
            target,
            flags,
            charged: false,
        }
    }

    /// Gives the CPU to the next ready process (`sched_yield`).
    pub fn yield_now(&self) -> YieldNow<'_> {
        YieldNow {
            proc: self,
            done: false,
        }
    }

    /// Blocks for `ticks` ticks of the clock; `sleep(0)` returns at once. Returns the ticks
    /// left: 0, or more when a signal handler interrupted the sleep (as `sleep(3)`).
    pub fn sleep(&self, ticks: Tick) -> Sleep<'_> {
        Sleep {
            proc: self,
            deadline: Deadline::After(ticks),
        }
    }

    /// A simulated CPU burst of `ticks` ticks of user time. The policy may preempt the
    /// process at slice boundaries inside the burst; other processes then run, and the
    /// burst goes on when the process is dispatched again.
    pub fn compute(&self, ticks: Tick) -> Compute<'_> {
        Compute { proc: self, ticks }
    }

    /// The value of an environment variable.
    pub fn getenv(&self, key: &str) -> Option<String> {
        self.query(None, |core, slot| {
            core.table
                .get(slot)
                .env
                .iter()
                .find(|(k, _)| k == key)
                .map(|(_, v)| v.clone())
        })
    }

    /// Sets an environment variable. EINVAL for an empty name or one with `=`.
    pub fn setenv(&self, key: &str, value: &str) -> SysResult<()> {
        crate::path::check_env_name(key)?;
        self.syscall(|core, slot| {
            set_var(Rc::make_mut(&mut core.table.get_mut(slot).env), key, value);
            Ok(())
        })
    }

    /// Removes an environment variable (no error if it was not set). EINVAL for an empty
    /// name or one with `=`.
    pub fn unsetenv(&self, key: &str) -> SysResult<()> {
        crate::path::check_env_name(key)?;
        self.syscall(|core, slot| {
            let env = &mut core.table.get_mut(slot).env;
            if env.iter().any(|(k, _)| k == key) {
                Rc::make_mut(env).retain(|(k, _)| k != key);
            }
            Ok(())
        })
    }

    /// The whole environment, in the order variables were set.
    pub fn environ(&self) -> Vec<(String, String)> {
        self.query(Vec::new(), |core, slot| core.table.get(slot).env.to_vec())
    }

    /// The working directory.
    pub fn getcwd(&self) -> String {
        self.query("/".to_string(), |core, slot| {
            core.table.get(slot).cwd.to_string()
        })
    }

    /// Changes the working directory (absolute, or relative to the current one) to a
    /// directory that exists; links are followed and the new directory is kept as an
    /// absolute path without links. ENOENT, ENOTDIR, ELOOP.
    pub fn chdir(&self, path: &str) -> SysResult<()> {
        self.syscall(|core, slot| {
            let dir = core.directory(slot, path)?;
            core.table.get_mut(slot).cwd = Rc::new(dir);
            Ok(())
        })
    }

    /// Adds `increment` to the nice value, clamped to -20..=19 as Linux does, and returns
    /// the new value.
    pub fn nice(&self, increment: i32) -> SysResult<i32> {
        self.syscall(|core, slot| {
            let nice = i32::from(core.table.get(slot).nice).saturating_add(increment);
            Ok(i32::from(core.renice(slot, nice)))
        })
    }

    /// The nice value of a process (`None`: this one). ESRCH for an unknown pid.
    pub fn getpriority(&self, pid: Option<Pid>) -> SysResult<i32> {
        self.syscall(|core, slot| {
            let target = resolve_target(core, slot, pid)?;
            Ok(i32::from(core.table.get(target).nice))
        })
    }

    /// Sets the nice value of a process (`None`: this one), clamped to -20..=19 as
    /// Linux's `setpriority` does. ESRCH for an unknown pid.
    pub fn setpriority(&self, pid: Option<Pid>, nice: i32) -> SysResult<()> {
        self.syscall(|core, slot| {
            let target = resolve_target(core, slot, pid)?;
            core.renice(target, nice);
            Ok(())
        })
    }

    /// Where this process's time went: CPU, waiting for the CPU, blocked (Linux's
    /// /proc/self/schedstat, with the tick it was created and first ran).
    pub fn sched_stat(&self) -> crate::SchedStat {
        self.query(crate::SchedStat::default(), |core, slot| {
            let p = core.table.get(slot);
            crate::SchedStat {
                created: p.created,
                first_run: (p.started != Tick::MAX).then_some(p.started),
                cpu: p.user + p.sys,
                run_delay: p.run_delay,
                blocked: p.blocked,
            }
        })
    }

    /// CPU time used by this process and its reaped children.
    pub fn times(&self) -> Times {
        self.query(Times::default(), |core, slot| {
            let p = core.table.get(slot);
            Times {
                user: p.user,
                system: p.sys,
                children_user: p.child_user,
                children_system: p.child_sys,
            }
        })
    }

    /// A snapshot of the process table, as `ps` shows it.
    pub fn ps(&self) -> Vec<ProcInfo> {
        self.global(|core| crate::ps::snapshot(core))
    }

    fn act(&self, action: Action) {
        self.core.borrow_mut().action.set(action);
    }
}

/// The error of a blocking call a signal handler interrupted.
pub(crate) fn interrupted(call: &str) -> Error {
    Error::new(
        Errno::EINTR,
        format!("{call} was interrupted by a signal handler"),
    )
}

fn resolve_target(core: &Core, me: u32, pid: Option<Pid>) -> SysResult<u32> {
    match pid {
        None => Ok(me),
        Some(pid) => core
            .table
            .slot_of(pid)
            .ok_or_else(|| Error::new(Errno::ESRCH, format!("no process with pid {pid}"))),
    }
}

/// The future of [`Proc::exit`].
#[must_use = "the process exits only when this is awaited"]
pub struct Exit<'a> {
    proc: &'a Proc,
    code: u8,
}

impl Future for Exit<'_> {
    type Output = Infallible;

    fn poll(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<Infallible> {
        self.proc.act(Action::Exit(self.code));
        Poll::Pending
    }
}

/// The future of [`Proc::waitpid`].
#[must_use = "nothing happens until this is awaited"]
pub struct WaitPid<'a> {
    proc: &'a Proc,
    target: WaitFor,
    flags: WaitFlags,
    charged: bool,
}

impl Future for WaitPid<'_> {
    type Output = SysResult<Option<(Pid, ExitStatus)>>;

    fn poll(mut self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<Self::Output> {
        let mut core = self.proc.core.borrow_mut();
        let Some(slot) = self.proc.me(&core) else {
            return Poll::Ready(Err(self.proc.gone()));
        };
        let mut first = !self.charged;
        if first {
            core.charge_syscall();
            self.charged = true;
        }
        let interrupt = core.interruption(slot, &mut first);
        match core.wait_child(slot, self.target, self.flags) {
            Ok(None) if !self.flags.contains(WaitFlags::NOHANG) => {
                if interrupt == Some(false) {
                    return Poll::Ready(Err(interrupted("wait")));
                }
                core.action.set(Action::Wait(self.target));
                Poll::Pending
            }
            result => Poll::Ready(result),
        }
    }
}

/// The future of [`Proc::yield_now`].
#[must_use = "nothing happens until this is awaited"]
pub struct YieldNow<'a> {
    proc: &'a Proc,
    done: bool,
}

impl Future for YieldNow<'_> {
    type Output = ();

    #[inline]
    fn poll(mut self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<()> {
        if self.done {
            return Poll::Ready(());
        }
        self.done = true;
        let mut core = self.proc.core.borrow_mut();
        core.charge_syscall();
        core.action.set(Action::Yield);
        Poll::Pending
    }
}

/// Where a sleep stands: not begun (the ticks it lasts) or begun (the tick it ends at).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Deadline {
    /// Not begun: it lasts this many ticks from its first poll.
    After(Tick),
    /// Begun: it ends at this tick.
    At(Tick),
}

/// The future of [`Proc::sleep`].
#[must_use = "nothing happens until this is awaited"]
pub struct Sleep<'a> {
    proc: &'a Proc,
    deadline: Deadline,
}

impl Future for Sleep<'_> {
    type Output = Tick;

    fn poll(mut self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<Tick> {
        let Sleep { proc, deadline } = &mut *self;
        proc.poll_sleep(deadline)
    }
}

/// The future of [`Proc::compute`].
#[must_use = "nothing happens until this is awaited"]
pub struct Compute<'a> {
    proc: &'a Proc,
    /// The ticks to run, or 0 once the burst has begun.
    ticks: Tick,
}

impl Future for Compute<'_> {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<()> {
        let Compute { proc, ticks } = &mut *self;
        proc.poll_compute(ticks)
    }
}

impl Proc {
    /// One poll of a sleep ([`Proc::sleep`]); `deadline` keeps where it stands from one
    /// poll to the next. Ready with the ticks it had left, which are 0 unless a signal
    /// handler cut it short (sleep(3)).
    #[inline(always)]
    pub(crate) fn poll_sleep(&self, deadline: &mut Deadline) -> Poll<Tick> {
        let mut core = self.core.borrow_mut();
        let mut first = matches!(deadline, Deadline::After(_));
        let interrupt = self.interruption(&mut core, &mut first);
        let until = match *deadline {
            Deadline::At(until) => until,
            Deadline::After(ticks) => {
                core.charge_syscall();
                if ticks == 0 {
                    return Poll::Ready(0);
                }
                let until = core.now.saturating_add(ticks);
                *deadline = Deadline::At(until);
                until
            }
        };
        if core.now >= until {
            return Poll::Ready(0);
        }
        // A handler ran: the sleep ends early, with the ticks it had left.
        if interrupt.is_some() {
            return Poll::Ready(until - core.now);
        }
        core.action.set(Action::Sleep(until));
        Poll::Pending
    }

    /// One poll of a CPU burst ([`Proc::compute`]) of `ticks`, which becomes 0 as the
    /// burst begins: polled again, it is over.
    #[inline(always)]
    pub(crate) fn poll_compute(&self, ticks: &mut Tick) -> Poll<()> {
        // A burst nothing cuts runs here and now; any other, the kernel runs itself,
        // polling again only once it is over.
        if *ticks == 0 {
            return Poll::Ready(());
        }
        let left =
            self.core
                .borrow_mut()
                .burst_at_once(self.slot, self.generation, std::mem::take(ticks));
        if left == 0 {
            return Poll::Ready(());
        }
        self.act(Action::Compute(left));
        Poll::Pending
    }
}
