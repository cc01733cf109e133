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
