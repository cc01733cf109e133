//! The crates working together through the facade: a policy written outside the kernel,
//! signals parsed by vproc-ipc and delivered by the kernel.

use std::cell::{Cell, RefCell};
use std::rc::Rc;

use vproc::ipc::Signal;
use vproc::kernel::{Command, ExitStatus, Kernel, Pid, Stop};
use vproc::sched::{Policy, Requeue, TaskId, TaskLists, TaskParams, Tick};

/// First come, first served, never preempting: a policy a user could write.
#[derive(Default)]
struct Fifo {
    queue: Option<TaskLists>,
}

impl Policy for Fifo {
    fn name(&self) -> &'static str {
        "fifo"
    }
    fn admit(&mut self, _task: TaskId, _params: &TaskParams, _now: Tick) {}
    fn enqueue(&mut self, task: TaskId, _why: Requeue, _now: Tick) {
        self.queue
            .get_or_insert_with(|| TaskLists::new(1))
            .push_back(0, task);
    }
    fn pick_next(&mut self, _now: Tick) -> Option<TaskId> {
        self.queue.as_mut()?.pop_front(0)
    }
    fn slice(&self, _task: TaskId) -> Tick {
        Tick::MAX
    }
    fn charge(&mut self, _task: TaskId, _ran: Tick, _now: Tick) {}
    fn dequeue(&mut self, task: TaskId) {
        if let Some(queue) = self.queue.as_mut() {
            queue.remove(task);
        }
    }
    fn set_nice(&mut self, _task: TaskId, _nice: i8, _now: Tick) {}
    fn retire(&mut self, task: TaskId) {
        self.dequeue(task);
    }
    fn ready_len(&self) -> usize {
        self.queue.as_ref().map_or(0, TaskLists::len)
    }
}

#[test]
fn a_policy_from_outside_the_kernel_schedules_its_processes() {
    let mut kernel = Kernel::builder().policy(Fifo::default()).build();
    assert_eq!(kernel.policy_name(), "fifo");
    let finished = Rc::new(RefCell::new(Vec::new()));
    // Under FIFO a CPU burst is never sliced: each job runs to its end in arrival order,
    // whatever its nice value.
    for (name, nice, work) in [("a", 19, 300), ("b", -20, 100), ("c", 0, 200)] {
        let finished = finished.clone();
        kernel
            .spawn_fn(Command::new(name).nice(nice), move |p| async move {
                p.compute(work).await;
                finished.borrow_mut().push((p.name(), p.now()));
            })
            .expect("spawn");
    }
    assert_eq!(kernel.run().expect("run"), Stop::AllExited);
    let finished = finished.borrow();
    let names: Vec<&str> = finished.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(names, ["a", "b", "c"]);
    // Nothing else ran in between: each ends its burst (plus its name and now calls).
    let ends: Vec<Tick> = finished.iter().map(|(_, t)| *t).collect();
    assert!(ends[0] >= 300 && ends[1] >= ends[0] + 100 && ends[2] >= ends[1] + 200);
    for info in kernel.ps() {
        assert!(info.involuntary_switches == 0, "{info:?}");
    }
}

#[test]
fn signals_named_by_the_user_reach_processes() {
    let mut kernel = Kernel::new();
    let mut pids: Vec<(Pid, Signal)> = Vec::new();
    for name in ["TERM", "SIGSEGV", "9", "int"] {
        let signal: Signal = name.parse().expect("a signal name");
        let pid = kernel
            .spawn_fn(Command::new("victim"), |p| async move {
                p.sleep(1_000).await;
            })
            .expect("spawn");
        pids.push((pid, signal));
    }
    kernel.run_for(10).expect("run");
    for &(pid, signal) in &pids {
        kernel.kill(pid, signal).expect("kill");
    }
    assert_eq!(kernel.run().expect("run"), Stop::AllExited);
    for (pid, signal) in pids {
        let status = kernel
            .exit_status(pid)
            .expect("host child")
            .expect("exited");
        assert_eq!(
            status,
            ExitStatus::Signaled {
                signal,
                core_dumped: signal == Signal::SIGSEGV
            }
        );
        assert_eq!(status.shell_code(), 128 + signal.number());
    }
    assert_eq!(kernel.live_objects().processes, 1);
}

/// FIFO that counts the charges it gets, and says whether it wants them.
struct Counting {
    inner: Fifo,
    charges: Rc<Cell<usize>>,
    wants: bool,
}

impl Policy for Counting {
    fn name(&self) -> &'static str {
        "counting"
    }
    fn admit(&mut self, task: TaskId, params: &TaskParams, now: Tick) {
        self.inner.admit(task, params, now);
    }
    fn enqueue(&mut self, task: TaskId, why: Requeue, now: Tick) {
        self.inner.enqueue(task, why, now);
    }
    fn pick_next(&mut self, now: Tick) -> Option<TaskId> {
        self.inner.pick_next(now)
    }
    fn slice(&self, task: TaskId) -> Tick {
        self.inner.slice(task)
    }
    fn charge(&mut self, _task: TaskId, _ran: Tick, _now: Tick) {
        self.charges.set(self.charges.get() + 1);
    }
    fn needs_charge(&self) -> bool {
        self.wants
    }
    fn dequeue(&mut self, task: TaskId) {
        self.inner.dequeue(task);
    }
    fn set_nice(&mut self, _task: TaskId, _nice: i8, _now: Tick) {}
    fn retire(&mut self, task: TaskId) {
        self.inner.retire(task);
    }
    fn ready_len(&self) -> usize {
        self.inner.ready_len()
    }
    fn reserve(&mut self, tasks: usize) {
        self.inner.reserve(tasks);
    }
}

#[test]
fn a_policy_is_charged_at_every_switch_unless_it_says_it_keeps_no_account() {
    for wants in [true, false] {
        let charges = Rc::new(Cell::new(0));
        let policy = Counting {
            inner: Fifo::default(),
            charges: charges.clone(),
            wants,
        };
        let mut kernel = Kernel::builder().policy(policy).build();
        for name in ["ping", "pong"] {
            kernel
                .spawn_fn(Command::new(name), |p| async move {
                    for _ in 0..3 {
                        p.yield_now().await;
                    }
                })
                .expect("spawn");
        }
        assert_eq!(kernel.run().expect("run"), Stop::AllExited);
        // Each process gives the CPU away 3 times and ends once: 8 dispatches end.
        let expected = if wants { 8 } else { 0 };
        assert_eq!(charges.get(), expected, "wants charges: {wants}");
    }
}
