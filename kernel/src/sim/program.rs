//! A job's program: CPU bursts with an I/O (a sleep) after every `io_every` ticks of CPU,
//! then a note of how it went.
//!
//! It makes the same `compute` and `sleep` calls an `async` block would, but is written
//! out as a state machine: it keeps only what it needs between polls, in one cache line,
//! where an `async` block kept twice that (its captures, its locals and the call it waits
//! on side by side). A hundred thousand jobs are polled in turn from main memory, and
//! each line less is one trip less a dispatch.

use std::cell::RefCell;
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll};

use vproc_sched::Tick;

use crate::proc::Deadline;
use crate::{Pid, Proc, SchedStat};

/// What all the jobs of one simulation share.
pub(super) struct Shared {
    /// Ticks each I/O lasts.
    pub(super) io_time: Tick,
    /// What each job noted as it finished, in the order they finished.
    pub(super) finished: RefCell<Vec<Finished>>,
}

/// What a job notes as it finishes: the kernel's account of its process.
pub(super) struct Finished {
    /// The job's number.
    pub(super) id: usize,
    /// Its process.
    pub(super) pid: Pid,
    /// The kernel's account of its time.
    pub(super) stat: SchedStat,
    /// The tick it finished.
    pub(super) completion: Tick,
}

/// Where a job's program stands between two polls.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Step {
    /// Its next burst is to begin.
    Burst,
    /// A burst has begun: when it is polled again, the burst is over.
    Computing,
    /// An I/O has begun, ending at `until`.
    Waiting,
}

/// The program of job `id`: `left` ticks of CPU to go, an I/O after every `io_every`.
pub(super) struct JobProgram {
    proc: Proc,
    shared: Rc<Shared>,
    left: Tick,
    io_every: Tick,
    /// The tick the I/O under way ends at.
    until: Tick,
    id: u32,
    step: Step,
}

impl JobProgram {
    /// Job `id`'s program, `length` ticks of CPU (at least 1) with an I/O after every
    /// `io_every` (0: none).
    pub(super) fn new(
        proc: Proc,
        shared: Rc<Shared>,
        id: u32,
        length: Tick,
        io_every: Tick,
    ) -> Self {
        JobProgram {
            proc,
            shared,
            left: length,
            io_every,
            until: 0,
            id,
            step: Step::Burst,
        }
    }

    /// Notes how the job went, as it ends.
    fn finish(&self) {
        let stat = self.proc.sched_stat();
        let completion = self.proc.now();
        self.shared.finished.borrow_mut().push(Finished {
            id: self.id as usize,
            pid: self.proc.pid(),
            stat,
            completion,
        });
    }
}

impl Future for JobProgram {
    type Output = ();

    fn poll(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<()> {
        let this = self.get_mut();
        loop {
            match this.step {
                Step::Burst => {
                    let mut burst = match this.io_every {
                        0 => this.left,
                        every => every.min(this.left),
                    };
                    this.left -= burst;
                    this.step = Step::Computing;
                    if this.proc.poll_compute(&mut burst).is_pending() {
                        return Poll::Pending;
                    }
                }
                Step::Computing => {
                    // The burst is over.
                    if this.left == 0 {
                        this.finish();
                        return Poll::Ready(());
                    }
                    let mut io = Deadline::After(this.shared.io_time);
                    if this.proc.poll_sleep(&mut io).is_pending() {
                        // A sleep that waits has begun: it knows its end.
                        if let Deadline::At(until) = io {
                            (this.until, this.step) = (until, Step::Waiting);
                        }
                        return Poll::Pending;
                    }
                    this.step = Step::Burst;
                }
                Step::Waiting => {
                    if this
                        .proc
                        .poll_sleep(&mut Deadline::At(this.until))
                        .is_pending()
                    {
                        return Poll::Pending;
                    }
                    this.step = Step::Burst;
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_job_program_fits_one_cache_line() {
        assert!(std::mem::size_of::<JobProgram>() <= 64);
    }
}
