//! The process state machine under random programs: every published transition is legal
//! and follows from the previous state, every process ends reaped, and nothing is left
//! behind.

mod common;

use std::cell::RefCell;
use std::collections::{HashMap, HashSet};
use std::convert::Infallible;
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;

use common::*;
use proptest::prelude::*;
use vproc_kernel::{
    Command, Errno, Event, EventKind, ExitStatus, Kernel, LiveObjects, Pid, Proc, ProcState,
    Signal, Stop, Tick, WaitFlags, WaitFor,
};

/// One instruction of a random program.
#[derive(Clone, Debug)]
enum Op {
    /// Start a child running these instructions.
    Spawn(Vec<Op>),
    Exit(i32),
    Wait,
    WaitNoHang,
    Yield,
    Sleep(Tick),
    Nice(i32),
    Compute(Tick),
}

fn op() -> impl Strategy<Value = Op> {
    let leaf = prop_oneof![
        1 => (-300..300i32).prop_map(Op::Exit),
        3 => Just(Op::Wait),
        3 => Just(Op::WaitNoHang),
        2 => Just(Op::Yield),
        3 => (0..30 as Tick).prop_map(Op::Sleep),
        2 => (-25..25i32).prop_map(Op::Nice),
        3 => (0..40 as Tick).prop_map(Op::Compute),
    ];
    leaf.prop_recursive(3, 40, 6, |inner| {
        proptest::collection::vec(inner, 0..6).prop_map(Op::Spawn)
    })
}

fn program() -> impl Strategy<Value = Vec<Op>> {
    proptest::collection::vec(op(), 0..10)
}

/// The code a program exits with: that of its first `Exit`, else 0.
fn expected_code(ops: &[Op]) -> u8 {
    ops.iter()
        .find_map(|op| match op {
            Op::Exit(code) => Some((code & 0xff) as u8),
            _ => None,
        })
        .unwrap_or(0)
}

/// What the programs and the host share: violations seen from inside, the exit code each
/// process should have, and the processes the host killed.
#[derive(Clone, Default)]
struct World {
    errors: Rc<RefCell<Vec<String>>>,
    expected: Rc<RefCell<HashMap<Pid, u8>>>,
    killed: Rc<RefCell<HashSet<Pid>>>,
}

impl World {
    fn error(&self, message: String) {
        self.errors.borrow_mut().push(message);
    }

    /// Whether `status` is right for `pid`: its expected code, or a kill by the host.
    fn status_ok(&self, pid: Pid, status: &ExitStatus) -> bool {
        let expected = self.expected.borrow().get(&pid).copied();
        match status {
            ExitStatus::Exited(code) => expected == Some(*code),
            ExitStatus::Signaled { .. } => self.killed.borrow().contains(&pid),
            ExitStatus::Panicked(_) | ExitStatus::Stopped(_) | ExitStatus::Continued => false,
        }
    }

    /// Checks a reaped child against the caller's list of unreaped children.
    fn reaped(&self, me: Pid, children: &mut Vec<Pid>, pid: Pid, status: &ExitStatus) {
        match children.iter().position(|&c| c == pid) {
            Some(i) => {
                children.remove(i);
            }
            None => self.error(format!("{me} reaped {pid}, which is not its child")),
        }
        if !self.status_ok(pid, status) {
            self.error(format!("{me} reaped {pid} with unexpected status {status}"));
        }
    }
}

