//! Choosing a policy by name, as a user or the simulator does.

use thiserror::Error;

use crate::fair::FairPolicy;
use crate::fifo::FifoPolicy;
use crate::lottery::LotteryPolicy;
use crate::mlfq::{MlfqConfig, MlfqPolicy};
use crate::policy::{Policy, Tick};
use crate::priority::PriorityPolicy;
use crate::shortest::ShortestPolicy;
use crate::stride::StridePolicy;

/// The names `by_name` knows.
pub const POLICY_NAMES: [&str; 9] = [
    "priority", "fifo", "rr", "sjf", "stcf", "mlfq", "stride", "lottery", "cfs",
];

/// An error of vproc-sched, named after its POSIX errno.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum SchedError {
    /// No policy has that name.
    #[error("EINVAL: unknown policy '{0}' (known: {names})", names = POLICY_NAMES.join(", "))]
    UnknownPolicy(String),
}

/// The policy called `name` (case-insensitive), with `quantum` ticks per slice where the
/// policy slices, and `seed` where it draws.
pub fn by_name(name: &str, quantum: Tick, seed: u64) -> Result<Box<dyn Policy>, SchedError> {
    let policy: Box<dyn Policy> = match name.trim().to_ascii_lowercase().as_str() {
        "priority" => Box::new(PriorityPolicy::new(quantum)),
        "fifo" | "fcfs" => Box::new(FifoPolicy::fifo()),
        "rr" => Box::new(FifoPolicy::round_robin(quantum)),
        "sjf" => Box::new(ShortestPolicy::sjf()),
        "stcf" | "srtf" => Box::new(ShortestPolicy::stcf()),
        "mlfq" => Box::new(MlfqPolicy::new(MlfqConfig::uniform(3, quantum, 1))),
        "stride" => Box::new(StridePolicy::new(quantum)),
        "lottery" => Box::new(LotteryPolicy::new(quantum, seed)),
        // A scheduling period of 6 quanta, Linux's 6 ms latency for 1 ms ticks.
        "cfs" | "fair" => Box::new(FairPolicy::new(quantum.saturating_mul(6), quantum.max(1))),
        _ => return Err(SchedError::UnknownPolicy(name.to_string())),
    };
    Ok(policy)
}
