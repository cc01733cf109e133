//! Named pipes: the open rendezvous and the life of the pipe behind them, as on Linux.

mod common;

use std::task::Poll;

use bytes::Bytes;
use common::{counter, poll_once, poll_with, ready};
use vproc_ipc::{Errno, Fifo, OpenRead, OpenWrite, PollEvents};

#[test]
fn open_futures_are_send_and_static() {
    fn check<T: Send + Sync + 'static>() {}
    check::<Fifo>();
    check::<OpenRead>();
    check::<OpenWrite>();
}

#[test]
fn a_reader_waits_for_a_writer() {
    let fifo = Fifo::new();
    assert_eq!(fifo.openers(), (0, 0));
    let (woken, waker) = counter();
    let mut open_r = fifo.open_read(false);
    assert!(poll_with(&mut open_r, &waker).is_pending());
    assert!(poll_with(&mut open_r, &waker).is_pending());
    assert_eq!(
        fifo.openers(),
        (1, 0),
        "a reader blocked in open counts, as on Linux"
    );

    let w = ready(fifo.open_write(false)).unwrap();
    assert_eq!(woken.count(), 1);
    let r = ready(open_r).unwrap();
    assert_eq!(fifo.openers(), (1, 1));
    assert!(r.same_pipe(&w));
    w.try_write(Bytes::from_static(b"through the fifo"))
        .unwrap();
    assert_eq!(r.try_read(100).unwrap(), "through the fifo");
}

#[test]
fn a_writer_waits_for_a_reader() {
    let fifo = Fifo::new();
    let (woken, waker) = counter();
    let mut open_w = fifo.open_write(false);
    assert!(poll_with(&mut open_w, &waker).is_pending());
    assert_eq!(fifo.openers(), (0, 1));

    let r = ready(fifo.open_read(false)).unwrap();
    assert_eq!(woken.count(), 1);
    let w = ready(open_w).unwrap();
    assert_eq!(fifo.openers(), (1, 1));
    assert_eq!(ready(w.write(Bytes::from_static(b"hi"))), Ok(2));
    assert_eq!(ready(r.read(10)).unwrap(), "hi");
}

#[test]
fn every_waiting_reader_is_released_by_one_writer() {
    let fifo = Fifo::new();
    let mut opens: Vec<_> = (0..3).map(|_| fifo.open_read(false)).collect();
    for open in &mut opens {
        assert!(poll_once(open).is_pending());
    }
    assert_eq!(fifo.openers(), (3, 0));
    let (woken, waker) = counter();
    for open in &mut opens {
        assert!(poll_with(open, &waker).is_pending());
    }
    let _w = ready(fifo.open_write(true)).unwrap();
    assert_eq!(woken.count(), 3);
    let readers: Vec<_> = opens.into_iter().map(|o| ready(o).unwrap()).collect();
    assert_eq!(fifo.openers(), (3, 1));
    drop(readers);
    assert_eq!(fifo.openers(), (0, 1));
}

#[test]
fn a_nonblocking_read_open_succeeds_alone() {
    let fifo = Fifo::new();
    let r = ready(fifo.open_read(true)).unwrap();
    assert_eq!(fifo.openers(), (1, 0));
    // No writer: end of file, but no hang-up reported before any writer came (Linux).
    assert_eq!(r.try_read(10).unwrap(), "");
    assert_eq!(r.readiness(), PollEvents::empty());

    let w = ready(fifo.open_write(true)).unwrap();
    assert_eq!(r.readiness(), PollEvents::empty());
    w.try_write(Bytes::from_static(b"x")).unwrap();
    assert_eq!(r.readiness(), PollEvents::POLLIN);
    drop(w);
    assert_eq!(r.readiness(), PollEvents::POLLIN | PollEvents::POLLHUP);
    assert_eq!(r.try_read(10).unwrap(), "x");
    assert_eq!(r.try_read(10).unwrap(), "");
}

#[test]
fn a_nonblocking_write_open_needs_a_reader() {
    let fifo = Fifo::new();
    let err = ready(fifo.open_write(true)).unwrap_err();
    assert_eq!(err.errno, Errno::ENXIO);
    assert!(
        err.message
            .contains("no process has the FIFO open for reading")
    );
    assert_eq!(fifo.openers(), (0, 0));

    // A reader blocked in open is a reader: the nonblocking writer gets in and frees it.
    let mut open_r = fifo.open_read(false);
    assert!(poll_once(&mut open_r).is_pending());
    let w = ready(fifo.open_write(true)).unwrap();
    let r = ready(open_r).unwrap();
    w.try_write(Bytes::from_static(b"ok")).unwrap();
    assert_eq!(r.try_read(2).unwrap(), "ok");
}

#[test]
fn a_writer_that_opens_and_closes_at_once_still_releases_the_reader() {
    let fifo = Fifo::new();
    let mut open_r = fifo.open_read(false);
    assert!(poll_once(&mut open_r).is_pending());
    drop(ready(fifo.open_write(false)).unwrap());
    assert_eq!(fifo.openers(), (1, 0));
    let r = ready(open_r).unwrap();
    assert_eq!(
        ready(r.read(10)).unwrap(),
        "",
        "the writer came and went: end of file"
    );
    assert_eq!(r.readiness(), PollEvents::POLLIN | PollEvents::POLLHUP);
}