/// Interprets `ops` as the program of the process `p`.
fn interpret(p: Proc, ops: Vec<Op>, world: World) -> Pin<Box<dyn Future<Output = i32>>> {
    Box::pin(async move {
        let me = p.pid();
        let mut children: Vec<Pid> = Vec::new();
        for op in &ops {
            match op {
                Op::Spawn(child_ops) => {
                    let code = expected_code(child_ops);
                    let (child_ops, w) = (child_ops.clone(), world.clone());
                    match p.spawn_fn(Command::new("node"), move |c| interpret(c, child_ops, w)) {
                        Ok(pid) => {
                            world.expected.borrow_mut().insert(pid, code);
                            children.push(pid);
                        }
                        Err(e) => world.error(format!("{me}: spawn failed: {e}")),
                    }
                }
                Op::Exit(code) => {
                    let _: Infallible = p.exit(*code).await;
                }
                Op::Wait => match p.wait().await {
                    Ok((pid, status)) => world.reaped(me, &mut children, pid, &status),
                    Err(e) if e.errno() == Errno::ECHILD && children.is_empty() => {}
                    Err(e) => world.error(format!("{me}: wait with {children:?}: {e}")),
                },
                Op::WaitNoHang => {
                    // No await between the two calls: nothing can change in between.
                    let zombies: Vec<Pid> = p
                        .ps()
                        .into_iter()
                        .filter(|i| i.ppid == me && i.state == ProcState::Zombie)
                        .map(|i| i.pid)
                        .collect();
                    match p.waitpid(WaitFor::Any, WaitFlags::NOHANG).await {
                        Ok(Some((pid, status))) => {
                            if !zombies.contains(&pid) {
                                world.error(format!("{me}: NOHANG reaped non-zombie {pid}"));
                            }
                            world.reaped(me, &mut children, pid, &status);
                        }
                        Ok(None) if zombies.is_empty() && !children.is_empty() => {}
                        Err(e) if e.errno() == Errno::ECHILD && children.is_empty() => {}
                        other => world.error(format!(
                            "{me}: NOHANG with children {children:?}, zombies {zombies:?}: {other:?}"
                        )),
                    }
                }
                Op::Yield => p.yield_now().await,
                Op::Sleep(n) => {
                    let before = p.now();
                    p.sleep(*n).await;
                    let after = p.now();
                    if after < before + n {
                        world.error(format!("{me}: sleep({n}) from {before} woke at {after}"));
                    }
                }
                Op::Nice(n) => {
                    let before = p.getpriority(None).unwrap();
                    let after = p.nice(*n).unwrap();
                    if after != (before + n).clamp(-20, 19) {
                        world.error(format!("{me}: nice({n}) from {before} gave {after}"));
                    }
                }
                Op::Compute(n) => {
                    let before = p.times().user;
                    p.compute(*n).await;
                    let after = p.times().user;
                    if after != before + n {
                        world.error(format!("{me}: compute({n}) from {before} gave {after}"));
                    }
                }
            }
        }
        0
    })
}

/// Replays the trace against a reference of each pid's state.
fn check_trace(events: &[Event], world: &World) -> Result<(), String> {
    let mut state: HashMap<Pid, ProcState> = HashMap::new();
    let mut parent: HashMap<Pid, Pid> = HashMap::new();
    let mut exited: HashSet<Pid> = HashSet::new();
    let mut last_tick = 0;
    for (i, e) in events.iter().enumerate() {
        let at = format!("event {i} {e:?}");
        if e.tick < last_tick {
            return Err(format!("{at}: the clock went back from {last_tick}"));
        }
        last_tick = e.tick;
        match &e.kind {
            EventKind::Spawned { parent: by } => {
                if state.contains_key(&e.pid) {
                    return Err(format!("{at}: pid in use"));
                }
                if *by != Pid::INIT && !state.contains_key(by) {
                    return Err(format!("{at}: unknown parent"));
                }
                state.insert(e.pid, ProcState::Ready);
                parent.insert(e.pid, *by);
            }
            EventKind::Transition { from, to } => {
                if !from.can_become(*to) {
                    return Err(format!("{at}: illegal transition"));
                }
                match state.get(&e.pid) {
                    Some(s) if s == from => {}
                    other => return Err(format!("{at}: reference state is {other:?}")),
                }
                state.insert(e.pid, *to);
            }
            EventKind::Exited(status) => {
                if state.get(&e.pid) != Some(&ProcState::Zombie) {
                    return Err(format!("{at}: exited while {:?}", state.get(&e.pid)));
                }
                if !exited.insert(e.pid) {
                    return Err(format!("{at}: exited twice"));
                }
                if !world.status_ok(e.pid, status) {
                    return Err(format!("{at}: unexpected status"));
                }
            }
            EventKind::Reparented { to } => {
                if *to != Pid::INIT || !state.contains_key(&e.pid) {
                    return Err(format!("{at}: bad reparenting"));
                }
                parent.insert(e.pid, *to);
            }
            EventKind::Reaped { by } => {
                if state.get(&e.pid) != Some(&ProcState::Zombie) || !exited.remove(&e.pid) {
                    return Err(format!("{at}: reaped before it exited"));
                }
                if parent.get(&e.pid) != Some(by) {
                    return Err(format!("{at}: reaped by {by}, not its parent"));
                }
                state.remove(&e.pid);
                parent.remove(&e.pid);
            }
        }
    }
    if !state.is_empty() {
        return Err(format!("never reaped: {state:?}"));
    }
    Ok(())
}

const CLEAN: LiveObjects = LiveObjects {
    processes: 1,
    programs: 0,
    timers: 0,
    ready: 0,
    uncollected_exits: 0,
    arrivals: 0,
    descriptors: 0,
    open_files: 0,
    pipes: 0,
    terminals: 0,
};

/// Host actions between slices of a run.
#[derive(Clone, Debug)]
struct HostAction {
    after: Tick,
    target: usize,
    signal: Signal,
}

fn host_action() -> impl Strategy<Value = HostAction> {
    (
        1..20 as Tick,
        any::<usize>(),
        prop_oneof![
            Just(Signal::SIGSTOP),
            Just(Signal::SIGCONT),
            Just(Signal::SIGCONT),
            Just(Signal::SIGTERM),
            Just(Signal::SIGKILL),
            Just(Signal::SIGCHLD),
        ],
    )
        .prop_map(|(after, target, signal)| HostAction {
            after,
            target,
            signal,
        })
}

