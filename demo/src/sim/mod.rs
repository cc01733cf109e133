//! `process-demo sim`: the scheduling simulator on the command line.

mod args;
mod gantt;
mod json;
mod setup;
mod table;

use std::fmt::Write as _;
use std::io::Write as _;
use std::process::ExitCode;

pub use args::SimArgs;
use setup::{Sweep, Usage};
use vproc::kernel::sim::{Report, Workload, simulate};

/// What went wrong: bad arguments (status 2) or a failure while running (status 1).
enum Failure {
    Usage(String),
    Run(String),
}

impl From<Usage> for Failure {
    fn from(u: Usage) -> Self {
        Failure::Usage(u.0)
    }
}

/// Runs the simulator; prints the results, or an error with status 2 for bad arguments.
pub fn run(args: &SimArgs) -> ExitCode {
    match simulate_all(args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(Failure::Usage(message)) => {
            eprintln!("process-demo sim: {message}");
            eprintln!("(see process-demo sim --help)");
            ExitCode::from(2)
        }
        Err(Failure::Run(message)) => {
            eprintln!("process-demo sim: {message}");
            ExitCode::FAILURE
        }
    }
}

/// One simulation of `workload` under `policy`, set up from the arguments.
fn one(args: &SimArgs, workload: &Workload, policy: &str) -> Result<Report, Failure> {
    let policy = setup::policy(args, policy)?;
    // A workload that passed its checks runs; an error here is the user's input too.
    simulate(workload, policy, args.switch_cost).map_err(|e| Failure::Usage(e.to_string()))
}

/// Writes the output at once; a reader that went away (`| head`) ends the run quietly.
fn emit(out: &str) -> Result<(), Failure> {
    let mut stdout = std::io::stdout().lock();
    match stdout
        .write_all(out.as_bytes())
        .and_then(|()| stdout.flush())
    {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => {
            Err(Failure::Run(format!("cannot write the output: {e}")))
        }
        _ => Ok(()),
    }
}

fn simulate_all(args: &SimArgs) -> Result<(), Failure> {
    let mut out = String::new();
    let names = setup::policy_names(args)?;
    let comparing = args.compare.is_some();
    if comparing && (args.trace.is_some() || args.svg.is_some()) {
        return Err(Failure::Usage(
            "--trace and --svg show one policy: leave out --compare".into(),
        ));
    }
    if let Some(text) = &args.sweep {
        let sweep = Sweep::parse(text)?;
        sweep_all(&mut out, args, &names, &sweep)?;
        return emit(&out);
    }
    let workload = setup::workload(args)?;
    let reports = names
        .iter()
        .map(|name| one(args, &workload, name))
        .collect::<Result<Vec<_>, _>>()?;
    if args.json {
        let value = if comparing {
            serde_json::Value::Array(reports.iter().map(json::report).collect())
        } else {
            json::report(&reports[0])
        };
        let _ = writeln!(
            out,
            "{}",
            serde_json::to_string_pretty(&value).map_err(|e| Failure::Run(e.to_string()))?
        );
    } else if comparing {
        let _ = write!(out, "{}", table::summary_header("policy"));
        for report in &reports {
            let _ = write!(out, "{}", table::summary_row(&report.policy, report));
        }
        if args.gantt {
            for report in &reports {
                let _ = writeln!(out, "\n{}:", report.policy);
                let _ = write!(out, "{}", gantt::text(report));
            }
        }
    } else {
        let report = &reports[0];
        let _ = writeln!(
            out,
            "policy {} · {} jobs · quantum {}",
            report.policy,
            report.jobs.len(),
            setup::quantum(args, &report.policy)
        );
        let _ = write!(out, "{}", table::report(report));
        if args.gantt {
            out.push('\n');
            let _ = write!(out, "{}", gantt::text(report));
        }
    }
    if let Some(path) = &args.trace {
        let text = serde_json::to_string(&json::trace(&reports[0]))
            .map_err(|e| Failure::Run(e.to_string()))?;
        write(path, &text)?;
    }
    if let Some(path) = &args.svg {
        write(path, &gantt::svg(&reports[0]))?;
    }
    emit(&out)
}

fn write(path: &std::path::Path, text: &str) -> Result<(), Failure> {
    std::fs::write(path, text)
        .map_err(|e| Failure::Run(format!("cannot write {}: {e}", path.display())))
}

/// Prints how the figures follow the swept parameter, for each policy.
fn sweep_all(
    out: &mut String,
    args: &SimArgs,
    names: &[String],
    sweep: &Sweep,
) -> Result<(), Failure> {
    let mut rows = Vec::new();
    for name in names {
        for &value in &sweep.values {
            // The I/O time belongs to the workload: draw it again for each value.
            let swept = sweep.apply(args, value);
            let workload = setup::workload(&swept)?;
            rows.push((name, value, one(&swept, &workload, name)?));
        }
    }
    if args.json {
        let value: Vec<serde_json::Value> = rows
            .iter()
            .map(|(name, value, report)| {
                let avg = report.averages();
                serde_json::json!({
                    "policy": name,
                    sweep.name.clone(): value,
                    "average": { "response": avg.response, "turnaround": avg.turnaround, "wait": avg.wait },
                    "context_switches": report.context_switches,
                    "utilization": report.utilization(),
                    "fairness": report.fairness(),
                })
            })
            .collect();
        let text = serde_json::to_string_pretty(&value).map_err(|e| Failure::Run(e.to_string()))?;
        let _ = writeln!(out, "{text}");
        return Ok(());
    }
    for name in names {
        let _ = writeln!(out, "{name}: averages as {} varies", sweep.name);
        let _ = write!(out, "{}", table::summary_header(&sweep.name));
        for (_, value, report) in rows.iter().filter(|(n, _, _)| *n == name) {
            let _ = write!(out, "{}", table::summary_row(&value.to_string(), report));
        }
    }
    Ok(())
}
