//! Reports as text tables.

use std::fmt::Write as _;

use vproc::kernel::sim::Report;

/// The per-job table with averages, and the whole run's figures.
pub fn report(report: &Report) -> String {
    let io = report.jobs.iter().any(|j| j.io > 0);
    let mut out = String::new();
    let _ = write!(
        out,
        "{:>5} {:>8} {:>7} {:>10} {:>11} {:>9} {:>11} {:>6}",
        "job", "arrival", "length", "first run", "completion", "response", "turnaround", "wait"
    );
    if io {
        let _ = write!(out, " {:>6}", "io");
    }
    out.push('\n');
    for j in &report.jobs {
        let _ = write!(
            out,
            "{:>5} {:>8} {:>7} {:>10} {:>11} {:>9} {:>11} {:>6}",
            j.id, j.arrival, j.length, j.first_run, j.completion, j.response, j.turnaround, j.wait
        );
        if io {
            let _ = write!(out, " {:>6}", j.io);
        }
        out.push('\n');
    }
    let avg = report.averages();
    let _ = writeln!(
        out,
        "{:>5} {:>50.2} {:>11.2} {:>6.2}",
        "avg", avg.response, avg.turnaround, avg.wait
    );
    let _ = writeln!(
        out,
        "\ncontext switches {} · CPU utilization {:.1}% · throughput {:.4} jobs/tick · fairness (Jain) {:.3}",
        report.context_switches,
        report.utilization() * 100.0,
        report.throughput(),
        report.fairness()
    );
    out
}

/// The header of a summary table whose first column is `first`.
pub fn summary_header(first: &str) -> String {
    format!(
        "{first:>12} {:>9} {:>11} {:>9} {:>9} {:>12} {:>9}\n",
        "response", "turnaround", "wait", "switches", "utilization", "fairness"
    )
}

/// One summary row: averages and the run's figures.
pub fn summary_row(label: &str, report: &Report) -> String {
    let avg = report.averages();
    format!(
        "{label:>12} {:>9.2} {:>11.2} {:>9.2} {:>9} {:>11.1}% {:>9.3}\n",
        avg.response,
        avg.turnaround,
        avg.wait,
        report.context_switches,
        report.utilization() * 100.0,
        report.fairness()
    )
}
