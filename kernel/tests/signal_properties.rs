//! Random sequences of signal operations on a few target processes, against a small
//! reference model of each target's pending and blocked sets, dispositions, handler
//! runs, interrupted reads and state (waiting, stopped, or dead with its status).
//!
//! Each target blocks in a read of its standard input, a pipe, in a loop. An operation
//! is either a signal sent to a target (`kill`, among them SIGSTOP, SIGTSTP, SIGCONT and
//! SIGKILL), or a command the target runs itself (block, unblock, or set the action of a
//! signal to default, ignore, or a handler with or without `SA_RESTART`): the driver
//! queues the command and writes a byte to the target's pipe, which wakes its read; the
//! target runs every queued command, then notes its `sigpending()` and mask. A read a
//! handler interrupted without `SA_RESTART` fails with EINTR, which the target counts.
//!
//! The model is exact because nothing depends on timing: after each operation the driver
//! lets the clock run far ahead (the clock is virtual: it jumps once every target is
//! blocked or stopped), so each target has settled. Then the driver checks every target's
//! state in `ps` (and exit status), the runs of every handler, the EINTR count, and,
//! after a poke (a byte with no command) that makes each waiting target note its sets
//! again, its pending (blocked) signals and its mask.
//!
//! Two drivers run the same model: a controller process, the targets' parent (it sends
//! with `Proc::kill`, sees dead targets as zombies, checks after each step what `waitpid`
//! with `UNTRACED | CONTINUED | NOHANG` reports of the live ones, and reaps them all at
//! the end), and the host (targets are its children: `Kernel::kill`, `run_for`,
//! `exit_status`).
//!
//! The model follows Linux: a blocked signal is kept even if ignored; an unblocked one
//! whose action is to ignore it is discarded; SIGCONT discards pending stop signals and
//! a stop signal discards a pending SIGCONT; SIGCONT continues a stopped target even if
//! blocked or caught; a stopped target keeps every signal but SIGKILL pending; signals
//! are delivered SIGKILL first, then lowest number first; the first handler decides
//! whether the interrupted read restarts; setting an action that ignores a signal
//! discards it if pending. The one vproc choice: a target continued with data waiting in
//! its pipe reads it, even if a handler ran as it resumed (Linux's read, already aborted
//! by the stop, would fail with EINTR).

mod common;

use std::cell::{Cell, RefCell};
use std::collections::VecDeque;
use std::fmt::Write as _;
use std::rc::Rc;

use bytes::Bytes;
use common::run_main;
use proptest::prelude::*;
use vproc_ipc::{DefaultAction, PipeWriter};
use vproc_kernel::{
    Command, Errno, ExitStatus, Fd, Kernel, OpenFlags, Pid, Proc, ProcInfo, ProcState, SaFlags,
    SigAction, SigHow, SigSet, Signal, Stdio, Stop, Tick, WaitFlags, WaitFor, WaitOn,
};

/// The signals operations choose from: each class of default action, the stop signals,
/// SIGCONT and the two that cannot be caught.
const SIGNALS: [Signal; 11] = [
    Signal::SIGHUP,  // terminate
    Signal::SIGQUIT, // core
    Signal::SIGKILL,
    Signal::SIGUSR1, // terminate
    Signal::SIGUSR2, // terminate
    Signal::SIGTERM, // terminate
    Signal::SIGCHLD, // ignore
    Signal::SIGCONT,
    Signal::SIGSTOP,
    Signal::SIGTSTP, // stop
    Signal::SIGTTIN, // stop
];

/// Ticks the driver lets pass after each step: far more than the targets' calls take.
const SETTLE: Tick = 10_000;

// ---------------------------------------------------------------------------------------
// What the test generates

/// An action a target sets.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Disp {
    Default,
    Ignore,
    Handler { restart: bool },
}

/// A command a target runs itself.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Cmd {
    Block(Signal),
    Unblock(Signal),
    Action(Signal, Disp),
}

/// One step.
#[derive(Clone, Copy, Debug)]
enum Op {
    /// Send a signal to the target.
    Kill(usize, Signal),
    /// Have the target run a command.
    Run(usize, Cmd),
}

fn signal() -> impl Strategy<Value = Signal> {
    // SIGKILL rarely, or targets die before anything else happens.
    prop_oneof![
        1 => Just(Signal::SIGKILL),
        30 => proptest::sample::select(
            SIGNALS
                .into_iter()
                .filter(|&s| s != Signal::SIGKILL)
                .collect::<Vec<_>>()
        ),
    ]
}

