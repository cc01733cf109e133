//! Unit tests that look inside the pipe: queues and watchers left behind.

use std::pin::Pin;
use std::task::{Context, Poll, Waker};

use bytes::Bytes;

use super::*;

fn poll<F: std::future::Future + Unpin>(f: &mut F) -> Poll<F::Output> {
    Pin::new(f).poll(&mut Context::from_waker(Waker::noop()))
}

fn queued(r: &PipeReader) -> (usize, usize, usize) {
    let st = r.shared.lock();
    (st.read_q.len(), st.write_q.len(), st.watchers.len())
}

#[test]
fn pending_futures_leave_their_queue_when_dropped_or_done() {
    let (r, w) = pipe();
    r.set_capacity(4096).unwrap();
    let mut reads: Vec<_> = (0..3).map(|_| r.read(10)).collect();
    for read in &mut reads {
        assert!(poll(read).is_pending());
        assert!(poll(read).is_pending(), "polled again, it keeps one place");
    }
    assert_eq!(queued(&r), (3, 0, 0));
    reads.remove(1);
    assert_eq!(queued(&r), (2, 0, 0));
    w.try_write(Bytes::from_static(b"x")).unwrap();
    assert!(poll(&mut reads[0]).is_ready());
    assert_eq!(queued(&r), (1, 0, 0));
    drop(reads);
    assert_eq!(queued(&r), (0, 0, 0));

    w.try_write(Bytes::from(vec![0; 4096])).unwrap();
    let mut writes: Vec<_> = (0..2).map(|_| w.write(Bytes::from_static(b"y"))).collect();
    for write in &mut writes {
        assert!(poll(write).is_pending());
    }
    assert_eq!(queued(&r), (0, 2, 0));
    drop(writes);
    assert_eq!(queued(&r), (0, 0, 0));
}

#[test]
fn watches_unregister_when_dropped() {
    let (r, w) = pipe();
    let a = r.watch(Waker::noop());
    let b = w.watch(Waker::noop());
    assert_eq!(queued(&r), (0, 0, 2));
    drop(a);
    drop(b);
    assert_eq!(queued(&r), (0, 0, 0));
}

#[test]
fn data_is_discarded_when_every_end_is_closed() {
    let (r, w) = pipe();
    w.try_write(Bytes::from(vec![1; 1000])).unwrap();
    let shared = r.shared.clone();
    let mut late = r.read(10);
    drop(r);
    assert_eq!(shared.lock().buf.len(), 1000, "a writer is still open");
    drop(w);
    assert_eq!(shared.lock().buf.len(), 0);
    assert_eq!(poll(&mut late), Poll::Ready(Ok(Bytes::new())));
}

/// A waker that counts its wakes.
fn counting() -> (Waker, std::sync::Arc<Count>) {
    let count = std::sync::Arc::new(Count::default());
    (Waker::from(count.clone()), count)
}

#[derive(Default)]
struct Count(std::sync::atomic::AtomicUsize);

impl Count {
    fn get(&self) -> usize {
        self.0.load(std::sync::atomic::Ordering::SeqCst)
    }
}

impl std::task::Wake for Count {
    fn wake(self: std::sync::Arc<Self>) {
        self.0.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
    }
}

fn poll_with<F: std::future::Future + Unpin>(f: &mut F, waker: &Waker) -> Poll<F::Output> {
    Pin::new(f).poll(&mut Context::from_waker(waker))
}

#[test]
fn a_waiter_that_steps_back_passes_its_turn_on_and_queues_again_at_the_back() {
    let (r, w) = pipe();
    let (wa, a) = counting();
    let (wb, b) = counting();
    let mut first = r.read(10);
    let mut second = r.read(10);
    assert!(poll_with(&mut first, &wa).is_pending());
    assert!(poll_with(&mut second, &wb).is_pending());
    w.try_write(Bytes::from_static(b"x")).unwrap();
    assert_eq!((a.get(), b.get()), (1, 0), "the head's turn");
    // The head steps back (its process stopped): the turn and the data go to the next.
    w.step_back(&wa);
    assert_eq!(queued(&r), (1, 0, 0));
    assert_eq!(b.get(), 1, "the next reader is woken");
    assert_eq!(
        poll_with(&mut second, &wb),
        Poll::Ready(Ok(Bytes::from_static(b"x")))
    );
    // Polled again, the first queues behind any newcomer that came meanwhile.
    let (wc, c) = counting();
    let mut third = r.read(10);
    assert!(poll_with(&mut third, &wc).is_pending());
    assert!(poll_with(&mut first, &wa).is_pending());
    assert_eq!(queued(&r), (2, 0, 0));
    w.try_write(Bytes::from_static(b"y")).unwrap();
    assert_eq!((a.get(), c.get()), (1, 1), "the newcomer is ahead now");
    assert!(poll_with(&mut first, &wa).is_pending(), "not its turn");
    assert_eq!(
        poll_with(&mut third, &wc),
        Poll::Ready(Ok(Bytes::from_static(b"y")))
    );
    // A waker that waits nowhere changes nothing.
    r.step_back(&wc);
    assert_eq!(queued(&r), (1, 0, 0));

    // Writers: the head writer waits for room it needs; stepping back lets the next go.
    let (r, w) = pipe();
    r.set_capacity(4096).unwrap();
    w.try_write(Bytes::from(vec![0; 4000])).unwrap();
    let (wbig, big) = counting();
    let (wsmall, small) = counting();
    let mut large = w.write(Bytes::from(vec![1; 4096]));
    let mut short = w.write(Bytes::from_static(b"z"));
    assert!(poll_with(&mut large, &wbig).is_pending());
    assert!(poll_with(&mut short, &wsmall).is_pending());
    assert_eq!(small.get(), 0, "never ahead of the head");
    r.step_back(&wbig);
    assert_eq!((big.get(), small.get()), (0, 1));
    assert_eq!(poll_with(&mut short, &wsmall), Poll::Ready(Ok(1)));
}

#[test]
fn a_long_write_that_steps_back_part_way_ends_with_the_count_stored() {
    let (r, w) = pipe();
    r.set_capacity(4096).unwrap();
    let (wl, _) = counting();
    let (ws, small) = counting();
    let mut long = w.write(Bytes::from(vec![1; 6000]));
    let mut short = w.write(Bytes::from_static(b"z"));
    assert!(
        poll_with(&mut long, &wl).is_pending(),
        "4096 stored, 1904 to go"
    );
    assert!(poll_with(&mut short, &ws).is_pending());
    w.step_back(&wl);
    // As Linux's pipe_write when a signal comes: a short count, and no bytes of another
    // writer inside what it wrote.
    assert_eq!(poll_with(&mut long, &wl), Poll::Ready(Ok(4096)));
    assert_eq!(queued(&r), (0, 1, 0));
    assert_eq!(r.try_read(4096).unwrap().len(), 4096);
    assert_eq!(small.get(), 1, "room for the next writer");
    assert_eq!(poll_with(&mut short, &ws), Poll::Ready(Ok(1)));
    assert_eq!(&r.try_read(10).unwrap()[..], b"z");
}
