//! What a simulation measured, and the figures OSTEP asks for.

use vproc_sched::Tick;

use crate::Pid;

/// One job's times, OSTEP's way: response = first run − arrival, turnaround = completion
/// − arrival, wait = time ready but not running.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct JobReport {
    /// The job's number (its index in the workload).
    pub id: usize,
    /// The pid its process had.
    pub pid: Pid,
    /// The tick it arrived at.
    pub arrival: Tick,
    /// Ticks of CPU it needed.
    pub length: Tick,
    /// The tick it first ran.
    pub first_run: Tick,
    /// The tick it finished.
    pub completion: Tick,
    /// `first_run − arrival`.
    pub response: Tick,
    /// `completion − arrival`.
    pub turnaround: Tick,
    /// Ticks it was ready but not running (a paid context switch to it included).
    pub wait: Tick,
    /// Ticks it spent in I/O.
    pub io: Tick,
}

/// A stretch of time one job held the CPU.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Slice {
    /// The job.
    pub job: usize,
    /// The first tick.
    pub start: Tick,
    /// The tick after the last.
    pub end: Tick,
}

/// Averages over the jobs.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Averages {
    /// Mean response.
    pub response: f64,
    /// Mean turnaround.
    pub turnaround: f64,
    /// Mean wait.
    pub wait: f64,
}

/// The outcome of a simulation.
#[derive(Clone, Debug, PartialEq)]
pub struct Report {
    /// The policy's name.
    pub policy: String,
    /// Each job's times, by job number.
    pub jobs: Vec<JobReport>,
    /// Every slice of CPU time, in time order (idle time and switches are absent).
    pub schedule: Vec<Slice>,
    /// How many times the CPU passed from one process to another.
    pub context_switches: u64,
}

impl Report {
    /// Mean response, turnaround and wait.
    pub fn averages(&self) -> Averages {
        let n = self.jobs.len().max(1) as f64;
        let mean =
            |f: fn(&JobReport) -> Tick| self.jobs.iter().map(|j| f(j) as f64).sum::<f64>() / n;
        Averages {
            response: mean(|j| j.response),
            turnaround: mean(|j| j.turnaround),
            wait: mean(|j| j.wait),
        }
    }

    /// The first arrival and the last completion.
    pub fn span(&self) -> (Tick, Tick) {
        let start = self.jobs.iter().map(|j| j.arrival).min().unwrap_or(0);
        let end = self.jobs.iter().map(|j| j.completion).max().unwrap_or(0);
        (start, end)
    }

    /// The share of the span (first arrival to last completion) the CPU ran jobs.
    pub fn utilization(&self) -> f64 {
        let (start, end) = self.span();
        let busy: Tick = self.jobs.iter().map(|j| j.length).sum();
        busy as f64 / (end - start).max(1) as f64
    }

    /// Jobs completed per tick of the span.
    pub fn throughput(&self) -> f64 {
        let (start, end) = self.span();
        self.jobs.len() as f64 / (end - start).max(1) as f64
    }

    /// Jain's fairness index of the rate at which each job was served, length /
    /// turnaround (1 for a job that never waited): (Σx)² / (n·Σx²), from 1/n (one job
    /// got everything) to 1 (all were served alike).
    pub fn fairness(&self) -> f64 {
        let rates: Vec<f64> = self
            .jobs
            .iter()
            .map(|j| j.length as f64 / j.turnaround.max(1) as f64)
            .collect();
        let sum: f64 = rates.iter().sum();
        let squares: f64 = rates.iter().map(|x| x * x).sum();
        if squares == 0.0 {
            return 1.0;
        }
        sum * sum / (rates.len() as f64 * squares)
    }
}