fn disp() -> impl Strategy<Value = Disp> {
    prop_oneof![
        1 => Just(Disp::Default),
        1 => Just(Disp::Ignore),
        3 => any::<bool>().prop_map(|restart| Disp::Handler { restart }),
    ]
}

fn op(targets: usize) -> impl Strategy<Value = Op> {
    let t = 0..targets;
    let stop = proptest::sample::select(vec![Signal::SIGSTOP, Signal::SIGTSTP, Signal::SIGTTIN]);
    prop_oneof![
        6 => (t.clone(), signal()).prop_map(|(t, s)| Op::Kill(t, s)),
        2 => (t.clone(), stop).prop_map(|(t, s)| Op::Kill(t, s)),
        3 => t.clone().prop_map(|t| Op::Kill(t, Signal::SIGCONT)),
        3 => (t.clone(), signal()).prop_map(|(t, s)| Op::Run(t, Cmd::Block(s))),
        3 => (t.clone(), signal()).prop_map(|(t, s)| Op::Run(t, Cmd::Unblock(s))),
        5 => (t, signal(), disp()).prop_map(|(t, s, d)| Op::Run(t, Cmd::Action(s, d))),
    ]
}

/// A case: how many targets, the operations, and the driver (the host, or a controller
/// process). The operations begin with a setup: each target sets the action of most
/// signals (mostly to handlers), so that it lives long enough to take signals in many
/// ways.
fn case() -> impl Strategy<Value = (usize, Vec<Op>, bool)> {
    let catchable: Vec<Signal> = SIGNALS.into_iter().filter(|s| s.is_catchable()).collect();
    (1usize..=3).prop_flat_map(move |n| {
        let actions = proptest::collection::vec(
            proptest::collection::vec(proptest::option::weighted(0.7, disp()), catchable.len()),
            n,
        );
        let blocks = proptest::collection::vec((0..n, signal()), 0..n + 1);
        let ops = proptest::collection::vec(op(n), 1..48);
        let catchable = catchable.clone();
        (Just(n), actions, blocks, ops, any::<bool>()).prop_map(
            move |(n, actions, blocks, ops, host)| {
                let mut all = Vec::new();
                for (t, disps) in actions.into_iter().enumerate() {
                    for (&signal, disp) in catchable.iter().zip(disps) {
                        all.extend(disp.map(|d| Op::Run(t, Cmd::Action(signal, d))));
                    }
                }
                all.extend(blocks.into_iter().map(|(t, s)| Op::Run(t, Cmd::Block(s))));
                all.extend(ops);
                (n, all, host)
            },
        )
    })
}

// ---------------------------------------------------------------------------------------
// The reference model

fn unblockable() -> SigSet {
    SigSet::of(Signal::SIGKILL) | SigSet::of(Signal::SIGSTOP)
}

fn stop_signals() -> SigSet {
    [
        Signal::SIGSTOP,
        Signal::SIGTSTP,
        Signal::SIGTTIN,
        Signal::SIGTTOU,
    ]
    .into_iter()
    .collect()
}

/// Whether `disp` makes `signal` do nothing at all.
fn ignores(disp: Disp, signal: Signal) -> bool {
    match disp {
        Disp::Ignore => true,
        Disp::Default => matches!(
            signal.default_action(),
            DefaultAction::Ignore | DefaultAction::Continue
        ),
        Disp::Handler { .. } => false,
    }
}

/// What a target is doing.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Life {
    /// Blocked in its read.
    Reading,
    Stopped,
    Dead(ExitStatus),
}

/// What the model says of one target.
#[derive(Clone, Debug)]
struct Model {
    life: Life,
    pending: SigSet,
    blocked: SigSet,
    actions: [Disp; 32],
    handled: [u32; 32],
    eintr: u32,
    /// sigaction calls that failed with EINVAL.
    einval: u32,
    /// A handler ran since the read began: whether it restarts.
    mark: Option<bool>,
    /// Commands written to the pipe and not yet read (a stopped target's).
    queued: Vec<Cmd>,
    /// Bytes in the pipe.
    bytes: usize,
    /// What the target noted last: `sigpending()` and its mask.
    noted: (SigSet, SigSet),
    /// The stop or continue a `waitpid` with `UNTRACED | CONTINUED` reports next.
    report: Option<ExitStatus>,
}

