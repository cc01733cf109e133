//! Arrivals (processes spawned at a later tick) and the cost of a context switch.

use std::cell::RefCell;
use std::rc::Rc;

use vproc_kernel::{Command, Errno, Kernel, Stop, Tick};
use vproc_sched::FifoPolicy;

/// (name, tick) of each first run, in order.
type Log = Rc<RefCell<Vec<(String, Tick)>>>;

fn fifo_kernel(switch_cost: Tick) -> Kernel {
    Kernel::builder()
        .policy(FifoPolicy::fifo())
        .syscall_cost(0)
        .switch_cost(switch_cost)
        .build()
}

/// Spawns, at `at`, a process that logs its first run and computes `length` ticks.
fn arrive(kernel: &mut Kernel, log: &Log, name: &str, at: Tick, length: Tick) {
    let (log, name) = (log.clone(), name.to_string());
    kernel
        .spawn_fn_at(at, Command::new(name.clone()), move |p| async move {
            log.borrow_mut().push((name, p.now()));
            p.compute(length).await;
        })
        .expect("an arrival");
}

#[test]
fn an_arrival_is_created_when_its_tick_comes_and_the_idle_clock_jumps_to_it() {
    let mut kernel = fifo_kernel(0);
    let log = Log::default();
    arrive(&mut kernel, &log, "late", 40, 5);
    assert_eq!(kernel.live_objects().arrivals, 1);
    assert_eq!(kernel.ps().len(), 1, "only init exists before the arrival");
    assert_eq!(kernel.run_for(39).expect("run"), Stop::TimeLimit);
    assert_eq!(kernel.ps().len(), 1);
    assert_eq!(kernel.run().expect("run"), Stop::AllExited);
    assert_eq!(*log.borrow(), vec![("late".to_string(), 40)]);
    assert_eq!(kernel.now(), 45);
    assert_eq!(kernel.live_objects().arrivals, 0);
}

#[test]
fn arrivals_of_one_tick_come_in_the_order_asked_and_before_that_ticks_wakeups() {
    let mut kernel = fifo_kernel(0);
    let log = Log::default();
    // A sleeper that wakes at 20 (it went to sleep before the arrivals were asked for).
    let sleeper_log = log.clone();
    kernel
        .spawn_fn(Command::new("sleeper"), move |p| async move {
            p.sleep(20).await;
            sleeper_log.borrow_mut().push(("sleeper".into(), p.now()));
            p.compute(1).await;
        })
        .expect("spawn");
    arrive(&mut kernel, &log, "b", 20, 3);
    arrive(&mut kernel, &log, "a", 10, 3);
    arrive(&mut kernel, &log, "c", 20, 3);
    assert_eq!(kernel.run().expect("run"), Stop::AllExited);
    let log = log.borrow();
    let order: Vec<(&str, Tick)> = log.iter().map(|(n, t)| (n.as_str(), *t)).collect();
    assert_eq!(
        order,
        vec![("a", 10), ("b", 20), ("c", 23), ("sleeper", 26)],
        "fifo runs arrivals of tick 20 in the order asked, then the sleeper woken at 20"
    );
}

#[test]
fn an_arrival_during_a_cpu_burst_comes_at_its_own_tick() {
    // Round robin with quantum 100: the arrival at 30 must be created at 30 (its pid and
    // creation tick say so), while the first process keeps its slice.
    let mut kernel = Kernel::builder()
        .policy(FifoPolicy::round_robin(100))
        .syscall_cost(0)
        .build();
    kernel
        .spawn_fn(Command::new("long"), |p| async move { p.compute(50).await })
        .expect("spawn");
    let log = Log::default();
    arrive(&mut kernel, &log, "short", 30, 5);
    assert_eq!(kernel.run_for(31).expect("run"), Stop::TimeLimit);
    let short = kernel
        .ps()
        .into_iter()
        .find(|p| p.name == "short")
        .expect("it arrived");
    assert_eq!(short.created, 30);
    assert_eq!(kernel.run().expect("run"), Stop::AllExited);
    assert_eq!(*log.borrow(), vec![("short".to_string(), 50)]);
}

