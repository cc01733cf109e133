//! The simulation harness: a workload of jobs run as real processes on a kernel, under
//! the policy of your choice, measured as OSTEP (Operating Systems: Three Easy Pieces,
//! chapters 7–9) measures it.
//!
//! Each job is a process that arrives at its tick ([`Kernel::spawn_fn_at`]), computes,
//! and sleeps through an I/O after every `io_every` ticks of CPU. System calls cost
//! nothing, as in OSTEP's simulators; a context switch costs what you say (0 by default).
//! The figures come from the kernel's own accounting (each process's
//! [`SchedStat`](crate::SchedStat) and the kernel's dispatch log), so what you measure is
//! what the kernel did.
//!
//! ```
//! use vproc_kernel::sim::{Workload, simulate};
//! use vproc_sched::by_name;
//!
//! // OSTEP's example: A needs 100 ticks, B and C 10 each, all arriving at 0.
//! let workload = Workload::from_lengths(&[100, 10, 10]);
//! let fifo = simulate(&workload, by_name("fifo", 10, 0)?, 0)?;
//! let sjf = simulate(&workload, by_name("sjf", 10, 0)?, 0)?;
//! assert_eq!(fifo.averages().turnaround, 110.0);
//! assert_eq!(sjf.averages().turnaround, 50.0);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod job;
mod program;
mod random;
mod report;

use std::cell::RefCell;
use std::rc::Rc;

use program::{JobProgram, Shared};

use vproc_ipc::Errno;
use vproc_sched::{Policy, Tick};

pub use job::{DEFAULT_IO_TIME, Job, Workload};
pub use random::RandomWorkload;
pub use report::{Averages, JobReport, Report, Slice};

use crate::{Command, Error, Kernel, PID_MAX_LIMIT, RESERVED_PIDS, Stop};

/// Jobs in one simulation at most: each gets a pid of its own.
pub const MAX_JOBS: usize = (PID_MAX_LIMIT - RESERVED_PIDS - 1) as usize;

/// The most log entries a simulation makes room for up front (a workload's bursts
/// can add up to more than it will ever run in one go: the log then grows as it must).
const MAX_LOG_ROOM: usize = 1 << 23;

/// Runs `workload` under `policy`, with `switch_cost` ticks per context switch.
///
/// EINVAL for a workload with no jobs, a job of length 0, or more than [`MAX_JOBS`] jobs.
pub fn simulate(
    workload: &Workload,
    policy: Box<dyn Policy>,
    switch_cost: Tick,
) -> Result<Report, Error> {
    workload.check()?;
    if workload.jobs.len() > MAX_JOBS {
        return Err(Error::new(
            Errno::EINVAL,
            format!(
                "{} jobs: one simulation runs at most {MAX_JOBS}",
                workload.jobs.len()
            ),
        ));
    }
    // Each CPU burst is a slice at least, and a slice cut short (a quantum's end, a
    // better process woken) adds one: room for a quarter more than the bursts spares the
    // log its regrowth in most runs.
    let bursts: Tick = workload.jobs.iter().map(Job::bursts).sum();
    let slices = usize::try_from(bursts.saturating_add(bursts / 4)).unwrap_or(usize::MAX);
    let mut kernel = Kernel::builder()
        .policy_boxed(policy)
        .syscall_cost(0)
        .switch_cost(switch_cost)
        .event_ring(0)
        .processes(workload.jobs.len())
        .dispatch_log_capacity(slices.min(MAX_LOG_ROOM))
        .build();
    let policy = kernel.policy_name().to_string();
    let mut order: Vec<usize> = (0..workload.jobs.len()).collect();
    order.sort_by_key(|&i| workload.jobs[i].arrival);
    // Jobs note how they went in the order they finish: appending touches memory in
    // order, where writing each at its job's place would miss the cache once a job.
    let shared = Rc::new(Shared {
        io_time: workload.io_time,
        finished: RefCell::new(Vec::with_capacity(workload.jobs.len())),
    });
    for &i in &order {
        let job = &workload.jobs[i];
        // The jobs report for themselves: none is waited for, so none leaves a status.
        let mut command = Command::new(job_name(i))
            .unwaited()
            .expected_length(job.length)
            .nice(i32::from(job.nice));
        if let Some(tickets) = job.tickets {
            command = command.tickets(tickets);
        }
        let (length, io_every) = (job.length, job.io_every);
        let shared = shared.clone();
        // MAX_JOBS is below u32::MAX: the number fits.
        let id = i as u32;
        kernel.spawn_fn_at(job.arrival, command, move |p| {
            JobProgram::new(p, shared, id, length, io_every)
        })?;
    }
    let stop = kernel.run()?;
    if let Some(failure) = kernel.failed_arrivals().into_iter().next() {
        return Err(failure.error);
    }
    if stop != Stop::AllExited {
        return Err(Error::new(
            Errno::EDEADLK,
            format!("the simulation stopped early: {stop:?}"),
        ));
    }
    let log = kernel.take_dispatch_log();
    let context_switches = kernel.context_switches();
    drop(kernel);
    let finished = shared.finished.take();
    // Where each job's note is, by job number: the reports are then written in order,
    // each read from its note, with no table of reports to fill in first.
    let mut note_of = vec![u32::MAX; workload.jobs.len()];
    let mut max_pid = 0;
    for (at, done) in finished.iter().enumerate() {
        // No more notes than jobs, fewer than u32::MAX: the place fits.
        note_of[done.id] = at as u32;
        max_pid = max_pid.max(done.pid.0 as usize);
    }
    // No pid was used twice: a simulation has fewer jobs than pids. Pids are small
    // numbers: a table by pid finds each slice's job with no hashing.
    let mut job_of = vec![usize::MAX; max_pid + 1];
    let mut jobs = Vec::with_capacity(workload.jobs.len());
    for (id, &at) in note_of.iter().enumerate() {
        let done = finished
            .get(at as usize)
            .ok_or_else(|| Error::new(Errno::EDEADLK, "a job did not run to completion"))?;
        let arrival = done.stat.created;
        let first_run = done.stat.first_run.unwrap_or(arrival);
        job_of[done.pid.0 as usize] = id;
        jobs.push(JobReport {
            id,
            pid: done.pid,
            arrival,
            length: workload.jobs[id].length,
            first_run,
            completion: done.completion,
            response: first_run - arrival,
            turnaround: done.completion - arrival,
            wait: done.stat.run_delay,
            io: done.stat.blocked,
        });
    }
    let schedule = log
        .into_iter()
        .filter_map(|d| {
            let job = *job_of.get(d.pid.0 as usize)?;
            (job != usize::MAX).then_some(Slice {
                job,
                start: d.start,
                end: d.end,
            })
        })
        .collect();
    Ok(Report {
        policy,
        jobs,
        schedule,
        context_switches,
    })
}