impl Model {
    fn new() -> Self {
        Model {
            life: Life::Reading,
            pending: SigSet::empty(),
            blocked: SigSet::empty(),
            actions: [Disp::Default; 32],
            handled: [0; 32],
            eintr: 0,
            einval: 0,
            mark: None,
            queued: Vec::new(),
            bytes: 0,
            noted: (SigSet::empty(), SigSet::empty()),
            report: None,
        }
    }

    fn action(&self, signal: Signal) -> Disp {
        if signal.is_catchable() {
            self.actions[signal.number() as usize]
        } else {
            Disp::Default
        }
    }

    fn is_dead(&self) -> bool {
        matches!(self.life, Life::Dead(_))
    }

    fn deliverable(&self) -> SigSet {
        self.pending & !(self.blocked - unblockable())
    }

    /// `kill(target, signal)`.
    fn kill(&mut self, signal: Signal) {
        if self.is_dead() {
            return;
        }
        let mut woken = false;
        if signal == Signal::SIGCONT {
            self.pending.remove(stop_signals());
            if self.life == Life::Stopped {
                self.life = Life::Reading;
                self.report = Some(ExitStatus::Continued);
                woken = true;
            }
        } else if stop_signals().contains_signal(signal) {
            self.pending.remove_signal(Signal::SIGCONT);
        }
        let catchable = signal.is_catchable();
        let blocked = catchable && self.blocked.contains_signal(signal);
        let discarded = !blocked && catchable && ignores(self.action(signal), signal);
        if !discarded {
            self.pending.insert_signal(signal);
            if !blocked && !woken {
                let stops = signal == Signal::SIGSTOP
                    || (self.action(signal) == Disp::Default
                        && signal.default_action() == DefaultAction::Stop);
                match self.life {
                    Life::Reading if stops => {
                        self.pending.remove_signal(signal);
                        self.life = Life::Stopped;
                        self.report = Some(ExitStatus::Stopped(signal));
                    }
                    Life::Reading => woken = true,
                    Life::Stopped if signal == Signal::SIGKILL => woken = true,
                    _ => {}
                }
            }
        }
        if woken {
            self.resume();
        }
    }

    /// A command written to the target's pipe (`None`: a poke, a byte alone).
    fn write(&mut self, cmd: Option<Cmd>) {
        if self.is_dead() {
            return;
        }
        self.queued.extend(cmd);
        self.bytes += 1;
        if self.life == Life::Reading {
            self.resume();
        }
    }

    /// The target runs again: it takes its signals, then its read goes on.
    fn resume(&mut self) {
        loop {
            if !self.deliver() {
                return;
            }
            if self.bytes > 0 {
                // The read returns the bytes; the loop runs the queued commands.
                self.bytes = 0;
                for cmd in std::mem::take(&mut self.queued) {
                    self.run(cmd);
                }
            } else {
                match self.mark.take() {
                    Some(false) => self.eintr += 1,
                    // Restarted, or not interrupted: the read waits again.
                    _ => return,
                }
            }
            self.noted = (self.pending & self.blocked, self.blocked);
            // The next read: its first poll drops any mark; with a signal to take, it
            // is taken as the read blocks.
            self.mark = None;
            if self.deliverable().is_empty() {
                return;
            }
        }
    }

    /// Delivers what can be; whether the target goes on running.
    fn deliver(&mut self) -> bool {
        loop {
            let deliverable = self.deliverable();
            let signal = if deliverable.contains_signal(Signal::SIGKILL) {
                Signal::SIGKILL
            } else {
                match deliverable.first() {
                    Some(signal) => signal,
                    None => return true,
                }
            };
            self.pending.remove_signal(signal);
            match self.action(signal) {
                Disp::Handler { restart } => {
                    self.handled[signal.number() as usize] += 1;
                    if self.mark.is_none() {
                        self.mark = Some(restart);
                    }
                    continue;
                }
                Disp::Ignore => continue,
                Disp::Default => {}
            }
            match signal.default_action() {
                action @ (DefaultAction::Terminate | DefaultAction::Core) => {
                    self.life = Life::Dead(ExitStatus::Signaled {
                        signal,
                        core_dumped: action == DefaultAction::Core,
                    });
                    return false;
                }
                DefaultAction::Stop => {
                    self.life = Life::Stopped;
                    self.report = Some(ExitStatus::Stopped(signal));
                    return false;
                }
                DefaultAction::Ignore | DefaultAction::Continue => {}
            }
        }
    }

