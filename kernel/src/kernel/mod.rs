//! `Kernel`: owns the processes and runs them, one poll at a time. Its builder is in
//! `builder`, the run loop in `run`, and one dispatch of a process in `dispatch`.

use std::cell::RefCell;
use std::future::Future;
use std::rc::Rc;
use std::sync::Arc;
use std::time::Instant;

use crossbeam_utils::sync::Parker;
use vproc_ipc::{Errno, Signal};
use vproc_sched::Tick;

use crate::core::{Core, INIT, Registered};
use crate::event::{Event, Subscriber};
use crate::handle::Shared;
use crate::program::program_of;
use crate::waker::WakeId;
use crate::{
    Command, DeadlockReport, Error, ExitStatus, ExitValue, HostChild, KernelHandle, Pid, Proc,
    ProcInfo, ProcState, SysResult, TtyHandle, waker,
};

mod builder;
mod dispatch;
mod run;

use dispatch::contain;
use run::wall_ticks;

pub use builder::{ClockMode, KernelBuilder};

/// Why `run` (or one of its variants) returned.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Stop {
    /// Every process but init has exited.
    AllExited,
    /// The process `run_until` waited for has exited.
    TargetExited(Pid),
    /// `run_for`'s ticks have passed.
    TimeLimit,
    /// Processes remain but none can ever run again.
    Deadlock(DeadlockReport),
    /// A handle asked for shutdown.
    Shutdown,
}

/// Counts of what the kernel holds, to prove that nothing is left behind.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct LiveObjects {
    /// Processes in the table, init and zombies included.
    pub processes: usize,
    /// Program futures not yet dropped.
    pub programs: usize,
    /// Timers of sleeping processes.
    pub timers: usize,
    /// Processes in the policy's ready set.
    pub ready: usize,
    /// Exit statuses the host has not collected.
    pub uncollected_exits: usize,
    /// Arrivals not yet due.
    pub arrivals: usize,
    /// Open descriptors, in every process's table.
    pub descriptors: usize,
    /// Open file descriptions (what descriptors point at), wherever they are held.
    pub open_files: usize,
    /// Pipes and FIFO buffers with an end open.
    pub pipes: usize,
    /// Virtual terminals alive (held by a host handle, an open file or a session).
    pub terminals: usize,
}

/// The kernel: a process table, a policy, a clock, and the loop that runs processes.
///
/// Processes are futures polled one at a time on the thread that calls [`run`](Kernel::run).
/// A `Kernel` stays on the thread that built it; other threads use a [`KernelHandle`].
pub struct Kernel {
    core: Rc<RefCell<Core>>,
    shared: Arc<Shared>,
    parker: Parker,
    id: u16,
    clock: ClockMode,
    started: Instant,
    wakes: Vec<WakeId>,
    shutdown: bool,
    /// A process whose dispatch a `run_for` limit cut short: still Running.
    paused: Option<u32>,
    /// Whether events must be delivered to subscribers.
    has_subscribers: bool,
}

impl Default for Kernel {
    fn default() -> Self {
        Kernel::new()
    }
}

impl Kernel {
    /// A kernel with the default settings: priority policy, virtual clock.
    pub fn new() -> Self {
        KernelBuilder::default().build()
    }

    /// A builder for a kernel with other settings.
    pub fn builder() -> KernelBuilder {
        KernelBuilder::default()
    }

    /// Registers a program by name, for `spawn` and `Proc::spawn`.
    pub fn register<F, Fut>(&mut self, name: impl Into<String>, program: F)
    where
        F: Fn(Proc) -> Fut + 'static,
        Fut: Future + 'static,
        Fut::Output: ExitValue,
    {
        let program = Rc::new(program);
        let registered: Registered = Rc::new(move |proc| {
            let program = program.clone();
            program_of(move |proc| program(proc), proc)
        });
        self.core
            .borrow_mut()
            .programs
            .insert(name.into(), registered);
    }

    /// Spawns a registered program as a child of init. Its status waits for the host in
    /// [`exit_status`](Kernel::exit_status).
    pub fn spawn(&mut self, command: Command) -> SysResult<Pid> {
        let pid = self.spawn_host(command, None);
        self.deliver_events();
        pid
    }

