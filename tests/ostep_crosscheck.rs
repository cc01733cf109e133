//! Cross-checks vproc's scheduling simulator (`vproc::kernel::sim`) against OSTEP's
//! homework simulators (Operating Systems: Three Easy Pieces, chapters 7–9): for the same
//! workload, every job's response and turnaround (and wait, for `scheduler.py`) must be
//! what they compute.
//!
//! The expected numbers are in `tests/fixtures/ostep/`, produced by running
//! `scheduler.py` (FIFO, SJF, RR), `mlfq.py` (MLFQ with its options -Q, -A, -i, -I, -S,
//! -B) and `lottery.py` from github.com/remzi-arpacidusseau/ostep-homework on random
//! workloads (and a few hand-picked MLFQ ones); each case's comment is the command line
//! that produced it. The boost cases come from a copy of `mlfq.py` with its boost slip
//! corrected (see the fixture's header). For the lottery, vproc replays the draws
//! `lottery.py` printed ([`LotteryPolicy::with_draws`]) and must pick the same winners in
//! the same order and finish each job at the same tick.
//!
//! Every case must match; a failure names the case and the command that produced it.

use vproc::kernel::sim::{Job, JobReport, Report, Workload, simulate};
use vproc::sched::{LotteryPolicy, MlfqConfig, MlfqPolicy, Policy, Tick, by_name};

const MLFQ: &str = include_str!("fixtures/ostep/mlfq.txt");
const SCHEDULER: &str = include_str!("fixtures/ostep/scheduler.txt");
const LOTTERY: &str = include_str!("fixtures/ostep/lottery.txt");

/// One case of a fixture: its id, the command that produced it and its fields.
struct Case<'a> {
    id: &'a str,
    command: &'a str,
    fields: Vec<(&'a str, &'a str)>,
}

impl<'a> Case<'a> {
    fn get(&self, key: &str) -> &'a str {
        self.fields
            .iter()
            .find(|(k, _)| *k == key)
            .map(|&(_, v)| v)
            .unwrap_or_else(|| panic!("fixture case {}: no field {key}", self.id))
    }

    fn number<T: std::str::FromStr>(&self, key: &str) -> T {
        self.get(key)
            .parse()
            .unwrap_or_else(|_| panic!("fixture case {}: {key} is not a number", self.id))
    }

    fn list<T: std::str::FromStr>(&self, key: &str, separator: char) -> Vec<T> {
        self.get(key)
            .split(separator)
            .map(|n| {
                n.parse()
                    .unwrap_or_else(|_| panic!("fixture case {}: bad number in {key}", self.id))
            })
            .collect()
    }

    fn flag(&self, key: &str) -> bool {
        self.number::<u8>(key) != 0
    }

    /// `a,b,c:d,e,f:...` as triples.
    fn triples(&self, key: &str) -> Vec<[Tick; 3]> {
        self.get(key)
            .split(':')
            .map(|t| {
                let v: Vec<Tick> = t
                    .split(',')
                    .map(|n| n.parse().expect("fixture: a number in a triple"))
                    .collect();
                v.try_into().expect("fixture: three numbers per job")
            })
            .collect()
    }
}

/// The cases of a fixture: each non-comment line, after the comment that gave its command.
fn cases(fixture: &str) -> Vec<Case<'_>> {
    let mut command = "";
    let mut cases = Vec::new();
    for line in fixture.lines().map(str::trim) {
        if let Some(comment) = line.strip_prefix('#') {
            command = comment.trim();
            continue;
        }
        if line.is_empty() {
            continue;
        }
        let mut words = line.split_whitespace();
        let id = words.next().expect("fixture: a case id");
        let fields = words
            .map(|w| w.split_once('=').expect("fixture: key=value"))
            .collect();
        cases.push(Case {
            id,
            command,
            fields,
        });
    }
    assert!(!cases.is_empty(), "fixture has no cases");
    cases
}

/// Runs a case's workload, or says why it could not run.
fn run(workload: &Workload, policy: Box<dyn Policy>) -> Result<Report, String> {
    simulate(workload, policy, 0).map_err(|e| format!("simulate failed: {e}"))
}

/// Compares one figure: a difference if it differs.
fn compare(what: &str, expected: &[Tick], got: &[Tick]) -> Option<String> {
    (expected != got).then(|| format!("{what}: OSTEP {expected:?}, vproc {got:?}"))
}

