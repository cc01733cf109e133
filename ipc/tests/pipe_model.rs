//! Random sequences of pipe operations checked against a plain model: a `VecDeque<u8>`, the
//! open-end counts, and the queues of blocked readers and writers in arrival order.
//!
//! Besides bytes, end of file, EPIPE, EAGAIN and readiness, it checks that no wake-up is
//! lost: after every step, each blocked future that could go on if polled has been woken
//! since its last poll.

mod common;

use std::collections::VecDeque;
use std::sync::Arc;
use std::task::{Poll, Waker};

use bytes::Bytes;
use common::{Counter, counter, poll_with};
use proptest::prelude::*;
use vproc_ipc::{
    Errno, IpcError, PIPE_BUF, PIPE_DEFAULT_CAPACITY, PIPE_MAX_CAPACITY, PipeReader, PipeWriter,
    PollEvents, Read, Write, pipe,
};

#[derive(Clone, Debug)]
enum Op {
    TryWrite(usize),
    TryRead(usize),
    /// Starts a blocking write and polls it once; kept if pending.
    StartWrite(usize),
    /// Starts a blocking read and polls it once; kept if pending.
    StartRead(usize),
    PollWrite(usize),
    PollRead(usize),
    DropWrite(usize),
    DropRead(usize),
    CloneReader,
    CloneWriter,
    DropReader(usize),
    DropWriter(usize),
    SetCapacity(usize),
}

fn size() -> impl Strategy<Value = usize> {
    prop_oneof![
        0..16usize,
        PIPE_BUF - 4..PIPE_BUF + 4,
        0..3 * PIPE_BUF,
        0..PIPE_DEFAULT_CAPACITY + 100,
    ]
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        4 => size().prop_map(Op::TryWrite),
        4 => size().prop_map(Op::TryRead),
        3 => size().prop_map(Op::StartWrite),
        3 => size().prop_map(Op::StartRead),
        3 => any::<usize>().prop_map(Op::PollWrite),
        3 => any::<usize>().prop_map(Op::PollRead),
        1 => any::<usize>().prop_map(Op::DropWrite),
        1 => any::<usize>().prop_map(Op::DropRead),
        1 => Just(Op::CloneReader),
        1 => Just(Op::CloneWriter),
        1 => any::<usize>().prop_map(Op::DropReader),
        1 => any::<usize>().prop_map(Op::DropWriter),
        2 => prop_oneof![
            0..20_000usize,
            Just(PIPE_MAX_CAPACITY),
            PIPE_MAX_CAPACITY..3 * PIPE_MAX_CAPACITY,
        ]
        .prop_map(Op::SetCapacity),
    ]
}

/// A blocked write, in the model.
struct ModelWrite {
    left: VecDeque<u8>,
    total: usize,
    written: usize,
}

/// A future under test, with its counting waker and the count at its last poll.
struct Tracked<F> {
    fut: F,
    woken: Arc<Counter>,
    waker: Waker,
    seen: usize,
}

impl<F: std::future::Future + Unpin> Tracked<F> {
    fn new(fut: F) -> Self {
        let (woken, waker) = counter();
        Tracked {
            fut,
            woken,
            waker,
            seen: 0,
        }
    }

    fn poll(&mut self) -> Poll<F::Output> {
        self.seen = self.woken.count();
        poll_with(&mut self.fut, &self.waker)
    }

    fn woken_since_poll(&self) -> bool {
        self.woken.count() > self.seen
    }
}

struct Model {
    data: VecDeque<u8>,
    capacity: usize,
    readers: Vec<PipeReader>,
    writers: Vec<PipeWriter>,
    writes: Vec<(Tracked<Write>, ModelWrite)>,
    reads: Vec<(Tracked<Read>, usize)>,
    next_byte: usize,
}

fn errno<T>(result: Result<T, IpcError>) -> Result<T, Errno> {
    result.map_err(|e| e.errno)
}

impl Model {
    fn new() -> Self {
        let (r, w) = pipe();
        Model {
            data: VecDeque::new(),
            capacity: PIPE_DEFAULT_CAPACITY,
            readers: vec![r],
            writers: vec![w],
            writes: Vec::new(),
            reads: Vec::new(),
            next_byte: 0,
        }
    }

    fn room(&self) -> usize {
        self.capacity - self.data.len()
    }

    fn fresh(&mut self, n: usize) -> Vec<u8> {
        let out = (self.next_byte..self.next_byte + n)
            .map(|x| (x % 251) as u8)
            .collect();
        self.next_byte += n;
        out
    }

