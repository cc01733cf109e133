//! Jobs and workloads: what a simulation runs.

use std::str::FromStr;

use vproc_ipc::Errno;
use vproc_sched::Tick;

use crate::Error;

/// One job: a process that needs `length` ticks of CPU, arriving at `arrival`, doing an
/// I/O after every `io_every` ticks of CPU (0: never) unless it has just finished.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Job {
    /// Ticks of CPU it needs (at least 1).
    pub length: Tick,
    /// The tick it arrives at.
    pub arrival: Tick,
    /// It issues an I/O after every this many ticks of CPU; 0 for none.
    pub io_every: Tick,
    /// Its lottery or stride tickets (`None`: the policy's default, 100).
    pub tickets: Option<u32>,
    /// Its nice value (-20..=19), for the priority and fair policies.
    pub nice: i8,
}

impl Job {
    /// The CPU bursts it runs: one, or one between each two of its I/Os.
    pub(crate) fn bursts(&self) -> Tick {
        if self.io_every == 0 {
            1
        } else {
            self.length.div_ceil(self.io_every)
        }
    }

    /// A CPU-bound job of `length` ticks arriving at 0.
    pub fn new(length: Tick) -> Self {
        Job {
            length,
            arrival: 0,
            io_every: 0,
            tickets: None,
            nice: 0,
        }
    }

    /// The same job arriving at `tick`.
    pub fn arrive(mut self, tick: Tick) -> Self {
        self.arrival = tick;
        self
    }

    /// The same job doing an I/O after every `ticks` ticks of CPU.
    pub fn io(mut self, ticks: Tick) -> Self {
        self.io_every = ticks;
        self
    }

    /// The same job with `tickets` tickets.
    pub fn tickets(mut self, tickets: u32) -> Self {
        self.tickets = Some(tickets);
        self
    }

    /// The same job at nice value `nice`.
    pub fn nice(mut self, nice: i8) -> Self {
        self.nice = nice;
        self
    }

    /// How many I/Os it issues: one after every `io_every` ticks of CPU, except at the end.
    pub fn io_count(&self) -> Tick {
        match self.io_every {
            0 => 0,
            n => (self.length - 1) / n,
        }
    }

    fn check(&self) -> Result<(), Error> {
        if self.length == 0 {
            return Err(invalid("a job needs len of at least 1 tick"));
        }
        crate::core::nice_value(i32::from(self.nice)).map(drop)
    }
}

fn invalid(message: impl Into<String>) -> Error {
    Error::new(Errno::EINVAL, message)
}

fn number<T: FromStr>(key: &str, value: &str) -> Result<T, Error> {
    value
        .trim()
        .parse()
        .map_err(|_| invalid(format!("{key}={value}: '{value}' is not a valid number")))
}

/// Parses `len=N[,arrive=T][,io=N][,tickets=N][,nice=N]` (`len` is required; keys in any
/// order; `length`, `arrival` and `arrive` are accepted spellings).
impl FromStr for Job {
    type Err = Error;

    fn from_str(spec: &str) -> Result<Self, Error> {
        let mut length = None;
        let mut job = Job::new(1);
        for field in spec.split(',').map(str::trim).filter(|f| !f.is_empty()) {
            let (key, value) = field
                .split_once('=')
                .ok_or_else(|| invalid(format!("'{field}' in job '{spec}' is not key=value")))?;
            match key.trim() {
                "len" | "length" => length = Some(number(key, value)?),
                "arrive" | "arrival" => job.arrival = number(key, value)?,
                "io" => job.io_every = number(key, value)?,
                "tickets" => job.tickets = Some(number(key, value)?),
                "nice" => job.nice = number(key, value)?,
                other => {
                    return Err(invalid(format!(
                        "unknown key '{other}' in job '{spec}' (known: len, arrive, io, tickets, nice)"
                    )));
                }
            }
        }
        job.length = length.ok_or_else(|| invalid(format!("job '{spec}' has no len=N")))?;
        job.check()?;
        Ok(job)
    }
}

/// Jobs, numbered from 0 in order, and how long each I/O takes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Workload {
    /// The jobs; a job's id is its index.
    pub jobs: Vec<Job>,
    /// Ticks each I/O lasts (OSTEP's default: 5).
    pub io_time: Tick,
}

/// OSTEP's I/O time.
pub const DEFAULT_IO_TIME: Tick = 5;

impl Workload {
    /// These jobs, with I/Os of the default 5 ticks.
    pub fn new(jobs: Vec<Job>) -> Self {
        Workload {
            jobs,
            io_time: DEFAULT_IO_TIME,
        }
    }

    /// CPU-bound jobs arriving at 0 with these lengths.
    pub fn from_lengths(lengths: &[Tick]) -> Self {
        Workload::new(lengths.iter().map(|&l| Job::new(l)).collect())
    }

    /// The same jobs with I/Os of `ticks`.
    pub fn io_time(mut self, ticks: Tick) -> Self {
        self.io_time = ticks;
        self
    }

    /// EINVAL for an empty workload or a job that cannot run.
    pub fn check(&self) -> Result<(), Error> {
        if self.jobs.is_empty() {
            return Err(invalid("the workload has no jobs"));
        }
        for (id, job) in self.jobs.iter().enumerate() {
            job.check()
                .map_err(|e| invalid(format!("job {id}: {}", message_of(&e))))?;
        }
        Ok(())
    }
}

/// A comma-separated list of lengths, as `--lengths 100,200,300` gives it.
impl FromStr for Workload {
    type Err = Error;

    fn from_str(list: &str) -> Result<Self, Error> {
        let lengths = list
            .split(',')
            .map(|l| number::<Tick>("len", l))
            .collect::<Result<Vec<_>, _>>()?;
        let workload = Workload::from_lengths(&lengths);
        workload.check()?;
        Ok(workload)
    }
}

pub(crate) fn message_of(e: &Error) -> String {
    match e.kind() {
        crate::ErrorKind::Sys { message, .. } => message.clone(),
        other => other.to_string(),
    }
}
