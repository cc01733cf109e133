//! Scene: one workload under each teaching policy, measured as OSTEP measures it.

use std::cell::RefCell;
use std::fmt::Write as _;
use std::rc::Rc;

use vproc::kernel::{Command, Kernel, Tick};
use vproc::sched::by_name;

use super::SceneResult;
use crate::narrate::{say, show};

/// OSTEP's example: A arrives at 0 with 100 ticks of work, B and C at 10 with 10 each.
const JOBS: [(&str, Tick, Tick); 3] = [("A", 0, 100), ("B", 10, 10), ("C", 10, 10)];

/// A job's arrival, first run and completion.
type Run = (Tick, Tick, Tick);

/// The run of each job under `policy`.
fn measure(policy: &str) -> Result<Vec<Run>, Box<dyn std::error::Error>> {
    let mut kernel = Kernel::builder()
        .policy_boxed(by_name(policy, 10, 1)?)
        .syscall_cost(0)
        .build();
    let times = Rc::new(RefCell::new(vec![(0, 0, 0); JOBS.len()]));
    for (i, (name, arrival, length)) in JOBS.into_iter().enumerate() {
        if kernel.now() < arrival {
            kernel.run_for(arrival - kernel.now())?;
        }
        let times = times.clone();
        kernel.spawn_fn(
            Command::new(name).expected_length(length),
            move |p| async move {
                let first = p.now();
                p.compute(length).await;
                times.borrow_mut()[i] = (arrival, first, p.now());
            },
        )?;
    }
    kernel.run()?;
    Ok(times.take())
}

pub fn play() -> SceneResult {
    say("The teaching policies are real policies: the same processes run under each,");
    say("chosen by name. OSTEP's example: A (100 ticks) at tick 0, B and C (10 each) at 10;");
    say("system calls cost nothing here, as in the book.");
    let mut table = String::new();
    let _ = writeln!(
        table,
        "{:<9} {:>15} {:>13}   order of completion",
        "policy", "avg turnaround", "avg response"
    );
    for policy in [
        "fifo", "sjf", "stcf", "rr", "mlfq", "stride", "lottery", "cfs", "priority",
    ] {
        let runs = measure(policy)?;
        let n = runs.len() as f64;
        let turnaround = runs.iter().map(|r| (r.2 - r.0) as f64).sum::<f64>() / n;
        let response = runs.iter().map(|r| (r.1 - r.0) as f64).sum::<f64>() / n;
        let mut order: Vec<usize> = (0..runs.len()).collect();
        order.sort_by_key(|&i| runs[i].2);
        let order: Vec<&str> = order.iter().map(|&i| JOBS[i].0).collect();
        let _ = writeln!(
            table,
            "{policy:<9} {turnaround:>15.2} {response:>13.2}   {}",
            order.join(" ")
        );
    }
    show(&table);
    say("sjf cannot help B and C once A runs (103.33); stcf preempts A for them (50).");
    say("rr, mlfq, lottery and priority take turns by quantum; stride starts newcomers at");
    say("pass 0, which favours them; cfs shares by nice weight in slices of its period.");
    Ok(())
}