    /// What the model says a write step stores, for the write at `at` in the queue (or a
    /// newcomer: `None`), with `left` of `total` to go: `Err` = EPIPE, `Ok(n)`.
    fn write_step(
        &mut self,
        at: Option<usize>,
        left: &mut VecDeque<u8>,
        total: usize,
    ) -> Result<usize, Errno> {
        if self.readers.is_empty() {
            return Err(Errno::EPIPE);
        }
        let turn = match at {
            Some(i) => i == 0,
            None => self.writes.is_empty(),
        };
        if !turn {
            return Ok(0);
        }
        let n = if total <= PIPE_BUF {
            if self.room() >= left.len() {
                left.len()
            } else {
                0
            }
        } else {
            self.room().min(left.len())
        };
        self.data.extend(left.drain(..n));
        Ok(n)
    }

    /// What a read of `max` (> 0) by the read at `at` (or a newcomer) gets: `None` = wait.
    fn read_step(&mut self, at: Option<usize>, max: usize) -> Option<Vec<u8>> {
        if self.data.is_empty() {
            return self.writers.is_empty().then(Vec::new);
        }
        let turn = match at {
            Some(i) => i == 0,
            None => self.reads.is_empty(),
        };
        if !turn {
            return None;
        }
        let n = max.min(self.data.len());
        Some(self.data.drain(..n).collect())
    }

    fn apply(&mut self, op: Op) {
        match op {
            Op::TryWrite(n) => {
                let Some(w) = self.writers.first() else {
                    return;
                };
                let w = w.clone();
                let data = self.fresh(n);
                let got = errno(w.try_write(Bytes::from(data.clone())));
                let mut left: VecDeque<u8> = data.into();
                let want = if n == 0 {
                    Ok(0)
                } else {
                    match self.write_step(None, &mut left, n) {
                        Ok(0) => Err(Errno::EAGAIN),
                        other => other,
                    }
                };
                assert_eq!(got, want, "try_write({n})");
            }
            Op::TryRead(m) => {
                let Some(r) = self.readers.first() else {
                    return;
                };
                let got = errno(r.try_read(m)).map(|b| b.to_vec());
                let want = if m == 0 {
                    Ok(Vec::new())
                } else {
                    self.read_step(None, m).ok_or(Errno::EAGAIN)
                };
                assert_eq!(got, want, "try_read({m})");
            }
            Op::StartWrite(n) => {
                let Some(w) = self.writers.first().cloned() else {
                    return;
                };
                let data = self.fresh(n);
                let mut tracked = Tracked::new(w.write(Bytes::from(data.clone())));
                let got = tracked.poll();
                let mut model = ModelWrite {
                    left: data.into(),
                    total: n,
                    written: 0,
                };
                if n == 0 {
                    assert_eq!(got, Poll::Ready(Ok(0)));
                    return;
                }
                match self.write_step(None, &mut model.left, n) {
                    Err(e) => assert_eq!(got.map(errno), Poll::Ready(Err(e))),
                    Ok(stored) => {
                        model.written = stored;
                        if model.left.is_empty() {
                            assert_eq!(got.map(errno), Poll::Ready(Ok(n)));
                        } else {
                            assert!(got.is_pending(), "write({n}) should wait");
                            assert_eq!(tracked.fut.written(), stored);
                            self.writes.push((tracked, model));
                        }
                    }
                }
            }
            Op::StartRead(m) => {
                let Some(r) = self.readers.first() else {
                    return;
                };
                let mut tracked = Tracked::new(r.read(m));
                let got = tracked.poll().map(|res| errno(res).map(|b| b.to_vec()));
                if m == 0 {
                    assert_eq!(got, Poll::Ready(Ok(Vec::new())));
                    return;
                }
                match self.read_step(None, m) {
                    Some(data) => assert_eq!(got, Poll::Ready(Ok(data))),
                    None => {
                        assert!(got.is_pending(), "read({m}) should wait");
                        self.reads.push((tracked, m));
                    }
                }
            }
            Op::PollWrite(i) => {
                if self.writes.is_empty() {
                    return;
                }
                let i = i % self.writes.len();
                let got = self.writes[i].0.poll().map(errno);
                let total = self.writes[i].1.total;
                let mut left = std::mem::take(&mut self.writes[i].1.left);
                let step = self.write_step(Some(i), &mut left, total);
                let done = left.is_empty();
                self.writes[i].1.left = left;
                match step {
                    Err(e) => {
                        let (_, model) = self.writes.remove(i);
                        let want = if model.written > 0 {
                            Ok(model.written)
                        } else {
                            Err(e)
                        };
                        assert_eq!(got, Poll::Ready(want));
                    }
                    Ok(stored) if done => {
                        assert_eq!(got, Poll::Ready(Ok(total)), "stored {stored} last");
                        self.writes.remove(i);
                    }
                    Ok(stored) => {
                        assert!(got.is_pending());
                        let (tracked, model) = &mut self.writes[i];
                        model.written += stored;
                        assert_eq!(tracked.fut.written(), model.written);
                    }
                }
            }
            Op::PollRead(i) => {
                if self.reads.is_empty() {
                    return;
                }
                let i = i % self.reads.len();
                let got = self.reads[i]
                    .0
                    .poll()
                    .map(|res| errno(res).map(|b| b.to_vec()));
                let max = self.reads[i].1;
                match self.read_step(Some(i), max) {
                    Some(data) => {
                        assert_eq!(got, Poll::Ready(Ok(data)));
                        self.reads.remove(i);
                    }
                    None => assert!(got.is_pending()),
                }
            }
            Op::DropWrite(i) => {
                if !self.writes.is_empty() {
                    let i = i % self.writes.len();
                    self.writes.remove(i);
                }
            }
            Op::DropRead(i) => {
                if !self.reads.is_empty() {
                    let i = i % self.reads.len();
                    self.reads.remove(i);
                }
            }
            Op::CloneReader => {
                if let Some(r) = self.readers.first() {
                    self.readers.push(r.clone());
                }
            }
            Op::CloneWriter => {
                if let Some(w) = self.writers.first() {
                    self.writers.push(w.clone());
                }
            }
            Op::DropReader(i) => {
                // The last end of all stays: a pipe with none is of no more use.
                if !self.readers.is_empty() && self.readers.len() + self.writers.len() > 1 {
                    let i = i % self.readers.len();
                    self.readers.remove(i);
                }
            }
            Op::DropWriter(i) => {
                if !self.writers.is_empty() && self.readers.len() + self.writers.len() > 1 {
                    let i = i % self.writers.len();
                    self.writers.remove(i);
                }
            }
            Op::SetCapacity(n) => {
                let got = match (self.readers.first(), self.writers.first()) {
                    (Some(r), _) => errno(r.set_capacity(n)),
                    (None, Some(w)) => errno(w.set_capacity(n)),
                    (None, None) => return,
                };
                let rounded = n.max(4096).next_power_of_two();
                let want = if rounded > PIPE_MAX_CAPACITY {
                    Err(Errno::EPERM)
                } else if rounded < self.data.len() {
                    Err(Errno::EBUSY)
                } else {
                    self.capacity = rounded;
                    Ok(rounded)
                };
                assert_eq!(got, want, "set_capacity({n})");
            }
        }
    }