    /// Spawns a program given as a closure, as a child of init, when the clock reaches
    /// `at` (at once if it has). Arrivals due at one tick come after the policy's own
    /// events of that tick (an MLFQ boost) and before the processes that wake then, in
    /// the order they were asked for; the pid is given at arrival.
    ///
    /// EINVAL for a nice value out of range. A spawn that fails when its time comes (no
    /// pid left) is reported by [`failed_arrivals`](Kernel::failed_arrivals).
    pub fn spawn_fn_at<F, Fut>(
        &mut self,
        at: Tick,
        mut command: Command,
        program: F,
    ) -> SysResult<()>
    where
        F: FnOnce(Proc) -> Fut + 'static,
        Fut: Future + 'static,
        Fut::Output: ExitValue,
    {
        if let Some(n) = command.nice {
            crate::core::nice_value(n)?;
        }
        if at <= self.now() {
            return self.spawn_fn_from(&mut command, program).map(drop);
        }
        let rc = self.core.clone();
        let make: crate::arrival::Make = Box::new(move |pid, slot, generation| {
            Ok(program_of(program, Proc::new(rc, pid, slot, generation)))
        });
        let mut core = self.core.borrow_mut();
        core.arrivals
            .add(at, crate::arrival::Arrival { command, make });
        core.falls_due(at);
        Ok(())
    }

    /// The arrivals ([`spawn_fn_at`](Kernel::spawn_fn_at)) that could not be spawned
    /// when their time came, since the last call.
    pub fn failed_arrivals(&mut self) -> Vec<crate::ArrivalFailure> {
        self.core.borrow_mut().arrivals.take_failures()
    }

    /// The stretches of CPU time processes held since the last call, in time order
    /// (empty unless the kernel was built with
    /// [`dispatch_log`](KernelBuilder::dispatch_log)). Stretches of no time are left out.
    pub fn take_dispatch_log(&mut self) -> Vec<crate::Dispatch> {
        match &mut self.core.borrow_mut().dispatch_log {
            Some(log) => std::mem::take(log),
            None => Vec::new(),
        }
    }

    /// How many times the CPU passed from one process to another.
    pub fn context_switches(&self) -> u64 {
        self.core.borrow().switches
    }

    /// Spawns a registered program as a child of init, with its standard streams as
    /// `command` sets them; the host gets its ends of the [`Stdio::Piped`](crate::Stdio)
    /// ones. (The host has no descriptors: `Stdio::Inherit` leaves a stream closed and
    /// `Stdio::Fd` fails with EBADF.)
    pub fn spawn_child(&mut self, mut command: Command) -> SysResult<HostChild> {
        let rc = self.core.clone();
        let spawned = {
            let mut core = self.core.borrow_mut();
            let registered = core.registered(&command.program)?;
            core.spawn_with_stdio(INIT, &mut command, move |pid, slot, generation| {
                Ok(registered(Proc::new(rc, pid, slot, generation)))
            })
        };
        self.deliver_events();
        spawned.map(host_child)
    }

    /// As [`spawn_child`](Kernel::spawn_child), running `program`.
    pub fn spawn_fn_child<F, Fut>(
        &mut self,
        mut command: Command,
        program: F,
    ) -> SysResult<HostChild>
    where
        F: FnOnce(Proc) -> Fut + 'static,
        Fut: Future + 'static,
        Fut::Output: ExitValue,
    {
        let rc = self.core.clone();
        let spawned = self.core.borrow_mut().spawn_with_stdio(
            INIT,
            &mut command,
            move |pid, slot, generation| {
                Ok(program_of(program, Proc::new(rc, pid, slot, generation)))
            },
        );
        self.deliver_events();
        spawned.map(host_child)
    }

    /// A new virtual terminal, and the host's handle on it (see [`TtyHandle`]): give it to
    /// a process with [`Stdio::Tty`](crate::Stdio::Tty) (`Command::terminal`).
    pub fn open_tty(&mut self) -> TtyHandle {
        let tty = self.core.borrow_mut().terminals.open();
        TtyHandle::new(tty, self.shared.clone())
    }

