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
        "\ncontext switches {} · CPU utilization {:.1}% · throughput {} jobs/tick · fairness (Jain) {}",
        report.context_switches,
        report.utilization() * 100.0,
        significant(report.throughput()),
        significant(report.fairness())
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
        "{label:>12} {:>9.2} {:>11.2} {:>9.2} {:>9} {:>11.1}% {:>9}\n",
        avg.response,
        avg.turnaround,
        avg.wait,
        report.context_switches,
        report.utilization() * 100.0,
        significant(report.fairness())
    )
}

/// A small figure (a rate, an index between 0 and 1) to three significant digits, and
/// at least three decimals: however small, it never shows as 0. Over a million jobs,
/// Jain's index can be a few millionths, which three decimals would print as 0.000.
fn significant(x: f64) -> String {
    if x == 0.0 || !x.is_finite() {
        return format!("{x:.3}");
    }
    // 0.0123 is of magnitude -2, and needs 4 decimals for 3 digits.
    let magnitude = x.abs().log10().floor() as i32;
    if magnitude < -6 {
        // Past a millionth, zeros would outnumber the digits.
        return format!("{x:.2e}");
    }
    let decimals = (2 - magnitude).max(3) as usize;
    format!("{x:.decimals$}")
}

#[cfg(test)]
mod tests {
    use super::significant;

    #[test]
    fn small_figures_keep_three_significant_digits() {
        assert_eq!(significant(0.931), "0.931");
        assert_eq!(significant(1.0), "1.000");
        assert_eq!(significant(0.0353), "0.0353");
        assert_eq!(significant(0.000_001_234), "0.00000123");
        assert_eq!(significant(0.0), "0.000");
        assert_eq!(significant(1.0e-15), "1.00e-15");
    }
}
