//! From arguments to a workload, policies and a sweep.

use vproc::kernel::Tick;
use vproc::kernel::sim::{Job, RandomWorkload, Workload};
use vproc::sched::{MlfqConfig, MlfqPolicy, Policy, by_name};

use super::args::SimArgs;

/// A mistake in the arguments: reported with status 2.
#[derive(Debug)]
pub struct Usage(pub String);

impl<E: std::fmt::Display> From<E> for Usage {
    fn from(e: E) -> Self {
        Usage(e.to_string())
    }
}

/// The workload the arguments describe.
pub fn workload(args: &SimArgs) -> Result<Workload, Usage> {
    let workload = if let Some(lengths) = &args.lengths {
        lengths.parse::<Workload>()?.io_time(args.io_time)
    } else if let Some(jobs) = args.random {
        if jobs == 0 {
            return Err(Usage("--random needs at least 1 job".into()));
        }
        if args.min_len == 0 || args.max_len < args.min_len {
            return Err(Usage(format!(
                "--min-len {} and --max-len {} must satisfy 1 <= min <= max",
                args.min_len, args.max_len
            )));
        }
        if args.io_percent > 100 {
            return Err(Usage(format!(
                "--io-percent {} is above 100",
                args.io_percent
            )));
        }
        RandomWorkload {
            jobs,
            seed: args.seed,
            min_len: args.min_len,
            max_len: args.max_len,
            mean_gap: args.mean_gap,
            io_percent: args.io_percent,
            max_io: args.max_io,
            io_time: args.io_time,
            max_tickets: args.max_tickets,
        }
        .generate()
    } else {
        let jobs = args
            .job
            .iter()
            .map(|spec| spec.parse::<Job>())
            .collect::<Result<Vec<_>, _>>()?;
        Workload::new(jobs).io_time(args.io_time)
    };
    workload.check()?;
    Ok(workload)
}

/// The policies to run: `--compare`'s list, or `--policy`.
pub fn policy_names(args: &SimArgs) -> Result<Vec<String>, Usage> {
    let names: Vec<String> = match (&args.compare, &args.policy) {
        (Some(list), _) => list
            .split(',')
            .map(|n| n.trim().to_ascii_lowercase())
            .filter(|n| !n.is_empty())
            .collect(),
        (None, Some(name)) => vec![name.trim().to_ascii_lowercase()],
        (None, None) => return Err(Usage("give --policy NAME or --compare P1,P2,...".into())),
    };
    if names.is_empty() {
        return Err(Usage("--compare needs at least one policy".into()));
    }
    for name in &names {
        // Unknown names fail here, before anything runs.
        by_name(name, 1, 0)?;
    }
    Ok(names)
}

/// The quantum `policy` runs with: `--quantum`, or the default of OSTEP's simulator for it.
pub fn quantum(args: &SimArgs, policy: &str) -> Tick {
    args.quantum.unwrap_or(match policy {
        "rr" | "lottery" | "stride" => 1,
        _ => 10,
    })
}

/// The policy called `name`, set up from the arguments.
pub fn policy(args: &SimArgs, name: &str) -> Result<Box<dyn Policy>, Usage> {
    let quantum = quantum(args, name);
    if quantum == 0 {
        return Err(Usage("--quantum must be at least 1".into()));
    }
    if name == "mlfq" {
        return Ok(Box::new(MlfqPolicy::new(mlfq_config(args, quantum)?)));
    }
    Ok(by_name(name, quantum, args.seed)?)
}

fn list(flag: &str, text: &str) -> Result<Vec<Tick>, Usage> {
    text.split(',')
        .map(|v| match v.trim().parse::<Tick>() {
            Ok(n) if n > 0 => Ok(n),
            _ => Err(Usage(format!(
                "--{flag} {text}: '{v}' is not a positive number"
            ))),
        })
        .collect()
}

