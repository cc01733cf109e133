//! Random workloads for experiments: the same seed gives the same jobs.

use vproc_sched::{SplitMix64, Tick};

use super::job::{DEFAULT_IO_TIME, Job, Workload};

/// How to draw a random workload.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RandomWorkload {
    /// How many jobs.
    pub jobs: usize,
    /// The seed: one seed, one workload.
    pub seed: u64,
    /// Lengths are drawn uniformly from `min_len..=max_len`.
    pub min_len: Tick,
    /// See `min_len`.
    pub max_len: Tick,
    /// Mean ticks between arrivals (exponentially distributed, a Poisson process); 0
    /// puts every arrival at tick 0.
    pub mean_gap: Tick,
    /// The share of jobs, in percent, that do I/O; each of them does one after every n
    /// ticks of CPU, n drawn uniformly from `1..=max_io`.
    pub io_percent: u32,
    /// See `io_percent`.
    pub max_io: Tick,
    /// I/O time of the workload.
    pub io_time: Tick,
    /// Tickets are drawn uniformly from `1..=max_tickets`; 0 leaves every job the default.
    pub max_tickets: u32,
}

impl Default for RandomWorkload {
    /// OSTEP's defaults for its random jobs: lengths up to 100, all arriving at 0,
    /// I/O every 1 to 10 ticks when they do I/O.
    fn default() -> Self {
        RandomWorkload {
            jobs: 3,
            seed: 0,
            min_len: 1,
            max_len: 100,
            mean_gap: 0,
            io_percent: 0,
            max_io: 10,
            io_time: DEFAULT_IO_TIME,
            max_tickets: 0,
        }
    }
}

impl RandomWorkload {
    /// Draws the workload.
    pub fn generate(&self) -> Workload {
        let mut rng = SplitMix64::new(self.seed);
        let mut uniform = |lo: u64, hi: u64| lo + rng.next_u64() % (hi.max(lo) - lo + 1);
        let min_len = self.min_len.max(1);
        let mut arrival = 0;
        let jobs = (0..self.jobs)
            .map(|i| {
                if i > 0 && self.mean_gap > 0 {
                    // Inverse transform of a uniform draw in (0, 1].
                    let u = (uniform(1, 1 << 53) as f64) / (1u64 << 53) as f64;
                    arrival += (-(self.mean_gap as f64) * u.ln()).round() as Tick;
                }
                let mut job = Job::new(uniform(min_len, self.max_len.max(min_len))).arrive(arrival);
                if uniform(1, 100) <= u64::from(self.io_percent) {
                    job.io_every = uniform(1, self.max_io.max(1));
                }
                if self.max_tickets > 0 {
                    job.tickets = Some(uniform(1, u64::from(self.max_tickets)) as u32);
                }
                job
            })
            .collect();
        Workload::new(jobs).io_time(self.io_time)
    }
}
