//! The schedule as a Gantt chart, in the terminal or as SVG.

use std::fmt::Write as _;

use vproc::kernel::Tick;
use vproc::kernel::sim::Report;

/// Columns of the terminal chart at most.
const WIDTH: Tick = 100;

/// Ticks of `[from, to)` each job ran.
fn ran(report: &Report, job: usize, from: Tick, to: Tick) -> Tick {
    report
        .schedule
        .iter()
        .filter(|s| s.job == job)
        .map(|s| s.end.min(to).saturating_sub(s.start.max(from)))
        .sum()
}

/// One row per job: a column is a tick (or, for long runs, a span of ticks: full when
/// the job ran most of it, shaded when it ran some).
pub fn text(report: &Report) -> String {
    let end = report.span().1;
    let step = end.div_ceil(WIDTH).max(1);
    let columns = end.div_ceil(step);
    let mut out = String::new();
    if step > 1 {
        let _ = writeln!(out, "(one column = {step} ticks)");
    }
    for job in &report.jobs {
        let _ = write!(out, "job {:>3} │", job.id);
        for column in 0..columns {
            let from = column * step;
            let ran = ran(report, job.id, from, from + step);
            out.push(if ran * 2 > step || (ran > 0 && step == 1) {
                '█'
            } else if ran > 0 {
                '▒'
            } else if from + step > job.arrival && from < job.completion {
                '·'
            } else {
                ' '
            });
        }
        out.push('\n');
    }
    let _ = writeln!(out, "        └{}", "─".repeat(columns as usize));
    let _ = writeln!(out, "    tick 0{end:>w$}", w = columns as usize);
    out
}

/// A colour per job, spread around the hue circle.
fn colour(job: usize) -> String {
    format!("hsl({}, 65%, 55%)", (job * 137) % 360)
}

/// The chart as an SVG document: a row per job, a bar per slice, an axis of ticks.
pub fn svg(report: &Report) -> String {
    const LEFT: f64 = 70.0;
    const PLOT: f64 = 900.0;
    const ROW: f64 = 26.0;
    let end = report.span().1.max(1);
    let scale = PLOT / end as f64;
    let height = ROW * report.jobs.len() as f64 + 50.0;
    let mut out = String::new();
    let _ = writeln!(
        out,
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="{w}" height="{height}" font-family="monospace" font-size="12">"#,
        w = LEFT + PLOT + 20.0
    );
    let _ = writeln!(
        out,
        r#"<title>{} schedule: {} jobs, {} ticks</title>"#,
        report.policy,
        report.jobs.len(),
        end
    );
    for job in &report.jobs {
        let y = 10.0 + ROW * job.id as f64;
        let _ = writeln!(
            out,
            r#"<text x="4" y="{:.1}">job {}</text>"#,
            y + 16.0,
            job.id
        );
        let _ = writeln!(
            out,
            r##"<rect x="{:.2}" y="{:.1}" width="{:.2}" height="{:.1}" fill="#eee"/>"##,
            LEFT + job.arrival as f64 * scale,
            y + 2.0,
            (job.completion - job.arrival) as f64 * scale,
            ROW - 4.0
        );
    }
    for slice in &report.schedule {
        let y = 10.0 + ROW * slice.job as f64;
        let _ = writeln!(
            out,
            r#"<rect x="{:.2}" y="{:.1}" width="{:.2}" height="{:.1}" fill="{}"><title>job {}: {}..{}</title></rect>"#,
            LEFT + slice.start as f64 * scale,
            y + 2.0,
            ((slice.end - slice.start) as f64 * scale).max(0.5),
            ROW - 4.0,
            colour(slice.job),
            slice.job,
            slice.start,
            slice.end
        );
    }
    let axis = 10.0 + ROW * report.jobs.len() as f64 + 4.0;
    let _ = writeln!(
        out,
        r#"<line x1="{LEFT}" y1="{axis:.1}" x2="{:.1}" y2="{axis:.1}" stroke="black"/>"#,
        LEFT + PLOT
    );
    let step = nice_step(end);
    let mut tick = 0;
    while tick <= end {
        let x = LEFT + tick as f64 * scale;
        let _ = writeln!(
            out,
            r#"<line x1="{x:.2}" y1="{axis:.1}" x2="{x:.2}" y2="{:.1}" stroke="black"/><text x="{x:.2}" y="{:.1}" text-anchor="middle">{tick}</text>"#,
            axis + 4.0,
            axis + 18.0
        );
        tick += step;
    }
    out.push_str("</svg>\n");
    out
}

/// A round step (1, 2, 5, 10, 20, 50, ...) giving at most ten axis labels.
fn nice_step(end: Tick) -> Tick {
    let mut base: Tick = 1;
    loop {
        for m in [1, 2, 5] {
            let step = base.saturating_mul(m);
            if end / step <= 10 {
                return step;
            }
        }
        base = base.saturating_mul(10);
    }
}