#[test]
fn a_bad_nice_value_is_refused_when_asked_not_when_due() {
    let mut kernel = fifo_kernel(0);
    let err = kernel
        .spawn_fn_at(10, Command::new("x").nice(40), |_p| async {})
        .expect_err("nice 40");
    assert_eq!(err.errno(), Errno::EINVAL);
    assert_eq!(kernel.live_objects().arrivals, 0);
}

#[test]
fn pending_arrivals_hold_no_kernel_alive_after_drop() {
    let mut kernel = fifo_kernel(0);
    let marker = Rc::new(());
    let held = marker.clone();
    kernel
        .spawn_fn_at(1_000, Command::new("never"), move |_p| async move {
            drop(held);
        })
        .expect("an arrival");
    assert_eq!(Rc::strong_count(&marker), 2);
    drop(kernel);
    assert_eq!(
        Rc::strong_count(&marker),
        1,
        "the pending arrival was dropped"
    );
}

#[test]
fn a_switch_costs_its_ticks_between_two_processes_and_none_for_the_same_one() {
    let mut kernel = fifo_kernel(3);
    let log = Log::default();
    arrive(&mut kernel, &log, "a", 0, 10);
    arrive(&mut kernel, &log, "b", 0, 10);
    assert_eq!(kernel.run().expect("run"), Stop::AllExited);
    assert_eq!(
        *log.borrow(),
        vec![("a".to_string(), 0), ("b".to_string(), 13)]
    );
    assert_eq!(kernel.now(), 23);
    assert_eq!(kernel.context_switches(), 1);

    // Round robin, quantum 5, one process: its slices follow one another at no cost.
    let mut kernel = Kernel::builder()
        .policy(FifoPolicy::round_robin(5))
        .syscall_cost(0)
        .switch_cost(3)
        .build();
    let log = Log::default();
    arrive(&mut kernel, &log, "alone", 0, 20);
    assert_eq!(kernel.run().expect("run"), Stop::AllExited);
    assert_eq!(kernel.now(), 20);
    assert_eq!(kernel.context_switches(), 0);
}

#[test]
fn round_robin_switches_at_every_quantum_and_pays_each_time() {
    let mut kernel = Kernel::builder()
        .policy(FifoPolicy::round_robin(5))
        .syscall_cost(0)
        .switch_cost(1)
        .build();
    let log = Log::default();
    arrive(&mut kernel, &log, "a", 0, 10);
    arrive(&mut kernel, &log, "b", 0, 10);
    assert_eq!(kernel.run().expect("run"), Stop::AllExited);
    // a 0-5, b 6-11, a 12-17, b 18-23.
    assert_eq!(kernel.context_switches(), 3);
    assert_eq!(kernel.now(), 23);
}

#[test]
fn an_arrival_with_no_pid_left_is_reported_and_the_kernel_goes_on() {
    let mut kernel = Kernel::builder().pid_max(4).syscall_cost(0).build();
    let mut sleepers = 0;
    while kernel
        .spawn_fn(Command::new("sleeper"), |p| async move {
            p.sleep(50).await;
        })
        .is_ok()
    {
        sleepers += 1;
    }
    assert!(sleepers > 0);
    kernel
        .spawn_fn_at(10, Command::new("late"), |_p| async {})
        .expect("asked for");
    assert_eq!(kernel.run_for(20).expect("run"), Stop::TimeLimit);
    let failures = kernel.failed_arrivals();
    assert_eq!(failures.len(), 1);
    assert_eq!(
        (failures[0].tick, failures[0].program.as_str()),
        (10, "late")
    );
    assert_eq!(failures[0].error.errno(), Errno::EAGAIN);
    assert!(kernel.failed_arrivals().is_empty(), "taken once");
    assert_eq!(kernel.run().expect("run"), Stop::AllExited);
}
