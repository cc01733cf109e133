//! Turns the kernel's events into each job's times and the schedule.

use vproc_sched::Tick;

use super::report::{JobReport, Slice};
use crate::{Event, EventKind, Pid, ProcState, WaitOn};

/// What is known of one job so far.
#[derive(Clone, Debug, Default)]
struct Times {
    pid: u32,
    arrival: Tick,
    first_run: Option<Tick>,
    completion: Option<Tick>,
    wait: Tick,
    io: Tick,
    /// When it entered its current state.
    since: Tick,
}

/// Follows the jobs' processes through the events of a simulation.
pub(crate) struct Recorder {
    /// Jobs in the order they are spawned.
    spawn_order: Vec<usize>,
    spawned: usize,
    /// Job of each pid (+1; 0 for none).
    job_of_pid: Vec<u32>,
    times: Vec<Times>,
    schedule: Vec<Slice>,
    dispatches: u64,
}

impl Recorder {
    /// A recorder for `jobs` jobs spawned in `spawn_order`.
    pub fn new(jobs: usize, spawn_order: Vec<usize>) -> Self {
        Recorder {
            spawn_order,
            spawned: 0,
            job_of_pid: Vec::new(),
            times: vec![Times::default(); jobs],
            schedule: Vec::new(),
            dispatches: 0,
        }
    }

    fn job(&self, pid: Pid) -> Option<usize> {
        match self.job_of_pid.get(pid.0 as usize) {
            Some(&j) if j > 0 => Some(j as usize - 1),
            _ => None,
        }
    }

    pub fn record(&mut self, event: &Event) {
        let tick = event.tick;
        match event.kind {
            EventKind::Spawned { .. } => {
                let Some(&job) = self.spawn_order.get(self.spawned) else {
                    return;
                };
                self.spawned += 1;
                let pid = event.pid.0 as usize;
                if self.job_of_pid.len() <= pid {
                    self.job_of_pid.resize(pid + 1, 0);
                }
                self.job_of_pid[pid] = job as u32 + 1;
                let t = &mut self.times[job];
                t.pid = event.pid.0;
                t.arrival = tick;
                t.since = tick;
            }
            EventKind::Transition { from, to } => {
                let Some(job) = self.job(event.pid) else {
                    return;
                };
                let t = &mut self.times[job];
                let spent = tick - t.since;
                match from {
                    ProcState::Ready => t.wait += spent,
                    ProcState::Waiting(WaitOn::Sleep) => t.io += spent,
                    ProcState::Running if spent > 0 => self.schedule.push(Slice {
                        job,
                        start: t.since,
                        end: tick,
                    }),
                    _ => {}
                }
                if to == ProcState::Running {
                    self.dispatches += 1;
                    t.first_run.get_or_insert(tick);
                }
                t.since = tick;
            }
            EventKind::Exited(_) => {
                if let Some(job) = self.job(event.pid) {
                    self.times[job].completion = Some(tick);
                    // The pid may be reused by a later job.
                    self.job_of_pid[event.pid.0 as usize] = 0;
                }
            }
            EventKind::Reparented { .. } | EventKind::Reaped { .. } => {}
        }
    }

    /// The jobs' reports (lengths by job), the schedule and the number of dispatches;
    /// `None` if a job did not run to completion.
    pub fn finish(self, lengths: &[Tick]) -> Option<(Vec<JobReport>, Vec<Slice>, u64)> {
        let jobs = self
            .times
            .iter()
            .zip(lengths)
            .enumerate()
            .map(|(id, (t, &length))| {
                let (first_run, completion) = (t.first_run?, t.completion?);
                Some(JobReport {
                    id,
                    pid: Pid(t.pid),
                    arrival: t.arrival,
                    length,
                    first_run,
                    completion,
                    response: first_run - t.arrival,
                    turnaround: completion - t.arrival,
                    wait: t.wait,
                    io: t.io,
                })
            })
            .collect::<Option<Vec<_>>>()?;
        Some((jobs, self.schedule, self.dispatches))
    }
}