#[test]
fn a_reader_that_opens_and_closes_at_once_still_releases_the_writer() {
    let fifo = Fifo::new();
    let mut open_w = fifo.open_write(false);
    assert!(poll_once(&mut open_w).is_pending());
    drop(ready(fifo.open_read(true)).unwrap());
    let w = ready(open_w).unwrap();
    let err = w.try_write(Bytes::from_static(b"x")).unwrap_err();
    assert_eq!(err.errno, Errno::EPIPE);
}

#[test]
fn read_write_opens_never_wait_and_release_both_sides() {
    let fifo = Fifo::new();
    let mut open_r = fifo.open_read(false);
    assert!(poll_once(&mut open_r).is_pending());
    let (r, w) = fifo.open_read_write();
    assert!(r.same_pipe(&w));
    let r2 = ready(open_r).unwrap();
    assert!(r2.same_pipe(&w));
    assert_eq!(fifo.openers(), (2, 1));
    drop((r, r2, w));

    let mut open_w = fifo.open_write(false);
    assert!(poll_once(&mut open_w).is_pending());
    let (_r, _w) = fifo.open_read_write();
    assert!(ready(open_w).is_ok());
}

#[test]
fn data_is_discarded_when_every_end_closes() {
    let fifo = Fifo::new();
    let (r, w) = fifo.open_read_write();
    let first = r.id();
    w.try_write(Bytes::from_static(b"kept")).unwrap();
    // One end still open: the same pipe, data kept.
    drop(w);
    let w = ready(fifo.open_write(true)).unwrap();
    assert_eq!(w.id(), first);
    assert_eq!(r.try_read(10).unwrap(), "kept");
    w.try_write(Bytes::from_static(b"dropped")).unwrap();
    drop((r, w));
    assert_eq!(fifo.openers(), (0, 0));

    let (r, w) = fifo.open_read_write();
    assert_ne!(r.id(), first, "a fresh pipe");
    assert_eq!(r.try_read(10).unwrap_err().errno, Errno::EAGAIN);
    drop(w);
}

#[test]
fn openers_count_ends_and_their_clones_until_dropped() {
    let fifo = Fifo::new();
    let same = fifo.clone();
    let r = ready(fifo.open_read(true)).unwrap();
    let r2 = r.clone();
    let w = ready(same.open_write(true)).unwrap();
    let (r3, w2) = fifo.open_read_write();
    let w3 = w2.clone();
    assert_eq!(fifo.openers(), (3, 3));
    assert_eq!(same.openers(), (3, 3));
    drop((r, w2));
    assert_eq!(fifo.openers(), (2, 2));
    drop((r2, r3));
    assert_eq!(fifo.openers(), (0, 2));
    drop((w, w3));
    assert_eq!(fifo.openers(), (0, 0));
}

#[test]
fn dropped_pending_opens_leave_nothing_behind() {
    let fifo = Fifo::new();
    let mut open_r = fifo.open_read(false);
    assert!(poll_once(&mut open_r).is_pending());
    drop(open_r);
    assert_eq!(fifo.openers(), (0, 0));
    assert_eq!(
        ready(fifo.open_write(true)).unwrap_err().errno,
        Errno::ENXIO
    );

    let mut open_w = fifo.open_write(false);
    assert!(poll_once(&mut open_w).is_pending());
    drop(open_w);
    assert_eq!(fifo.openers(), (0, 0));

    // Never polled: dropped all the same.
    drop(fifo.open_read(false));
    drop(fifo.open_write(false));
    assert_eq!(fifo.openers(), (0, 0));

    // One of two waiting readers gives up; the other still waits and is released.
    let mut first = fifo.open_read(false);
    let mut second = fifo.open_read(false);
    assert!(poll_once(&mut first).is_pending());
    assert!(poll_once(&mut second).is_pending());
    drop(first);
    assert_eq!(fifo.openers(), (1, 0));
    assert!(poll_once(&mut second).is_pending());
    let _w = ready(fifo.open_write(false)).unwrap();
    assert!(matches!(poll_once(&mut second), Poll::Ready(Ok(_))));
}

#[test]
fn ends_outlive_the_fifo() {
    let fifo = Fifo::new();
    let (r, w) = fifo.open_read_write();
    drop(fifo);
    w.try_write(Bytes::from_static(b"still here")).unwrap();
    assert_eq!(r.try_read(100).unwrap(), "still here");
}

#[test]
fn polling_a_finished_open_again_is_an_error() {
    let fifo = Fifo::new();
    let mut open = fifo.open_read(true);
    assert!(matches!(poll_once(&mut open), Poll::Ready(Ok(_))));
    assert!(matches!(
        poll_once(&mut open),
        Poll::Ready(Err(e)) if e.errno == Errno::EINVAL
    ));
}