    /// Mounts the host directory `dir` at `at` (an existing directory of the virtual
    /// tree; `/` makes the host's tree the root, with /dev and /proc still on top).
    /// Processes see the host's files there, and cannot leave `dir` through `..` or a
    /// symbolic link. ENOENT, ENOTDIR.
    pub fn mount_host(&mut self, at: &str, dir: impl AsRef<std::path::Path>) -> SysResult<()> {
        let mut core = self.core.borrow_mut();
        let at = crate::vfs::components(&core.directory(INIT, at)?);
        let dev = core.vfs.new_dev();
        let fs = crate::vfs::HostFs::new(dir.as_ref(), dev)?;
        core.vfs
            .mount(at, crate::vfs::Backend::Fs(Rc::new(fs)), dev);
        Ok(())
    }

    /// Mounts a new, empty in-memory filesystem at `at` (an existing directory).
    pub fn mount_memory(&mut self, at: &str) -> SysResult<()> {
        let mut core = self.core.borrow_mut();
        let at = crate::vfs::components(&core.directory(INIT, at)?);
        let dev = core.vfs.new_dev();
        let fs = crate::vfs::MemFs::new(dev);
        core.vfs
            .mount(at, crate::vfs::Backend::Fs(Rc::new(fs)), dev);
        Ok(())
    }

    /// Spawns a program given as a closure, as a child of init.
    pub fn spawn_fn<F, Fut>(&mut self, mut command: Command, program: F) -> SysResult<Pid>
    where
        F: FnOnce(Proc) -> Fut + 'static,
        Fut: Future + 'static,
        Fut::Output: ExitValue,
    {
        self.spawn_fn_from(&mut command, program)
    }

    /// [`spawn_fn`](Kernel::spawn_fn) from a command the caller keeps: a `Command` is
    /// large, and moving it once more costs a measurable part of a spawn.
    #[inline(always)]
    fn spawn_fn_from<F, Fut>(&mut self, command: &mut Command, program: F) -> SysResult<Pid>
    where
        F: FnOnce(Proc) -> Fut + 'static,
        Fut: Future + 'static,
        Fut::Output: ExitValue,
    {
        let rc = self.core.clone();
        let pid = self
            .core
            .borrow_mut()
            .spawn(INIT, command, move |pid, slot, generation| {
                Ok(program_of(program, Proc::new(rc, pid, slot, generation)))
            });
        self.deliver_events();
        pid
    }

    fn spawn_host(
        &mut self,
        mut command: Command,
        program: Option<crate::handle::SendProgram>,
    ) -> SysResult<Pid> {
        let rc = self.core.clone();
        let mut core = self.core.borrow_mut();
        match program {
            Some(program) => core.spawn(INIT, &mut command, move |pid, slot, generation| {
                Ok(program(Proc::new(rc, pid, slot, generation)))
            }),
            None => {
                let registered = core.registered(&command.program)?;
                core.spawn(INIT, &mut command, move |pid, slot, generation| {
                    Ok(registered(Proc::new(rc, pid, slot, generation)))
                })
            }
        }
    }

    /// Sends a signal to `pid`, as `kill(2)` from outside any process: the target's
    /// disposition and mask apply (a handler runs at its next dispatch). A signal whose
    /// action ends the process ends it at once (a stopped one only for SIGKILL; other
    /// signals wait for SIGCONT). ESRCH for an unknown pid.
    pub fn kill(&mut self, pid: Pid, signal: Signal) -> SysResult<()> {
        let result = self.deliver(pid, signal);
        self.deliver_events();
        result
    }

    /// Delivers a signal; ends the process if the signal terminates it.
    fn deliver(&mut self, pid: Pid, signal: Signal) -> SysResult<()> {
        self.unpause()?;
        let mut core = self.core.borrow_mut();
        let slot = core
            .table
            .slot_of(pid)
            .ok_or_else(|| Error::new(Errno::ESRCH, format!("no process with pid {pid}")))?;
        core.send_signal(slot, signal)?;
        // Outside any dispatch, the host delivers a fatal signal at once (a process that
        // is not stopped, or SIGKILL).
        let p = core.table.get(slot);
        let fatal = p.state != ProcState::Zombie
            && (p.state != ProcState::Stopped || signal == Signal::SIGKILL)
            && p.sig.deliverable().contains_signal(signal)
            && p.sig.actions.get(signal).kills(signal);
        if fatal {
            core.table.get_mut(slot).sig.pending.remove_signal(signal);
            let core_dumped = signal.default_action() == vproc_ipc::DefaultAction::Core;
            drop(core);
            self.terminate(
                slot,
                ExitStatus::Signaled {
                    signal,
                    core_dumped,
                },
            )?;
        }
        Ok(())
    }