/// Runs `roots` as host-spawned programs, with `actions` applied between slices, and
/// checks everything the kernel promises.
fn check_run(roots: Vec<Vec<Op>>, actions: Vec<HostAction>) -> Result<(), TestCaseError> {
    let mut kernel = Kernel::new();
    let events = record_events(&mut kernel);
    let world = World::default();
    let mut pids = Vec::new();
    for ops in roots {
        let code = expected_code(&ops);
        let w = world.clone();
        let pid = kernel
            .spawn_fn(Command::new("root"), move |p| interpret(p, ops, w))
            .unwrap();
        world.expected.borrow_mut().insert(pid, code);
        pids.push(pid);
    }
    for action in actions {
        match kernel.run_for(action.after) {
            Ok(Stop::TimeLimit | Stop::AllExited | Stop::Deadlock(_)) => {}
            other => prop_assert!(false, "run_for: {other:?}"),
        }
        let ps = kernel.ps();
        let live: Vec<Pid> = ps
            .iter()
            .filter(|i| i.pid != Pid::INIT && i.state != ProcState::Zombie)
            .map(|i| i.pid)
            .collect();
        if live.is_empty() {
            continue;
        }
        let target = live[action.target % live.len()];
        if matches!(action.signal, Signal::SIGTERM | Signal::SIGKILL) {
            world.killed.borrow_mut().insert(target);
        }
        prop_assert_eq!(kernel.kill(target, action.signal), Ok(()));
    }
    // Let everything finish.
    for info in kernel.ps() {
        kernel.kill(info.pid, Signal::SIGCONT).unwrap();
    }
    let stop = kernel.run();
    prop_assert_eq!(stop, Ok(Stop::AllExited));
    prop_assert_eq!(world.errors.borrow().clone(), Vec::<String>::new());
    for pid in pids {
        let status = kernel.exit_status(pid);
        let Ok(Some(status)) = status else {
            return Err(TestCaseError::fail(format!("root {pid}: {status:?}")));
        };
        prop_assert!(world.status_ok(pid, &status), "root {pid}: {status}");
    }
    prop_assert_eq!(pids_of(&kernel), vec![Pid::INIT]);
    prop_assert_eq!(kernel.live_objects(), CLEAN);
    check_trace(&events.borrow(), &world).map_err(TestCaseError::fail)?;
    Ok(())
}

fn pids_of(kernel: &Kernel) -> Vec<Pid> {
    pids(&kernel.ps())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// Random programs alone.
    #[test]
    fn random_programs_keep_the_state_machine_legal(
        roots in proptest::collection::vec(program(), 1..4),
    ) {
        check_run(roots, Vec::new())?;
    }

    /// Random programs, stopped, continued and killed by the host as they run.
    #[test]
    fn random_programs_and_signals_keep_the_state_machine_legal(
        roots in proptest::collection::vec(program(), 1..4),
        actions in proptest::collection::vec(host_action(), 0..16),
    ) {
        check_run(roots, actions)?;
    }
}

#[test]
fn the_reference_catches_a_bad_trace() {
    // The checker itself must reject what the kernel must never publish.
    let world = World::default();
    world.expected.borrow_mut().insert(Pid(2), 0);
    let spawned = Event {
        tick: 0,
        pid: Pid(2),
        kind: EventKind::Spawned { parent: Pid::INIT },
    };
    let to = |from, to| Event {
        tick: 1,
        pid: Pid(2),
        kind: EventKind::Transition { from, to },
    };
    let bad_traces = [
        // Waiting cannot go straight to Running.
        vec![
            spawned.clone(),
            to(
                ProcState::Waiting(vproc_kernel::WaitOn::Event),
                ProcState::Running,
            ),
        ],
        // Claims a state it is not in.
        vec![spawned.clone(), to(ProcState::Running, ProcState::Ready)],
        // Never reaped.
        vec![spawned.clone(), to(ProcState::Ready, ProcState::Zombie)],
        // Reaped while alive.
        vec![
            spawned.clone(),
            Event {
                tick: 1,
                pid: Pid(2),
                kind: EventKind::Reaped { by: Pid::INIT },
            },
        ],
    ];
    for trace in bad_traces {
        assert!(check_trace(&trace, &world).is_err(), "{trace:?}");
    }
    let good = vec![
        spawned,
        to(ProcState::Ready, ProcState::Running),
        to(ProcState::Running, ProcState::Zombie),
        Event {
            tick: 1,
            pid: Pid(2),
            kind: EventKind::Exited(ExitStatus::Exited(0)),
        },
        Event {
            tick: 1,
            pid: Pid(2),
            kind: EventKind::Reaped { by: Pid::INIT },
        },
    ];
    assert_eq!(check_trace(&good, &world), Ok(()));
}