/// `job{i}`, the name a job's process shows, written out without the formatting
/// machinery, which costs a hundred thousand jobs a few milliseconds. It is short enough
/// to be kept in place, with nothing allocated.
///
/// Its bytes are put together in one 16-byte number and stored at once: digits stored
/// one or two at a time and then copied in wider pieces (as a conversion of the number
/// to text would) make each copy wait until those stores reach the cache.
fn job_name(i: usize) -> compact_str::CompactString {
    /// "job" in the low bytes of a little-endian number.
    const JOB: u128 = u32::from_le_bytes(*b"job\0") as u128;
    /// The most digits that fit beside "job" in 16 bytes.
    const MAX_DIGITS: usize = 13;
    let mut digits = 0u128;
    let mut count = 0;
    let mut rest = i;
    loop {
        // Each digit found goes below the ones found before: the first (the last
        // digit) ends up highest, as the text reads.
        digits = (digits << 8) | u128::from(b'0' + (rest % 10) as u8);
        count += 1;
        rest /= 10;
        if rest == 0 || count == MAX_DIGITS {
            break;
        }
    }
    if rest != 0 {
        // A number too long for 16 bytes, which no simulation has (MAX_JOBS is far below).
        use compact_str::ToCompactString;
        let mut name = compact_str::CompactString::const_new("job");
        name.push_str(&i.to_compact_string());
        return name;
    }
    let bytes = ((digits << 24) | JOB).to_le_bytes();
    let name = std::str::from_utf8(&bytes[..3 + count]).expect("\"job\" and ASCII digits");
    compact_str::CompactString::new(name)
}

#[cfg(test)]
mod tests {
    #[test]
    fn job_names_are_job_and_the_decimal_number() {
        // Up to 13 digits, the most put together at once, and beyond (where usize reaches).
        let numbers = [
            0,
            7,
            10,
            99,
            100,
            12_345,
            99_999,
            9_999_999_999_999,
            10_000_000_000_000,
        ];
        let numbers = numbers
            .into_iter()
            .filter_map(|i: u64| usize::try_from(i).ok());
        for i in numbers.chain([usize::MAX]) {
            assert_eq!(super::job_name(i), format!("job{i}"));
        }
    }
}