    /// Ends the process in `slot`: zombie first, then its program is dropped outside any
    /// borrow (destructors may make system calls), then its parent and children learn.
    #[inline]
    fn terminate(&mut self, slot: u32, status: ExitStatus) -> Result<(), Error> {
        let (program, fds) = self.core.borrow_mut().begin_exit(slot, &status)?;
        contain(move || drop(program));
        fds.close_all();
        self.core.borrow_mut().finish_exit(slot, status)
    }

    /// The status of a process the host spawned, once it has exited; `None` while it
    /// runs. Taken once: the pid may then be reused. ECHILD for any other pid.
    pub fn exit_status(&mut self, pid: Pid) -> SysResult<Option<ExitStatus>> {
        self.core.borrow_mut().take_host_exit(pid)
    }

    /// A handle for other threads.
    pub fn handle(&self) -> KernelHandle {
        KernelHandle::new(self.shared.clone())
    }

    /// The clock (in real time, never behind the wall clock).
    pub fn now(&self) -> Tick {
        let now = self.core.borrow().now;
        match self.clock {
            ClockMode::Virtual => now,
            ClockMode::Real { tick } => now.max(wall_ticks(self.started, tick)),
        }
    }

    /// The policy's name.
    pub fn policy_name(&self) -> &'static str {
        self.core.borrow().policy.name()
    }

    /// A snapshot of the process table, by pid.
    pub fn ps(&self) -> Vec<ProcInfo> {
        crate::ps::snapshot(&self.core.borrow())
    }

    /// Calls `subscriber` with every event from now on, in order, on the kernel's thread.
    ///
    /// Subscribers are called between the kernel's own steps (after each dispatch, and at
    /// the end of the `Kernel` call that caused the event), never inside them, so a
    /// subscriber may make calls of its own.
    pub fn subscribe(&mut self, subscriber: impl FnMut(&Event) + 'static) {
        let subscriber: Subscriber = Box::new(subscriber);
        self.core.borrow_mut().events.subscribe(subscriber);
        self.has_subscribers = true;
    }

    /// The most recent events, oldest first (as many as the ring keeps).
    pub fn recent_events(&self) -> Vec<Event> {
        self.core.borrow().events.recent()
    }

    /// What the kernel holds now.
    pub fn live_objects(&self) -> LiveObjects {
        let core = self.core.borrow();
        LiveObjects {
            processes: core.table.len(),
            programs: core
                .table
                .iter()
                .filter(|(_, p)| p.program.is_some())
                .count(),
            timers: core.live_timers(),
            ready: core.policy.ready_len(),
            uncollected_exits: core.uncollected_exits(),
            arrivals: core.arrivals.len(),
            descriptors: core.table.iter().map(|(_, p)| p.fds.len()).sum(),
            open_files: core.census.open_files(),
            pipes: core.census.pipes(),
            terminals: core.terminals.live(),
        }
    }
}

/// The host's side of a spawned child's streams.
fn host_child((pid, ends): (Pid, crate::core::StdioEnds)) -> HostChild {
    let [stdin, stdout, stderr] = ends;
    let reader = |end: Option<crate::core::PipeEnd>| match end {
        Some(crate::core::PipeEnd::Reader(r)) => Some(r),
        _ => None,
    };
    HostChild {
        pid,
        stdin: match stdin {
            Some(crate::core::PipeEnd::Writer(w)) => Some(w),
            _ => None,
        },
        stdout: reader(stdout),
        stderr: reader(stderr),
    }
}

impl Drop for Kernel {
    fn drop(&mut self) {
        self.shared.close();
        waker::unregister(self.id);
        // Programs hold `Proc`s, which hold the kernel: drop them outside any borrow to
        // break the cycle.
        let programs: Vec<_> = {
            let mut core = self.core.borrow_mut();
            let slots = core.table.slots();
            slots
                .into_iter()
                .filter_map(|slot| core.table.get_mut(slot).program.take())
                .collect()
        };
        drop(programs);
        // Registered programs may hold what holds the kernel; waiters must learn it is
        // gone rather than wait on.
        let (registered, waiters) = self.core.borrow_mut().release();
        drop(registered);
        drop(waiters);
        let arrivals = self.core.borrow_mut().arrivals.release();
        drop(arrivals);
    }
}