    /// The target runs `cmd`.
    fn run(&mut self, cmd: Cmd) {
        match cmd {
            Cmd::Block(signal) => {
                self.blocked.insert_signal(signal);
                self.blocked.remove(unblockable());
            }
            Cmd::Unblock(signal) => self.blocked.remove_signal(signal),
            Cmd::Action(signal, disp) => {
                if !signal.is_catchable() {
                    self.einval += 1;
                    return;
                }
                self.actions[signal.number() as usize] = disp;
                if ignores(disp, signal) {
                    self.pending.remove_signal(signal);
                }
            }
        }
    }
}

// ---------------------------------------------------------------------------------------
// The targets

/// What a target shares with the driver.
#[derive(Default)]
struct Shared {
    queue: RefCell<VecDeque<Cmd>>,
    handled: Rc<RefCell<[u32; 32]>>,
    eintr: Cell<u32>,
    einval: Cell<u32>,
    noted: Cell<(SigSet, SigSet)>,
}

/// A target: reads its standard input in a loop, running the queued commands.
async fn target(p: Proc, shared: Rc<Shared>) {
    let mut buf = [0u8; 256];
    loop {
        match p.read(Fd::STDIN, &mut buf).await {
            Ok(0) => return,
            Ok(_) => {}
            Err(e) if e.errno() == Errno::EINTR => shared.eintr.set(shared.eintr.get() + 1),
            Err(e) => panic!("read: {e}"),
        }
        loop {
            let Some(cmd) = shared.queue.borrow_mut().pop_front() else {
                break;
            };
            match cmd {
                Cmd::Block(signal) => {
                    p.sigprocmask(SigHow::Block, SigSet::of(signal));
                }
                Cmd::Unblock(signal) => {
                    p.sigprocmask(SigHow::Unblock, SigSet::of(signal));
                }
                Cmd::Action(signal, disp) => {
                    let action = match disp {
                        Disp::Default => SigAction::default(),
                        Disp::Ignore => SigAction::ignore(),
                        Disp::Handler { restart } => {
                            let handled = shared.handled.clone();
                            let flags = if restart {
                                SaFlags::RESTART
                            } else {
                                SaFlags::empty()
                            };
                            SigAction::handler(move |_, s| {
                                handled.borrow_mut()[s.number() as usize] += 1;
                            })
                            .flags(flags)
                        }
                    };
                    match p.sigaction(signal, action) {
                        Ok(_) => {}
                        Err(e) if e.errno() == Errno::EINVAL => {
                            shared.einval.set(shared.einval.get() + 1);
                        }
                        Err(e) => panic!("sigaction: {e}"),
                    }
                }
            }
        }
        let mask = p.sigprocmask(SigHow::Block, SigSet::empty());
        shared.noted.set((p.sigpending(), mask));
    }
}

// ---------------------------------------------------------------------------------------
// Checks

/// What the driver sees of one target.
struct Seen {
    /// Its row in `ps` (`None`: gone).
    row: Option<ProcInfo>,
    /// Its exit status, once collected (the host's targets).
    status: Option<ExitStatus>,
}

/// Compares a target with its model: state, status, handler runs, EINTRs, sigaction
/// errors and, if `noted`, what it noted last.
fn check(i: usize, model: &Model, seen: &Seen, shared: &Shared, noted: bool) -> Result<(), String> {
    let state = seen.row.as_ref().map(|r| r.state);
    let status = seen
        .row
        .as_ref()
        .and_then(|r| r.status.clone())
        .or_else(|| seen.status.clone());
    let ok = match &model.life {
        Life::Reading => state == Some(ProcState::Waiting(WaitOn::Read)),
        Life::Stopped => state == Some(ProcState::Stopped),
        Life::Dead(expected) => {
            matches!(state, None | Some(ProcState::Zombie)) && status.as_ref() == Some(expected)
        }
    };
    if !ok {
        return Err(format!(
            "target {i}: the model says {:?}, the kernel {state:?} (status {status:?})",
            model.life
        ));
    }
    let handled = *shared.handled.borrow();
    if handled != model.handled {
        let runs = |h: &[u32; 32]| -> Vec<(Signal, u32)> {
            SIGNALS
                .into_iter()
                .map(|s| (s, h[s.number() as usize]))
                .filter(|&(_, n)| n > 0)
                .collect()
        };
        return Err(format!(
            "target {i}: handler runs {:?}, the model says {:?}",
            runs(&handled),
            runs(&model.handled)
        ));
    }
    if shared.eintr.get() != model.eintr {
        return Err(format!(
            "target {i}: {} reads failed with EINTR, the model says {}",
            shared.eintr.get(),
            model.eintr
        ));
    }
    if shared.einval.get() != model.einval {
        return Err(format!(
            "target {i}: {} sigaction calls failed with EINVAL, the model says {}",
            shared.einval.get(),
            model.einval
        ));
    }
    if noted && shared.noted.get() != model.noted {
        return Err(format!(
            "target {i}: noted (sigpending, mask) {:?}, the model says {:?}",
            shared.noted.get(),
            model.noted
        ));
    }
    Ok(())
}

