//! `process-demo sim` from the command line: OSTEP's examples, JSON, trace and SVG
//! files, comparison, sweeps, and status 2 for bad arguments.

use std::process::{Command, Output};

use serde_json::Value;

fn sim(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_process-demo"))
        .arg("sim")
        .args(args)
        .output()
        .expect("run process-demo")
}

fn stdout(output: &Output) -> String {
    assert!(
        output.status.success(),
        "process-demo sim failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn json(args: &[&str]) -> Value {
    let mut all = args.to_vec();
    all.push("--json");
    serde_json::from_str(&stdout(&sim(&all))).expect("valid JSON")
}

#[test]
fn the_books_examples_give_the_books_averages() {
    let fifo = json(&["--policy", "fifo", "--lengths", "10,10,10"]);
    assert_eq!(fifo["average"]["turnaround"], 20.0);
    let fifo = json(&["--policy", "fifo", "--lengths", "100,10,10"]);
    assert_eq!(fifo["average"]["turnaround"], 110.0);
    let sjf = json(&["--policy", "sjf", "--lengths", "100,10,10"]);
    assert_eq!(sjf["average"]["turnaround"], 50.0);
    let late = [
        "--job",
        "len=100",
        "--job",
        "len=10,arrive=10",
        "--job",
        "len=10,arrive=10",
    ];
    let sjf = json(&[&["--policy", "sjf"], &late[..]].concat());
    let turnaround = sjf["average"]["turnaround"].as_f64().expect("a number");
    assert!((turnaround - 103.33).abs() < 0.01, "{turnaround}");
    let stcf = json(&[&["--policy", "stcf"], &late[..]].concat());
    assert_eq!(stcf["average"]["turnaround"], 50.0);
    let rr = json(&["--policy", "rr", "--quantum", "1", "--lengths", "5,5,5"]);
    assert_eq!(rr["average"]["response"], 1.0);
}

#[test]
fn json_has_the_documented_shape_and_a_schedule_in_time_order() {
    let report = json(&["--policy", "rr", "--quantum", "2", "--lengths", "3,2"]);
    let keys: Vec<&str> = report
        .as_object()
        .expect("an object")
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(
        keys,
        [
            "policy",
            "jobs",
            "average",
            "schedule",
            "context_switches",
            "utilization",
            "fairness"
        ]
    );
    assert_eq!(report["policy"], "rr");
    let job = &report["jobs"][0];
    for key in [
        "id",
        "arrival",
        "length",
        "first_run",
        "completion",
        "response",
        "turnaround",
        "wait",
    ] {
        assert!(job.get(key).is_some(), "job lacks {key}: {job}");
    }
    // rr, quantum 2: job 0 runs 0-2, job 1 2-4, job 0 4-5.
    let slices: Vec<(u64, u64, u64)> = report["schedule"]
        .as_array()
        .expect("an array")
        .iter()
        .map(|s| {
            let n = |k: &str| s[k].as_u64().expect("a number");
            (n("job"), n("start"), n("end"))
        })
        .collect();
    assert_eq!(slices, [(0, 0, 2), (1, 2, 4), (0, 4, 5)]);
    assert_eq!(report["context_switches"], 2);
    assert_eq!(report["utilization"], 1.0);
}

#[test]
fn one_seed_gives_the_same_json_and_another_seed_another_workload() {
    let args = [
        "--policy",
        "lottery",
        "--random",
        "20",
        "--mean-gap",
        "7",
        "--io-percent",
        "40",
        "--max-tickets",
        "50",
    ];
    let a = stdout(&sim(&[&args[..], &["--seed", "9", "--json"]].concat()));
    let b = stdout(&sim(&[&args[..], &["--seed", "9", "--json"]].concat()));
    let c = stdout(&sim(&[&args[..], &["--seed", "10", "--json"]].concat()));
    assert_eq!(a, b);
    assert_ne!(a, c);
}

#[test]
fn the_table_shows_averages_and_the_run_figures_and_the_gantt_chart_a_row_per_job() {
    let text = stdout(&sim(&[
        "--policy",
        "mlfq",
        "--job",
        "len=30",
        "--job",
        "len=20,io=5",
        "--gantt",
    ]));
    for needle in [
        "turnaround",
        "avg",
        "context switches",
        "utilization",
        "throughput",
        "fairness (Jain)",
        "job   0 │",
        "job   1 │",
    ] {
        assert!(text.contains(needle), "'{needle}' missing from:\n{text}");
    }
}

#[test]
fn compare_prints_one_row_per_policy() {
    let text = stdout(&sim(&[
        "--compare",
        "fifo,sjf,stcf,rr",
        "--job",
        "len=100",
        "--job",
        "len=10,arrive=10",
    ]));
    for policy in ["fifo", "sjf", "stcf", "rr"] {
        assert!(
            text.lines().any(|l| l.trim_start().starts_with(policy)),
            "no row for {policy}:\n{text}"
        );
    }
}

#[test]
fn sweep_prints_a_row_per_value() {
    let text = stdout(&sim(&[
        "--policy",
        "rr",
        "--lengths",
        "20,20",
        "--sweep",
        "quantum=1..9:4",
    ]));
    let rows: Vec<&str> = text
        .lines()
        .filter(|l| {
            l.split_whitespace()
                .next()
                .is_some_and(|w| w.parse::<u64>().is_ok())
        })
        .collect();
    assert_eq!(rows.len(), 3, "{text}");
    // A bigger quantum means fewer switches for two equal jobs.
    let switches = |row: &str| {
        row.split_whitespace()
            .nth(4)
            .and_then(|w| w.parse::<u64>().ok())
    };
    assert!(switches(rows[0]) > switches(rows[2]), "{text}");
}

#[test]
fn trace_and_svg_files_are_written() {
    let dir = std::env::temp_dir().join(format!("vproc-sim-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("a temporary directory");
    let (trace, svg) = (dir.join("run.json"), dir.join("run.svg"));
    stdout(&sim(&[
        "--policy",
        "rr",
        "--lengths",
        "4,4",
        "--quantum",
        "2",
        "--trace",
        trace.to_str().expect("a path"),
        "--svg",
        svg.to_str().expect("a path"),
    ]));
    let trace: Value =
        serde_json::from_str(&std::fs::read_to_string(&trace).expect("the trace")).expect("JSON");
    let slices = trace["traceEvents"]
        .as_array()
        .expect("events")
        .iter()
        .filter(|e| e["ph"] == "X")
        .count();
    assert_eq!(slices, 4);
    let svg = std::fs::read_to_string(&svg).expect("the SVG");
    assert!(svg.starts_with("<svg") && svg.trim_end().ends_with("</svg>"));
    assert_eq!(svg.matches("<title>job").count(), 4, "one bar per slice");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn bad_arguments_give_a_clear_error_and_status_2() {
    for (args, says) in [
        (
            &["--policy", "nope", "--lengths", "5"][..],
            "unknown policy 'nope'",
        ),
        (
            &["--policy", "fifo", "--lengths", "5,0"][..],
            "len of at least 1",
        ),
        (
            &["--policy", "fifo", "--job", "len=0"][..],
            "len of at least 1",
        ),
        (&["--policy", "fifo", "--job", "arrive=3"][..], "has no len"),
        (
            &["--policy", "fifo", "--job", "len=x"][..],
            "not a valid number",
        ),
        (
            &["--policy", "fifo", "--job", "len=3,speed=2"][..],
            "unknown key 'speed'",
        ),
        (
            &[
                "--policy",
                "mlfq",
                "--lengths",
                "5",
                "--quanta",
                "10,20",
                "--allotments",
                "1",
            ][..],
            "2 queues",
        ),
        (
            &["--policy", "mlfq", "--lengths", "5", "--queues", "70000"][..],
            "at most 65535 queues",
        ),
        (
            &[
                "--policy",
                "mlfq",
                "--lengths",
                "5",
                "--quantum",
                "5000000000",
            ][..],
            "at most 4294967295 ticks",
        ),
        (
            &["--policy", "mlfq", "--lengths", "5", "--allotment", "70000"][..],
            "an allotment of 70000 quanta",
        ),
        (
            &["--policy", "rr", "--lengths", "5", "--sweep", "colour=1..3"][..],
            "--sweep",
        ),
        (&["--policy", "fifo"][..], "--lengths"),
    ] {
        let output = sim(args);
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(2), "{args:?}: {stderr}");
        assert!(
            stderr.contains(says),
            "{args:?}: expected '{says}' in: {stderr}"
        );
        assert!(!stderr.contains("panicked"), "{args:?}: {stderr}");
    }
}
