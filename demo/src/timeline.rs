//! A text Gantt chart of who was on the CPU, built from the kernel's events.

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::rc::Rc;

use vproc::kernel::{Event, EventKind, Kernel, Pid, ProcState, Tick};

/// The intervals each process spent running.
type Runs = BTreeMap<Pid, Vec<(Tick, Tick)>>;

/// Collects, from a kernel's events, the intervals each process spent running.
#[derive(Clone, Default)]
pub struct Timeline {
    runs: Rc<RefCell<Runs>>,
    started: Rc<RefCell<BTreeMap<Pid, Tick>>>,
}

impl Timeline {
    /// Starts recording the kernel's dispatches.
    pub fn record(kernel: &mut Kernel) -> Timeline {
        let timeline = Timeline::default();
        let t = timeline.clone();
        kernel.subscribe(move |event: &Event| {
            if let EventKind::Transition { from, to } = event.kind {
                if to == ProcState::Running {
                    t.started.borrow_mut().insert(event.pid, event.tick);
                } else if from == ProcState::Running
                    && let Some(start) = t.started.borrow_mut().remove(&event.pid)
                {
                    t.runs
                        .borrow_mut()
                        .entry(event.pid)
                        .or_default()
                        .push((start, event.tick));
                }
            }
        });
        timeline
    }

    /// Ticks each process ran in `[from, to)`.
    pub fn ran(&self, pid: Pid, from: Tick, to: Tick) -> Tick {
        self.runs.borrow().get(&pid).map_or(0, |runs| {
            runs.iter()
                .map(|&(s, e)| e.min(to).saturating_sub(s.max(from)))
                .sum()
        })
    }

    /// One row per process over `[0, end)`, `width` columns wide: a column is full when
    /// the process ran for most of its ticks.
    pub fn chart(&self, rows: &[(Pid, String)], end: Tick, width: usize) -> String {
        let step = (end / width as Tick).max(1);
        let mut out = String::new();
        for (pid, label) in rows {
            let _ = write!(out, "{label:>14} │");
            for column in 0..width as Tick {
                let from = column * step;
                let ran = self.ran(*pid, from, from + step);
                out.push(if ran * 2 > step {
                    '█'
                } else if ran > 0 {
                    '▒'
                } else {
                    '·'
                });
            }
            out.push('\n');
        }
        let _ = writeln!(out, "{:>14} └{}", "", "─".repeat(width));
        let _ = writeln!(out, "{:>14}  0{:>w$}", "tick", end, w = width - 1);
        out
    }
}
