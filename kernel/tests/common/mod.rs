//! Helpers shared by the integration tests of `vproc-kernel`.
//!
//! Each test file includes this module with `mod common;` and uses only part of it.
#![allow(dead_code)]

use std::cell::RefCell;
use std::fmt::Debug;
use std::rc::Rc;

use vproc_kernel::{Errno, Event, EventKind, ExitStatus, Kernel, Pid, ProcInfo, ProcState};

/// Every event the kernel publishes from now on, in order.
pub fn record_events(kernel: &mut Kernel) -> Rc<RefCell<Vec<Event>>> {
    let events = Rc::new(RefCell::new(Vec::new()));
    let sink = events.clone();
    kernel.subscribe(move |event| sink.borrow_mut().push(event.clone()));
    events
}

/// The errno of a result that must be an error.
pub fn errno_of<T: Debug>(result: Result<T, vproc_kernel::Error>) -> Errno {
    match result {
        Ok(value) => panic!("expected an error, got Ok({value:?})"),
        Err(e) => e.errno(),
    }
}

/// The row of `pid` in a ps snapshot.
pub fn row(ps: &[ProcInfo], pid: Pid) -> Option<&ProcInfo> {
    ps.iter().find(|p| p.pid == pid)
}

/// The row of `pid` in a ps snapshot, which must be there.
pub fn expect_row(ps: &[ProcInfo], pid: Pid) -> &ProcInfo {
    row(ps, pid).unwrap_or_else(|| panic!("pid {pid} is not in ps: {ps:#?}"))
}

/// The status of a host-spawned process that must have exited.
pub fn host_status(kernel: &mut Kernel, pid: Pid) -> ExitStatus {
    kernel
        .exit_status(pid)
        .unwrap_or_else(|e| panic!("exit_status({pid}): {e}"))
        .unwrap_or_else(|| panic!("pid {pid} has not exited"))
}

/// Asserts that a host-spawned process exited with code 0 (assertions inside programs
/// panic, and the kernel turns that into `ExitStatus::Panicked` with the message).
pub fn assert_success(kernel: &mut Kernel, pid: Pid) {
    let status = host_status(kernel, pid);
    assert_eq!(status, ExitStatus::Exited(0), "pid {pid}: {status}");
}

/// The pids in a ps snapshot.
pub fn pids(ps: &[ProcInfo]) -> Vec<Pid> {
    ps.iter().map(|p| p.pid).collect()
}

/// The events about `pid`.
pub fn events_of(events: &[Event], pid: Pid) -> Vec<EventKind> {
    events
        .iter()
        .filter(|e| e.pid == pid)
        .map(|e| e.kind.clone())
        .collect()
}

/// The tick of the first transition of `pid` into `to`.
pub fn first_transition_to(events: &[Event], pid: Pid, to: ProcState) -> Option<u64> {
    events.iter().find_map(|e| match e.kind {
        EventKind::Transition { to: t, .. } if e.pid == pid && t == to => Some(e.tick),
        _ => None,
    })
}

/// Only init is left.
pub fn assert_only_init(kernel: &Kernel) {
    let ps = kernel.ps();
    assert_eq!(pids(&ps), vec![Pid::INIT], "processes left: {ps:#?}");
}

/// Runs `program` as the only process the host starts, to the end, and checks that it
/// exited with status 0 (a failed assertion inside it shows as its panic message); then
/// checks that nothing is left: no descriptor, open file or pipe.
pub fn run_main<F, Fut>(kernel: &mut Kernel, program: F)
where
    F: FnOnce(vproc_kernel::Proc) -> Fut + 'static,
    Fut: std::future::Future<Output = ()> + 'static,
{
    let pid = kernel
        .spawn_fn(vproc_kernel::Command::new("main"), program)
        .expect("spawn main");
    let stop = kernel.run().expect("run");
    assert_eq!(stop, vproc_kernel::Stop::AllExited, "the run ended early");
    let status = kernel.exit_status(pid).expect("status");
    assert_eq!(status, Some(ExitStatus::Exited(0)), "main did not succeed");
    let live = kernel.live_objects();
    assert_eq!(
        (live.descriptors, live.open_files, live.pipes),
        (0, 0, 0),
        "descriptors, open files or pipes were left behind: {live:?}"
    );
}
