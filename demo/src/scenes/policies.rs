//! Scene: one workload under each teaching policy, measured as OSTEP measures it, by the
//! simulator that `process-demo sim` puts on the command line.

use std::fmt::Write as _;

use vproc::kernel::sim::{Job, Workload, simulate};
use vproc::sched::{POLICY_NAMES, by_name};

use super::SceneResult;
use crate::narrate::{say, show};

/// OSTEP's example: A arrives at 0 with 100 ticks of work, B and C at 10 with 10 each.
const NAMES: [&str; 3] = ["A", "B", "C"];

pub fn play() -> SceneResult {
    say("The teaching policies are real policies: the same processes run under each,");
    say("chosen by name. OSTEP's example: A (100 ticks) at tick 0, B and C (10 each) at 10;");
    say("system calls cost nothing here, as in the book.");
    let workload = Workload::new(vec![
        Job::new(100),
        Job::new(10).arrive(10),
        Job::new(10).arrive(10),
    ]);
    let mut table = String::new();
    let _ = writeln!(
        table,
        "{:<9} {:>15} {:>13}   order of completion",
        "policy", "avg turnaround", "avg response"
    );
    let mut order_of = |policy: &str| -> Result<(), Box<dyn std::error::Error>> {
        let report = simulate(&workload, by_name(policy, 10, 1)?, 0)?;
        let averages = report.averages();
        let mut order: Vec<usize> = (0..report.jobs.len()).collect();
        order.sort_by_key(|&i| report.jobs[i].completion);
        let order: Vec<&str> = order.iter().map(|&i| NAMES[i]).collect();
        let _ = writeln!(
            table,
            "{policy:<9} {:>15.2} {:>13.2}   {}",
            averages.turnaround,
            averages.response,
            order.join(" ")
        );
        Ok(())
    };
    for policy in POLICY_NAMES.iter().skip(1).chain(&POLICY_NAMES[..1]) {
        order_of(policy)?;
    }
    show(&table);
    say("sjf cannot help B and C once A runs (103.33); stcf preempts A for them (50), and");
    say("so does mlfq, where A has used its top-queue allotment by tick 10 and sunk; stride");
    say("starts newcomers at pass 0, which favours them. rr, lottery and priority take");
    say("turns by quantum; cfs shares by nice weight in slices of its period.");
    say("The same runs, with tables, Gantt charts, JSON and traces, from the command line:");
    show(
        "process-demo sim --compare fifo,sjf,stcf,rr,mlfq --job len=100 \\\n    --job len=10,arrive=10 --job len=10,arrive=10 --quantum 10",
    );
    Ok(())
}