    fn check(&self) {
        let len = self.data.len();
        if let Some(r) = self.readers.first() {
            assert_eq!((r.len(), r.capacity()), (len, self.capacity));
            let mut want = PollEvents::empty();
            if len > 0 || self.writers.is_empty() {
                want |= PollEvents::POLLIN;
            }
            if self.writers.is_empty() {
                want |= PollEvents::POLLHUP;
            }
            assert_eq!(r.readiness(), want);
        }
        if let Some(w) = self.writers.first() {
            assert_eq!((w.len(), w.capacity()), (len, self.capacity));
            let mut want = PollEvents::empty();
            if self.room() >= PIPE_BUF {
                want |= PollEvents::POLLOUT;
            }
            if self.readers.is_empty() {
                want |= PollEvents::POLLERR;
            }
            assert_eq!(w.readiness(), want);
        }
        // No lost wake-up: whoever could go on now has been woken since its last poll.
        for (i, (tracked, _)) in self.reads.iter().enumerate() {
            let can_go = (len == 0 && self.writers.is_empty()) || (i == 0 && len > 0);
            if can_go {
                assert!(tracked.woken_since_poll(), "blocked read {i} not woken");
            }
        }
        for (i, (tracked, model)) in self.writes.iter().enumerate() {
            let need = if model.total <= PIPE_BUF {
                model.left.len()
            } else {
                model.left.len().min(PIPE_BUF)
            };
            let can_go = self.readers.is_empty() || (i == 0 && self.room() >= need);
            if can_go {
                assert!(tracked.woken_since_poll(), "blocked write {i} not woken");
            }
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn pipes_behave_like_the_model(ops in proptest::collection::vec(op(), 1..60)) {
        let mut model = Model::new();
        for op in ops {
            model.apply(op);
            model.check();
        }
        // Whatever is left reads back in order.
        drop(std::mem::take(&mut model.writes));
        drop(std::mem::take(&mut model.reads));
        if let Some(r) = model.readers.first() {
            let mut rest = Vec::new();
            while let Ok(chunk) = r.try_read(usize::MAX) {
                if chunk.is_empty() {
                    break;
                }
                rest.extend_from_slice(&chunk);
            }
            prop_assert_eq!(rest, Vec::from(model.data.clone()));
        }
    }
}
