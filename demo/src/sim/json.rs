//! Reports as JSON, and as Chrome trace-event files.

use serde_json::{Value, json};
use vproc::kernel::sim::Report;

/// `{"policy", "jobs": [...], "average": {...}, "schedule": [...], "context_switches",
/// "utilization", "fairness"}`; `schedule` lists every slice in time order.
pub fn report(report: &Report) -> Value {
    let avg = report.averages();
    json!({
        "policy": report.policy,
        "jobs": report.jobs.iter().map(|j| json!({
            "id": j.id,
            "arrival": j.arrival,
            "length": j.length,
            "first_run": j.first_run,
            "completion": j.completion,
            "response": j.response,
            "turnaround": j.turnaround,
            "wait": j.wait,
        })).collect::<Vec<_>>(),
        "average": {
            "response": avg.response,
            "turnaround": avg.turnaround,
            "wait": avg.wait,
        },
        "schedule": report.schedule.iter().map(|s| json!({
            "job": s.job,
            "start": s.start,
            "end": s.end,
        })).collect::<Vec<_>>(),
        "context_switches": report.context_switches,
        "utilization": report.utilization(),
        "fairness": report.fairness(),
    })
}

/// A Chrome trace-event document (Perfetto, chrome://tracing): one track per job, a
/// complete event per slice, instants at arrival and completion. One tick is shown as
/// one millisecond.
pub fn trace(report: &Report) -> Value {
    const US_PER_TICK: u64 = 1000;
    let mut events = vec![json!({
        "name": "process_name", "ph": "M", "pid": 1,
        "args": { "name": format!("vproc sim: {}", report.policy) },
    })];
    for j in &report.jobs {
        events.push(json!({
            "name": "thread_name", "ph": "M", "pid": 1, "tid": j.id,
            "args": { "name": format!("job {}", j.id) },
        }));
        events.push(json!({
            "name": "arrive", "ph": "i", "s": "t", "pid": 1, "tid": j.id,
            "ts": j.arrival * US_PER_TICK,
        }));
        events.push(json!({
            "name": "complete", "ph": "i", "s": "t", "pid": 1, "tid": j.id,
            "ts": j.completion * US_PER_TICK,
        }));
    }
    for s in &report.schedule {
        events.push(json!({
            "name": format!("job {}", s.job), "cat": "cpu", "ph": "X", "pid": 1, "tid": s.job,
            "ts": s.start * US_PER_TICK, "dur": (s.end - s.start) * US_PER_TICK,
        }));
    }
    json!({ "traceEvents": events, "displayTimeUnit": "ms" })
}
