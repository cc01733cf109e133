//! The `sim` subcommand's arguments.

use std::path::PathBuf;

use clap::{ArgGroup, Args};
use vproc::kernel::Tick;

/// Runs a workload of jobs as processes on the kernel, under a scheduling policy, and
/// measures it as OSTEP does (response, turnaround, wait).
#[derive(Args, Clone, Debug)]
#[command(group(ArgGroup::new("workload").required(true).args(["lengths", "job", "random"])))]
pub struct SimArgs {
    /// The policy: fifo, sjf, stcf, rr, priority, mlfq, lottery, stride or cfs.
    #[arg(long, required_unless_present = "compare")]
    pub policy: Option<String>,

    /// Jobs arriving at 0 with these lengths, e.g. 100,200,300.
    #[arg(long, value_name = "L1,L2,...")]
    pub lengths: Option<String>,

    /// One job: len=N, and optionally arrive=T, io=N, tickets=N and nice=N, comma-separated
    /// (len=100,arrive=5,io=10); repeat it, one per job.
    #[arg(long = "job", value_name = "SPEC")]
    pub job: Vec<String>,

    /// N random jobs drawn with --seed (see --min-len, --max-len, --mean-gap, --io-percent,
    /// --max-io, --max-tickets).
    #[arg(long, value_name = "N")]
    pub random: Option<usize>,

    /// Ticks per slice [default: 1 for rr, lottery and stride, as OSTEP's scheduler.py
    /// and lottery.py; 10 for the others, as mlfq.py].
    #[arg(long, value_name = "N")]
    pub quantum: Option<Tick>,

    /// mlfq: the number of queues [default: 3].
    #[arg(long, value_name = "N")]
    pub queues: Option<usize>,

    /// mlfq: the quantum of each queue, top queue first (sets the number of queues).
    #[arg(long, value_name = "A,B,C")]
    pub quanta: Option<String>,

    /// mlfq: quanta a job may use in a queue before it moves down [default: 1].
    #[arg(long, value_name = "N")]
    pub allotment: Option<u32>,

    /// mlfq: the allotment of each queue, top queue first.
    #[arg(long, value_name = "A,B,C")]
    pub allotments: Option<String>,

    /// mlfq: every N ticks, every job goes back to the top queue.
    #[arg(long, value_name = "N")]
    pub boost: Option<Tick>,

    /// How long each I/O lasts, in ticks.
    #[arg(long, value_name = "N", default_value_t = 5)]
    pub io_time: Tick,

    /// mlfq: a job whose I/O completes goes to the front of its queue.
    #[arg(long)]
    pub io_front: bool,

    /// mlfq: a job that does I/O gets a fresh quantum and allotment (the old rules 4a/4b).
    #[arg(long)]
    pub io_reset: bool,

    /// Seed of the lottery's draws and of --random.
    #[arg(long, value_name = "N", default_value_t = 0)]
    pub seed: u64,

    /// Ticks each context switch costs.
    #[arg(long, value_name = "N", default_value_t = 0)]
    pub switch_cost: Tick,

    /// Adds a Gantt chart of the schedule.
    #[arg(long)]
    pub gantt: bool,

    /// Prints the results as JSON instead.
    #[arg(long)]
    pub json: bool,

    /// Writes a Chrome trace-event file (opens in Perfetto): one track per job.
    #[arg(long, value_name = "FILE")]
    pub trace: Option<PathBuf>,

    /// Writes the Gantt chart as an SVG file.
    #[arg(long, value_name = "FILE")]
    pub svg: Option<PathBuf>,

    /// Runs the workload under several policies and prints them side by side.
    #[arg(long, value_name = "P1,P2,...")]
    pub compare: Option<String>,

    /// Varies a parameter and prints how the figures follow: quantum, switch-cost,
    /// boost, io-time or allotment, as NAME=FROM..TO or NAME=FROM..TO:STEP (e.g.
    /// quantum=1..50 or quantum=5..50:5); with
    /// --compare, for each of its policies.
    #[arg(long, value_name = "NAME=FROM..TO")]
    pub sweep: Option<String>,

    /// --random: the shortest length.
    #[arg(long, value_name = "N", default_value_t = 1)]
    pub min_len: Tick,

    /// --random: the longest length.
    #[arg(long, value_name = "N", default_value_t = 100)]
    pub max_len: Tick,

    /// --random: the mean ticks between arrivals (0: all arrive at 0).
    #[arg(long, value_name = "N", default_value_t = 0)]
    pub mean_gap: Tick,

    /// --random: the share of jobs, in percent, that do I/O.
    #[arg(long, value_name = "PERCENT", default_value_t = 0)]
    pub io_percent: u32,

    /// --random: a job that does I/O does one after every 1..=N ticks of CPU.
    #[arg(long, value_name = "N", default_value_t = 10)]
    pub max_io: Tick,

    /// --random: tickets drawn from 1..=N (0: the default 100 each).
    #[arg(long, value_name = "N", default_value_t = 0)]
    pub max_tickets: u32,
}
