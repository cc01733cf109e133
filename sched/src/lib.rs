//! Scheduling policies for vproc.
//!
//! A [`Policy`] is the object a kernel asks at every switch which ready task runs next.
//! Policies are pure data structures: no I/O, no kernel, no clock of their own. The kernel
//! names tasks by [`TaskId`] (a small dense integer it reuses), tells the policy when a task
//! becomes ready, how long it ran, and when it leaves.
//!
//! The default policy is [`PriorityPolicy`]: 40 priority levels (nice -20..=19),
//! round-robin within a level, O(1) pick-next through a bitmap of non-empty levels, and
//! aging so that a ready low-priority task runs within a bounded wait. The teaching
//! policies are [`FifoPolicy`] (`fifo`, `rr`), [`ShortestPolicy`] (`sjf`, `stcf`),
//! [`MlfqPolicy`], [`StridePolicy`], [`LotteryPolicy`] and the Linux-like [`FairPolicy`]
//! (`cfs`);
//! [`by_name`] picks one by name.
//!
//! ```
//! use vproc_sched::{Policy, PriorityPolicy, Requeue, TaskId, TaskParams};
//!
//! let mut policy = PriorityPolicy::new(10);
//! let background = TaskId(0);
//! let urgent = TaskId(1);
//! policy.admit(background, &TaskParams::with_nice(10), 0);
//! policy.admit(urgent, &TaskParams::with_nice(-5), 0);
//! policy.enqueue(background, Requeue::New, 0);
//! policy.enqueue(urgent, Requeue::New, 0);
//!
//! // The lower nice value wins; the other task is still ready.
//! assert_eq!(policy.pick_next(0), Some(urgent));
//! assert_eq!(policy.pick_next(0), Some(background));
//! assert_eq!(policy.pick_next(0), None);
//! ```

#![warn(missing_docs)]

mod by_name;
mod fair;
mod fifo;
pub mod huge_pages;
mod lists;
mod lottery;
mod mlfq;
mod ordered;
mod policy;
mod prefetch;
mod priority;
mod random;
mod shortest;
mod stride;
mod sum_tree;

pub use by_name::{POLICY_NAMES, SchedError, by_name};
pub use fair::{FairPolicy, NICE_WEIGHTS};
pub use fifo::FifoPolicy;
pub use lists::{After, TaskLists};
pub use lottery::LotteryPolicy;
pub use mlfq::{MlfqConfig, MlfqPolicy};
pub use policy::{NICE_MAX, NICE_MIN, Policy, Requeue, TaskId, TaskParams, Tick, nice_level};
pub use priority::PriorityPolicy;
pub use random::SplitMix64;
pub use shortest::ShortestPolicy;
pub use stride::{STRIDE_L, StridePolicy};