/// The operations so far, for a failure's message.
fn history(ops: &[Op], upto: usize) -> String {
    let mut text = String::new();
    for (k, op) in ops.iter().take(upto + 1).enumerate() {
        let _ = writeln!(text, "  {k}: {op:?}");
    }
    text
}

/// Checks what `waitpid` with `UNTRACED | CONTINUED | NOHANG` reports of each live target
/// (the controller's): the stop or continue the model says has not been reported yet.
async fn check_reports(
    p: &Proc,
    targets: &[(Pid, Fd)],
    models: &mut [Model],
) -> Result<(), String> {
    let flags = WaitFlags::UNTRACED | WaitFlags::CONTINUED | WaitFlags::NOHANG;
    for (t, model) in models.iter_mut().enumerate() {
        let expected = model.report.take();
        if model.is_dead() {
            continue; // waitpid would reap it
        }
        let got = p
            .waitpid(WaitFor::Pid(targets[t].0), flags)
            .await
            .map_err(|e| format!("target {t}: waitpid: {e}"))?
            .map(|(_, status)| status);
        if got != expected {
            return Err(format!(
                "target {t}: waitpid reports {got:?}, the model says {expected:?}"
            ));
        }
    }
    Ok(())
}

fn spawn_shared(n: usize) -> Vec<Rc<Shared>> {
    (0..n).map(|_| Rc::new(Shared::default())).collect()
}

// ---------------------------------------------------------------------------------------
// The drivers

/// A controller process, parent of the targets, drives the case.
fn run_with_controller(n: usize, ops: Vec<Op>) -> Result<(), String> {
    let mut kernel = Kernel::new();
    let failure = Rc::new(RefCell::new(None::<String>));
    let f = failure.clone();
    run_main(&mut kernel, move |p| async move {
        let shared = spawn_shared(n);
        let mut targets: Vec<(Pid, Fd)> = Vec::new();
        for (i, s) in shared.iter().enumerate() {
            let (r, w) = p.pipe2(OpenFlags::CLOEXEC).expect("pipe");
            let s = s.clone();
            let pid = p
                .spawn_fn(
                    Command::new(format!("target{i}")).stdin(Stdio::Fd(r)),
                    move |c| target(c, s),
                )
                .expect("spawn");
            p.close(r).expect("close");
            targets.push((pid, w));
        }
        let mut models = vec![Model::new(); n];
        p.sleep(SETTLE).await;
        let outcome: Result<(), String> = async {
            for (k, op) in ops.iter().enumerate() {
                match *op {
                    Op::Kill(t, signal) => {
                        p.kill(targets[t].0, signal)
                            .map_err(|e| format!("step {k}: kill: {e}"))?;
                        models[t].kill(signal);
                    }
                    Op::Run(t, cmd) => {
                        if !models[t].is_dead() {
                            shared[t].queue.borrow_mut().push_back(cmd);
                            p.write(targets[t].1, b"c")
                                .await
                                .map_err(|e| format!("step {k}: write: {e}"))?;
                        }
                        models[t].write(Some(cmd));
                    }
                }
                p.sleep(SETTLE).await;
                let ps = p.ps();
                let seen = |pid: Pid| Seen {
                    row: ps.iter().find(|r| r.pid == pid).cloned(),
                    status: None,
                };
                for t in 0..n {
                    check(t, &models[t], &seen(targets[t].0), &shared[t], false)
                        .map_err(|e| format!("after step {k}: {e}\n{}", history(&ops, k)))?;
                }
                check_reports(&p, &targets, &mut models)
                    .await
                    .map_err(|e| format!("after step {k}: {e}\n{}", history(&ops, k)))?;
                for t in 0..n {
                    if models[t].life == Life::Reading {
                        p.write(targets[t].1, b"p")
                            .await
                            .map_err(|e| format!("step {k}: poke: {e}"))?;
                        models[t].write(None);
                    }
                }
                p.sleep(SETTLE).await;
                let ps = p.ps();
                let seen = |pid: Pid| Seen {
                    row: ps.iter().find(|r| r.pid == pid).cloned(),
                    status: None,
                };
                for t in 0..n {
                    check(t, &models[t], &seen(targets[t].0), &shared[t], true).map_err(|e| {
                        format!("after step {k} and a poke: {e}\n{}", history(&ops, k))
                    })?;
                }
            }
            Ok(())
        }
        .await;
        if let Err(e) = outcome {
            *f.borrow_mut() = Some(e);
        }
        // The end: SIGKILL for those alive, and every status reaped.
        for (t, &(pid, w)) in targets.iter().enumerate() {
            p.kill(pid, Signal::SIGKILL).expect("kill");
            let (_, status) = p
                .waitpid(WaitFor::Pid(pid), WaitFlags::empty())
                .await
                .expect("wait")
                .expect("a status");
            let expected = match &models[t].life {
                Life::Dead(status) => status.clone(),
                _ => ExitStatus::Signaled {
                    signal: Signal::SIGKILL,
                    core_dumped: false,
                },
            };
            if status != expected && f.borrow().is_none() {
                *f.borrow_mut() = Some(format!(
                    "target {t} ended with {status:?}, the model says {expected:?}"
                ));
            }
            p.close(w).expect("close");
        }
    });
    let failure = failure.borrow_mut().take();
    failure.map_or(Ok(()), Err)
}

