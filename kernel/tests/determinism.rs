//! Determinism: the same seed and the same workload give the same schedule, event trace
//! and process table, run after run.

mod common;

use std::cell::RefCell;
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;

use common::*;
use vproc_kernel::{
    Command, Error, Event, ExitStatus, Kernel, Pid, Proc, ProcInfo, Stop, WaitFlags, WaitFor,
};

type Log = Rc<RefCell<Vec<(Pid, u64)>>>;

/// One node of a random process tree: what it does depends only on `p.random()`.
fn node(p: Proc, depth: u32, log: Log) -> Pin<Box<dyn Future<Output = Result<u8, Error>>>> {
    Box::pin(async move {
        let mut children = Vec::new();
        if depth > 0 {
            // Every inner node has at least one child, so the tree is never trivial.
            let child = p.spawn_fn(Command::new(format!("first{depth}")), {
                let log = log.clone();
                move |c| node(c, depth - 1, log)
            })?;
            children.push(child);
        }
        for step in 0..6 {
            let r = p.random();
            log.borrow_mut().push((p.pid(), r));
            match r % 7 {
                0 | 1 => p.compute(1 + r % 40).await,
                2 => {
                    p.sleep(r % 25).await;
                }
                3 => p.yield_now().await,
                4 if depth > 0 => {
                    let nice = (r >> 8) % 11;
                    let child = p.spawn_fn(
                        Command::new(format!("n{depth}.{step}")).nice(nice as i32 - 5),
                        {
                            let log = log.clone();
                            move |c| node(c, depth - 1, log)
                        },
                    )?;
                    children.push(child);
                }
                5 => {
                    // Poll for a child without blocking.
                    if let Some((pid, _)) = p
                        .waitpid(WaitFor::Any, WaitFlags::NOHANG)
                        .await
                        .ok()
                        .flatten()
                    {
                        children.retain(|&c| c != pid);
                    }
                }
                _ => {
                    if r & 1 == 0 && depth > 0 {
                        let child = p.spawn_fn(Command::new("leaf"), {
                            let log = log.clone();
                            move |c| node(c, 0, log)
                        })?;
                        children.push(child);
                    }
                    p.compute(r % 13).await;
                }
            }
        }
        // Reap some children in order, leave the rest to init.
        let keep = children.len() / 2;
        for &child in &children[..keep] {
            p.waitpid(WaitFor::Pid(child), WaitFlags::empty()).await?;
        }
        Ok((p.random() % 200) as u8)
    })
}

const MIDWAY: u64 = 40;

struct Outcome {
    events: Vec<Event>,
    midway: Vec<ProcInfo>,
    end: Vec<ProcInfo>,
    randoms: Vec<(Pid, u64)>,
    roots: Vec<ExitStatus>,
    now: u64,
}

fn run_workload(seed: u64) -> Outcome {
    let mut kernel = Kernel::builder().seed(seed).build();
    let events = record_events(&mut kernel);
    let log: Log = Rc::default();
    let roots: Vec<Pid> = (0..3)
        .map(|i| {
            let log = log.clone();
            kernel
                .spawn_fn(Command::new(format!("root{i}")), move |p| node(p, 3, log))
                .unwrap()
        })
        .collect();
    assert_eq!(kernel.run_for(MIDWAY).unwrap(), Stop::TimeLimit);
    let midway = kernel.ps();
    assert_eq!(kernel.run().unwrap(), Stop::AllExited);
    let end = kernel.ps();
    let roots = roots
        .into_iter()
        .map(|pid| host_status(&mut kernel, pid))
        .collect();
    let now = kernel.now();
    let events = events.borrow().clone();
    let randoms = log.borrow().clone();
    Outcome {
        events,
        midway,
        end,
        randoms,
        roots,
        now,
    }
}

#[test]
fn the_same_seed_gives_the_same_trace_and_table() {
    for seed in [0, 1, 42, 0xdead_beef] {
        let a = run_workload(seed);
        let b = run_workload(seed);
        // The workload is not trivial.
        let spawned = a
            .events
            .iter()
            .filter(|e| matches!(e.kind, vproc_kernel::EventKind::Spawned { .. }))
            .count();
        assert!(spawned >= 3, "seed {seed}: {spawned} processes");
        assert!(a.midway.len() > 1, "seed {seed}: work left midway");
        assert_eq!(a.events.len(), b.events.len(), "seed {seed}");
        for (i, (x, y)) in a.events.iter().zip(&b.events).enumerate() {
            assert_eq!(x, y, "seed {seed}: event {i} differs");
        }
        assert_eq!(a.midway, b.midway, "seed {seed}: ps midway");
        assert_eq!(a.end, b.end, "seed {seed}: ps at the end");
        assert_eq!(pids(&a.end), vec![Pid::INIT]);
        assert_eq!(a.randoms, b.randoms, "seed {seed}");
        assert_eq!(a.roots, b.roots, "seed {seed}");
        assert_eq!(a.now, b.now, "seed {seed}");
        assert!(a.roots.iter().all(|s| s.code().is_some()), "{:?}", a.roots);
    }
}

#[test]
fn the_seed_changes_the_random_numbers_and_so_the_trace() {
    let a = run_workload(7);
    let b = run_workload(8);
    let numbers = |o: &Outcome| {
        o.randoms
            .iter()
            .map(|&(_, r)| r)
            .take(5)
            .collect::<Vec<_>>()
    };
    assert_ne!(numbers(&a), numbers(&b));
    assert_ne!(a.events, b.events);
}

#[test]
fn the_event_ring_keeps_the_latest_events_of_the_trace() {
    let mut kernel = Kernel::builder().seed(3).event_ring(64).build();
    let events = record_events(&mut kernel);
    let log: Log = Rc::default();
    kernel
        .spawn_fn(Command::new("root"), move |p| node(p, 3, log))
        .unwrap();
    assert_eq!(kernel.run().unwrap(), Stop::AllExited);
    let all = events.borrow();
    let recent = kernel.recent_events();
    assert!(all.len() > 64, "{} events", all.len());
    assert_eq!(recent.len(), 64);
    assert_eq!(recent[..], all[all.len() - 64..]);
}