/// A per-job figure: its name in the fixture and how to read it from a job's report.
type Figure = (&'static str, fn(&JobReport) -> Tick);

/// Compares the per-job figures `whats` of a report with a case's.
fn compare_jobs(case: &Case, report: &Report, whats: &[Figure]) -> Vec<String> {
    whats
        .iter()
        .filter_map(|&(what, figure)| {
            let got: Vec<Tick> = report.jobs.iter().map(figure).collect();
            compare(&format!("{what} per job"), &case.list(what, ','), &got)
        })
        .collect()
}

/// Asserts that every case matched, naming each that did not.
fn check(simulator: &str, results: &[(&Case, Vec<String>)]) {
    let failures: Vec<String> = results
        .iter()
        .filter(|(_, differences)| !differences.is_empty())
        .map(|(case, differences)| {
            format!(
                "{} ({}) differs from {simulator}: {}",
                case.id,
                case.command,
                differences.join("; ")
            )
        })
        .collect();
    assert!(
        failures.is_empty(),
        "{} of {} {simulator} cases fail:\n{}",
        failures.len(),
        results.len(),
        failures.join("\n")
    );
}

const RESPONSE_TURNAROUND: [Figure; 2] = [
    ("response", |j| j.response),
    ("turnaround", |j| j.turnaround),
];

#[test]
fn mlfq_matches_mlfq_py() {
    let cases = cases(MLFQ);
    let mut results = Vec::new();
    for case in &cases {
        let jobs = case
            .triples("jobs")
            .into_iter()
            .map(|[arrival, length, io]| Job::new(length).arrive(arrival).io(io))
            .collect();
        let workload = Workload {
            jobs,
            io_time: case.number("io_time"),
        };
        let boost: Tick = case.number("boost");
        let config = MlfqConfig {
            quanta: case.list("quanta", ','),
            allotments: case.list("allotments", ','),
            boost: (boost > 0).then_some(boost),
            io_front: case.flag("io_front"),
            io_reset: case.flag("io_reset"),
        };
        let differences = match run(&workload, Box::new(MlfqPolicy::new(config))) {
            Ok(report) => compare_jobs(case, &report, &RESPONSE_TURNAROUND),
            Err(e) => vec![e],
        };
        results.push((case, differences));
    }
    check("mlfq.py", &results);
}

#[test]
fn fifo_sjf_rr_match_scheduler_py() {
    let cases = cases(SCHEDULER);
    let mut results = Vec::new();
    for case in &cases {
        let workload = Workload::from_lengths(&case.list::<Tick>("lengths", ','));
        let policy = by_name(case.get("policy"), case.number("quantum"), 0)
            .expect("fixture: a known policy");
        let differences = match run(&workload, policy) {
            Ok(report) => compare_jobs(
                case,
                &report,
                &[
                    RESPONSE_TURNAROUND[0],
                    RESPONSE_TURNAROUND[1],
                    ("wait", |j| j.wait),
                ],
            ),
            Err(e) => vec![e],
        };
        results.push((case, differences));
    }
    check("scheduler.py", &results);
}

#[test]
fn lottery_matches_lottery_py() {
    let cases = cases(LOTTERY);
    let mut results = Vec::new();
    for case in &cases {
        let quantum: Tick = case.number("quantum");
        let jobs = case
            .get("jobs")
            .split(',')
            .map(|j| {
                let (length, tickets) = j.split_once(':').expect("fixture: length:tickets");
                Job::new(length.parse().expect("fixture: a length"))
                    .tickets(tickets.parse().expect("fixture: tickets"))
            })
            .collect();
        let workload = Workload::new(jobs);
        let policy = LotteryPolicy::with_draws(quantum, case.list("draws", ','));
        let report = match run(&workload, Box::new(policy)) {
            Ok(report) => report,
            Err(e) => {
                results.push((case, vec![e]));
                continue;
            }
        };
        // One winner per quantum: a slice of several quanta is the same job winning again.
        let winners: Vec<Tick> = report
            .schedule
            .iter()
            .flat_map(|s| {
                let quanta = (s.end - s.start).div_ceil(quantum) as usize;
                std::iter::repeat_n(s.job as Tick, quanta)
            })
            .collect();
        let completion: Vec<Tick> = report.jobs.iter().map(|j| j.completion).collect();
        let differences = [
            compare("winner of each draw", &case.list("winners", ','), &winners),
            compare(
                "completion per job",
                &case.list("completion", ','),
                &completion,
            ),
        ]
        .into_iter()
        .flatten()
        .collect();
        results.push((case, differences));
    }
    check("lottery.py", &results);
}