/// The host drives the case; the targets are its children.
fn run_from_host(n: usize, ops: Vec<Op>) -> Result<(), String> {
    let mut kernel = Kernel::new();
    let shared = spawn_shared(n);
    let mut targets: Vec<(Pid, Option<PipeWriter>)> = Vec::new();
    for (i, s) in shared.iter().enumerate() {
        let s = s.clone();
        let child = kernel
            .spawn_fn_child(
                Command::new(format!("target{i}")).stdin(Stdio::Piped),
                move |c| target(c, s),
            )
            .expect("spawn");
        targets.push((child.pid, child.stdin));
    }
    let mut statuses: Vec<Option<ExitStatus>> = vec![None; n];
    let mut models = vec![Model::new(); n];
    let settle = |kernel: &mut Kernel| {
        let stop = kernel.run_for(SETTLE).expect("run");
        assert!(
            matches!(stop, Stop::TimeLimit | Stop::AllExited),
            "{stop:?}"
        );
    };
    settle(&mut kernel);
    let write = |writer: &Option<PipeWriter>, byte: &'static [u8]| {
        let writer = writer.as_ref().expect("a piped stdin");
        writer.try_write(Bytes::from_static(byte)).expect("write");
    };
    let look = |kernel: &mut Kernel, statuses: &mut Vec<Option<ExitStatus>>, t: usize, pid| {
        if statuses[t].is_none() {
            statuses[t] = kernel.exit_status(pid).expect("exit_status");
        }
        Seen {
            row: kernel.ps().into_iter().find(|r| r.pid == pid),
            status: statuses[t].clone(),
        }
    };
    for (k, op) in ops.iter().enumerate() {
        match *op {
            Op::Kill(t, signal) => {
                let sent = kernel.kill(targets[t].0, signal);
                match (&sent, models[t].is_dead()) {
                    // Reaped by init: the pid is no one's.
                    (Err(e), true) if e.errno() == Errno::ESRCH => {}
                    (Ok(()), false) => {}
                    _ => {
                        return Err(format!(
                            "step {k}: kill gave {sent:?}\n{}",
                            history(&ops, k)
                        ));
                    }
                }
                models[t].kill(signal);
            }
            Op::Run(t, cmd) => {
                if !models[t].is_dead() {
                    shared[t].queue.borrow_mut().push_back(cmd);
                    write(&targets[t].1, b"c");
                }
                models[t].write(Some(cmd));
            }
        }
        settle(&mut kernel);
        for t in 0..n {
            let seen = look(&mut kernel, &mut statuses, t, targets[t].0);
            check(t, &models[t], &seen, &shared[t], false)
                .map_err(|e| format!("after step {k}: {e}\n{}", history(&ops, k)))?;
        }
        for t in 0..n {
            if models[t].life == Life::Reading {
                write(&targets[t].1, b"p");
                models[t].write(None);
            }
        }
        settle(&mut kernel);
        for t in 0..n {
            let seen = look(&mut kernel, &mut statuses, t, targets[t].0);
            check(t, &models[t], &seen, &shared[t], true)
                .map_err(|e| format!("after step {k} and a poke: {e}\n{}", history(&ops, k)))?;
        }
    }
    for (t, (pid, writer)) in targets.iter_mut().enumerate() {
        if !models[t].is_dead() {
            kernel.kill(*pid, Signal::SIGKILL).expect("kill");
        }
        drop(writer.take());
    }
    assert_eq!(kernel.run().expect("run"), Stop::AllExited);
    for (t, (pid, _)) in targets.iter().enumerate() {
        if statuses[t].is_none() {
            statuses[t] = kernel.exit_status(*pid).expect("exit_status");
        }
        let expected = match &models[t].life {
            Life::Dead(status) => status.clone(),
            _ => ExitStatus::Signaled {
                signal: Signal::SIGKILL,
                core_dumped: false,
            },
        };
        if statuses[t].as_ref() != Some(&expected) {
            return Err(format!(
                "target {t} ended with {:?}, the model says {expected:?}",
                statuses[t]
            ));
        }
    }
    let live = kernel.live_objects();
    assert_eq!(
        (
            live.processes,
            live.descriptors,
            live.open_files,
            live.pipes
        ),
        (1, 0, 0, 0),
        "{live:?}"
    );
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(128))]

    #[test]
    fn random_signal_operations_match_the_model((n, ops, host) in case()) {
        let outcome = if host {
            run_from_host(n, ops)
        } else {
            run_with_controller(n, ops)
        };
        if let Err(e) = outcome {
            return Err(TestCaseError::fail(e));
        }
    }
}