/// MLFQ's queues from `--queues`, `--quanta`, `--allotment(s)`, `--boost`, `--io-front`
/// and `--io-reset`, as mlfq.py reads its options.
fn mlfq_config(args: &SimArgs, quantum: Tick) -> Result<MlfqConfig, Usage> {
    let quanta = match &args.quanta {
        Some(text) => list("quanta", text)?,
        None => {
            let queues = args.queues.unwrap_or(3);
            if queues == 0 {
                return Err(Usage("--queues must be at least 1".into()));
            }
            vec![quantum; queues]
        }
    };
    if quanta.len() > MlfqConfig::MAX_QUEUES {
        return Err(Usage(format!(
            "{} queues: mlfq takes at most {} queues",
            quanta.len(),
            MlfqConfig::MAX_QUEUES
        )));
    }
    if let Some(&long) = quanta.iter().find(|&&q| q > MlfqConfig::MAX_QUANTUM) {
        return Err(Usage(format!(
            "a quantum of {long} ticks: mlfq's quanta are at most {} ticks",
            MlfqConfig::MAX_QUANTUM
        )));
    }
    let allotments: Vec<u64> = match &args.allotments {
        Some(text) => {
            let values = list("allotments", text)?;
            if values.len() != quanta.len() {
                return Err(Usage(format!(
                    "--allotments gives {} values for {} queues",
                    values.len(),
                    quanta.len()
                )));
            }
            values
        }
        None => {
            let allotment = args.allotment.unwrap_or(1);
            if allotment == 0 {
                return Err(Usage("--allotment must be at least 1".into()));
            }
            vec![u64::from(allotment); quanta.len()]
        }
    };
    let allotments = allotments
        .into_iter()
        .map(|a| {
            u32::try_from(a)
                .ok()
                .filter(|&a| a <= MlfqConfig::MAX_ALLOTMENT)
                .ok_or_else(|| {
                    Usage(format!(
                        "an allotment of {a} quanta: mlfq's allotments are at most {} quanta",
                        MlfqConfig::MAX_ALLOTMENT
                    ))
                })
        })
        .collect::<Result<Vec<u32>, Usage>>()?;
    if args.boost == Some(0) {
        return Err(Usage(
            "--boost must be at least 1 (leave it out for no boost)".into(),
        ));
    }
    Ok(MlfqConfig {
        quanta,
        allotments,
        boost: args.boost,
        io_front: args.io_front,
        io_reset: args.io_reset,
    })
}

/// A parameter to vary: which, and its values.
pub struct Sweep {
    pub name: String,
    pub values: Vec<Tick>,
}

const SWEEPABLE: [&str; 5] = ["quantum", "switch-cost", "boost", "io-time", "allotment"];

impl Sweep {
    /// Parses `NAME=FROM..TO[:STEP]`.
    pub fn parse(text: &str) -> Result<Sweep, Usage> {
        let bad = || {
            Usage(format!(
                "--sweep {text}: expected NAME=FROM..TO[:STEP] with NAME one of {}",
                SWEEPABLE.join(", ")
            ))
        };
        let (name, range) = text.split_once('=').ok_or_else(bad)?;
        let name = name.trim().replace('_', "-");
        if !SWEEPABLE.contains(&name.as_str()) {
            return Err(bad());
        }
        let (range, step) = match range.split_once(':') {
            Some((r, s)) => (r, s.trim().parse::<Tick>().map_err(|_| bad())?),
            None => (range, 1),
        };
        let (from, to) = range.split_once("..").ok_or_else(bad)?;
        let from: Tick = from.trim().parse().map_err(|_| bad())?;
        let to: Tick = to
            .trim()
            .trim_start_matches('=')
            .parse()
            .map_err(|_| bad())?;
        if step == 0 || to < from {
            return Err(bad());
        }
        let values: Vec<Tick> = (from..=to).step_by(step as usize).collect();
        if values.len() > 10_000 {
            return Err(Usage(format!(
                "--sweep {text}: {} values is too many (at most 10000)",
                values.len()
            )));
        }
        Ok(Sweep { name, values })
    }

    /// The arguments with the parameter set to `value`.
    pub fn apply(&self, args: &SimArgs, value: Tick) -> SimArgs {
        let mut args = args.clone();
        match self.name.as_str() {
            "quantum" => args.quantum = Some(value),
            "switch-cost" => args.switch_cost = value,
            "boost" => args.boost = Some(value),
            "io-time" => args.io_time = value,
            _ => args.allotment = Some(value.min(u64::from(u32::MAX)) as u32),
        }
        args
    }
}