// ---------------------------------------------------------------------------------------
// The model's own corners, as fixed cases

#[test]
fn a_handled_signal_interrupts_the_read_once_and_restart_keeps_it() {
    for host in [false, true] {
        let ops = vec![
            Op::Run(
                0,
                Cmd::Action(Signal::SIGUSR1, Disp::Handler { restart: false }),
            ),
            Op::Run(
                0,
                Cmd::Action(Signal::SIGUSR2, Disp::Handler { restart: true }),
            ),
            Op::Kill(0, Signal::SIGUSR1),
            Op::Kill(0, Signal::SIGUSR2),
            Op::Run(0, Cmd::Block(Signal::SIGUSR1)),
            Op::Kill(0, Signal::SIGUSR1),
            Op::Kill(0, Signal::SIGUSR1),
            Op::Run(0, Cmd::Unblock(Signal::SIGUSR1)),
        ];
        let run = if host {
            run_from_host
        } else {
            run_with_controller
        };
        run(1, ops).unwrap_or_else(|e| panic!("host {host}: {e}"));
    }
}

#[test]
fn stop_continue_and_kill_of_stopped_targets() {
    for host in [false, true] {
        let ops = vec![
            Op::Kill(0, Signal::SIGTSTP),
            Op::Run(
                0,
                Cmd::Action(Signal::SIGUSR1, Disp::Handler { restart: false }),
            ),
            Op::Kill(0, Signal::SIGTERM),
            Op::Kill(0, Signal::SIGCONT),
            Op::Kill(1, Signal::SIGSTOP),
            Op::Kill(1, Signal::SIGKILL),
            Op::Run(2, Cmd::Block(Signal::SIGCONT)),
            Op::Run(
                2,
                Cmd::Action(Signal::SIGCONT, Disp::Handler { restart: true }),
            ),
            Op::Kill(2, Signal::SIGSTOP),
            Op::Kill(2, Signal::SIGCONT),
            Op::Run(2, Cmd::Unblock(Signal::SIGCONT)),
        ];
        let run = if host {
            run_from_host
        } else {
            run_with_controller
        };
        run(3, ops).unwrap_or_else(|e| panic!("host {host}: {e}"));
    }
}
