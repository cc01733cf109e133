//! Pipes as a Unix programmer expects them, driven one poll at a time.

mod common;

use std::task::Poll;
use std::thread;

use bytes::Bytes;
use common::{block_on, counter, poll_once, poll_with, ready};
use vproc_ipc::{
    Errno, PIPE_BUF, PIPE_DEFAULT_CAPACITY, PIPE_MAX_CAPACITY, PipeReader, PipeWriter, PollEvents,
    Read, Watch, Write, pipe,
};

fn bytes(n: usize, seed: u8) -> Bytes {
    (0..n)
        .map(|i| (i as u8).wrapping_mul(31).wrapping_add(seed))
        .collect()
}

/// Reads everything buffered now, without waiting.
fn drain(reader: &PipeReader) -> Vec<u8> {
    let mut out = Vec::new();
    while let Ok(chunk) = reader.try_read(usize::MAX) {
        if chunk.is_empty() {
            break;
        }
        out.extend_from_slice(&chunk);
    }
    out
}

#[test]
fn ends_and_futures_are_send_sync_and_static() {
    fn check<T: Send + Sync + 'static>() {}
    check::<PipeReader>();
    check::<PipeWriter>();
    check::<Read>();
    check::<Write>();
    check::<Watch>();
}

#[test]
fn bytes_written_come_back_in_order() {
    let (r, w) = pipe();
    assert_eq!(r.capacity(), PIPE_DEFAULT_CAPACITY);
    assert_eq!(ready(w.write(Bytes::from_static(b"hello, "))), Ok(7));
    assert_eq!(ready(w.write(Bytes::from_static(b"world"))), Ok(5));
    assert_eq!((r.len(), w.len()), (12, 12));
    assert_eq!(ready(r.read(3)).unwrap(), "hel");
    assert_eq!(ready(r.read(100)).unwrap(), "lo, world");
    assert!(r.is_empty() && w.is_empty());
}

#[test]
fn a_64k_write_read_back_with_a_64k_read_is_not_copied() {
    let (r, w) = pipe();
    let data = bytes(65536, 1);
    assert_eq!(ready(w.write(data.clone())), Ok(65536));
    let back = ready(r.read(65536)).unwrap();
    assert_eq!(back.as_ptr(), data.as_ptr());
    assert_eq!(back, data);

    // The same without waiting, and a smaller read splits the chunk, still uncopied.
    assert_eq!(w.try_write(data.clone()), Ok(65536));
    let head = r.try_read(4096).unwrap();
    assert_eq!(head.as_ptr(), data.as_ptr());
    let rest = r.try_read(1 << 20).unwrap();
    assert_eq!(rest.as_ptr(), data[4096..].as_ptr());
}

#[test]
fn a_big_read_gets_everything_buffered() {
    let (r, w) = pipe();
    for part in [&b"abc"[..], b"defg", b"h"] {
        w.try_write(Bytes::copy_from_slice(part)).unwrap();
    }
    assert_eq!(r.try_read(100).unwrap(), "abcdefgh");
}

#[test]
fn reads_of_zero_bytes_return_at_once() {
    let (r, w) = pipe();
    assert_eq!(ready(r.read(0)).unwrap(), "");
    assert_eq!(r.try_read(0).unwrap(), "");
    w.try_write(Bytes::from_static(b"x")).unwrap();
    assert_eq!(r.try_read(0).unwrap(), "");
    assert_eq!(r.len(), 1);
}

#[test]
fn end_of_file_comes_when_the_last_writer_goes() {
    let (r, w) = pipe();
    let w2 = w.clone();
    w.try_write(Bytes::from_static(b"last words")).unwrap();
    drop(w);
    // A clone is still open: data, then waiting, not end of file.
    assert_eq!(r.try_read(100).unwrap(), "last words");
    assert_eq!(r.try_read(100).unwrap_err().errno, Errno::EAGAIN);
    let (woken, waker) = counter();
    let mut read = r.read(100);
    assert!(poll_with(&mut read, &waker).is_pending());
    assert_eq!(r.readiness(), PollEvents::empty());

    drop(w2);
    assert_eq!(woken.count(), 1);
    assert_eq!(poll_once(&mut read), Poll::Ready(Ok(Bytes::new())));
    assert_eq!(r.try_read(100).unwrap(), "");
    assert_eq!(ready(r.read(100)).unwrap(), "");
    assert_eq!(r.readiness(), PollEvents::POLLIN | PollEvents::POLLHUP);
}

#[test]
fn data_left_is_read_before_end_of_file() {
    let (r, w) = pipe();
    w.try_write(Bytes::from_static(b"tail")).unwrap();
    drop(w);
    assert_eq!(r.readiness(), PollEvents::POLLIN | PollEvents::POLLHUP);
    assert_eq!(ready(r.read(2)).unwrap(), "ta");
    assert_eq!(ready(r.read(10)).unwrap(), "il");
    assert_eq!(ready(r.read(10)).unwrap(), "");
}

#[test]
fn writing_with_no_reader_fails_with_epipe() {
    let (r, w) = pipe();
    let r2 = r.clone();
    drop(r);
    assert_eq!(w.try_write(Bytes::from_static(b"ok")), Ok(2));
    drop(r2);
    let err = w.try_write(Bytes::from_static(b"lost")).unwrap_err();
    assert_eq!(err.errno, Errno::EPIPE);
    assert!(err.message.contains("read end is closed"), "{err}");
    assert_eq!(
        ready(w.write(Bytes::from_static(b"lost")))
            .unwrap_err()
            .errno,
        Errno::EPIPE
    );
    assert_eq!(w.readiness(), PollEvents::POLLOUT | PollEvents::POLLERR);
    // A null write succeeds even so, as on Linux.
    assert_eq!(w.try_write(Bytes::new()), Ok(0));
    assert_eq!(ready(w.write(Bytes::new())), Ok(0));
}

#[test]
fn a_write_cut_short_by_the_last_reader_returns_its_partial_count() {
    let (r, w) = pipe();
    r.set_capacity(4096).unwrap();
    let (woken, waker) = counter();
    let mut write = w.write(bytes(10_000, 3));
    assert!(poll_with(&mut write, &waker).is_pending());
    assert_eq!(write.written(), 4096);
    assert_eq!(r.try_read(1000).unwrap().len(), 1000);
    assert_eq!(
        woken.count(),
        0,
        "1000 bytes of room is less than a page: no wake-up"
    );
    drop(r);
    assert_eq!(woken.count(), 1);
    assert_eq!(poll_once(&mut write), Poll::Ready(Ok(4096)));
    assert_eq!(
        w.try_write(Bytes::from_static(b"x")).unwrap_err().errno,
        Errno::EPIPE
    );
}

#[test]
fn blocked_writers_all_fail_when_the_last_reader_goes() {
    let (r, w) = pipe();
    r.set_capacity(4096).unwrap();
    w.try_write(bytes(4096, 0)).unwrap();
    let mut writes: Vec<_> = (0..3).map(|i| w.write(bytes(10, i))).collect();
    let counters: Vec<_> = writes
        .iter_mut()
        .map(|write| {
            let (c, waker) = counter();
            assert!(poll_with(write, &waker).is_pending());
            c
        })
        .collect();
    drop(r);
    for (write, c) in writes.iter_mut().zip(&counters) {
        assert_eq!(c.count(), 1);
        assert_eq!(
            poll_once(write).map(|r| r.unwrap_err().errno),
            Poll::Ready(Errno::EPIPE)
        );
    }
}

#[test]
fn a_write_longer_than_pipe_buf_is_split_and_completed() {
    let (r, w) = pipe();
    r.set_capacity(4096).unwrap();
    let data = bytes(20_000, 7);
    let (woken, waker) = counter();
    let mut write = w.write(data.clone());
    let mut got = Vec::new();
    let mut polls = 0;
    loop {
        polls += 1;
        match poll_with(&mut write, &waker) {
            Poll::Ready(n) => {
                assert_eq!(n, Ok(20_000));
                break;
            }
            Poll::Pending => {
                assert_eq!(write.written(), got.len() + r.len());
                let before = woken.count();
                got.extend_from_slice(&r.try_read(4096).unwrap());
                assert_eq!(woken.count(), before + 1, "a page of room wakes the writer");
            }
        }
    }
    got.extend_from_slice(&drain(&r));
    assert_eq!(got, data);
    assert_eq!(polls, 5);
}

#[test]
fn a_write_dropped_part_way_leaves_what_it_wrote() {
    let (r, w) = pipe();
    r.set_capacity(4096).unwrap();
    let mut write = w.write(bytes(5000, 1));
    assert!(poll_once(&mut write).is_pending());
    assert_eq!(write.written(), 4096);
    drop(write);
    assert_eq!(r.len(), 4096);
    assert_eq!(
        w.try_write(Bytes::from_static(b"x")).unwrap_err().errno,
        Errno::EAGAIN
    );
    r.try_read(10).unwrap();
    assert_eq!(w.try_write(Bytes::from_static(b"x")), Ok(1));
}

#[test]
fn nonblocking_reads_and_writes_say_eagain() {
    let (r, w) = pipe();
    assert_eq!(r.try_read(10).unwrap_err().errno, Errno::EAGAIN);
    r.set_capacity(8192).unwrap();
    assert_eq!(w.try_write(bytes(8000, 0)), Ok(8000));
    // An atomic write that does not fit writes nothing.
    let err = w.try_write(bytes(PIPE_BUF, 0)).unwrap_err();
    assert_eq!(err.errno, Errno::EAGAIN);
    assert_eq!(w.len(), 8000);
    assert_eq!(w.try_write(bytes(192, 0)), Ok(192));
    // A longer write writes what fits, then nothing fits.
    r.try_read(100).unwrap();
    assert_eq!(w.try_write(bytes(PIPE_BUF + 1, 0)), Ok(100));
    assert_eq!(
        w.try_write(bytes(PIPE_BUF + 1, 0)).unwrap_err().errno,
        Errno::EAGAIN
    );
    assert_eq!(w.len(), 8192);
}

#[test]
fn set_capacity_rounds_and_refuses_as_linux() {
    let (r, w) = pipe();
    assert_eq!(r.set_capacity(0), Ok(4096));
    assert_eq!(w.capacity(), 4096);
    assert_eq!(w.set_capacity(5000), Ok(8192));
    assert_eq!(r.set_capacity(PIPE_MAX_CAPACITY), Ok(PIPE_MAX_CAPACITY));
    assert_eq!(
        r.set_capacity(PIPE_MAX_CAPACITY + 1).unwrap_err().errno,
        Errno::EPERM
    );
    assert_eq!(r.capacity(), PIPE_MAX_CAPACITY);
    w.try_write(bytes(10_000, 0)).unwrap();
    let err = r.set_capacity(4096).unwrap_err();
    assert_eq!(err.errno, Errno::EBUSY);
    assert_eq!(r.set_capacity(10_000), Ok(16384));
}

#[test]
fn growing_the_pipe_wakes_a_blocked_writer() {
    let (r, w) = pipe();
    r.set_capacity(4096).unwrap();
    w.try_write(bytes(4000, 0)).unwrap();
    let (woken, waker) = counter();
    let mut write = w.write(bytes(200, 1));
    assert!(poll_with(&mut write, &waker).is_pending());
    assert_eq!(w.readiness(), PollEvents::empty());
    r.set_capacity(8192).unwrap();
    assert_eq!(woken.count(), 1);
    assert_eq!(poll_once(&mut write), Poll::Ready(Ok(200)));
    assert_eq!(
        w.readiness(),
        PollEvents::empty(),
        "3992 bytes of room: less than PIPE_BUF"
    );
    r.try_read(104).unwrap();
    assert_eq!(w.readiness(), PollEvents::POLLOUT);
}

#[test]
fn blocked_readers_are_served_in_the_order_they_came() {
    let (r, w) = pipe();
    let mut reads: Vec<_> = (0..3).map(|_| r.read(2)).collect();
    let wakers: Vec<_> = (0..3).map(|_| counter()).collect();
    for (read, (_, waker)) in reads.iter_mut().zip(&wakers) {
        assert!(poll_with(read, waker).is_pending());
    }
    let counts = || wakers.iter().map(|(c, _)| c.count()).collect::<Vec<_>>();

    w.try_write(Bytes::from_static(b"ab")).unwrap();
    assert_eq!(counts(), [1, 0, 0]);
    // The third reader, polled out of turn, does not take the first one's data.
    assert!(poll_with(&mut reads[2], &wakers[2].1).is_pending());
    assert_eq!(r.try_read(10).unwrap_err().errno, Errno::EAGAIN);
    w.try_write(Bytes::from_static(b"cd")).unwrap();
    assert_eq!(counts(), [1, 0, 0], "the head is woken already");
    assert_eq!(
        poll_once(&mut reads[0]),
        Poll::Ready(Ok(Bytes::from_static(b"ab")))
    );
    assert_eq!(counts(), [1, 1, 0], "data is left: the next one's turn");
    assert_eq!(
        poll_once(&mut reads[1]),
        Poll::Ready(Ok(Bytes::from_static(b"cd")))
    );
    assert_eq!(counts(), [1, 1, 0]);
    w.try_write(Bytes::from_static(b"ef")).unwrap();
    assert_eq!(counts(), [1, 1, 1]);
    assert_eq!(
        poll_once(&mut reads[2]),
        Poll::Ready(Ok(Bytes::from_static(b"ef")))
    );
}

#[test]
fn blocked_writers_are_served_in_order_and_never_overtaken() {
    let (r, w) = pipe();
    r.set_capacity(4096).unwrap();
    w.try_write(bytes(4096, 0)).unwrap();
    let (big_woken, big_waker) = counter();
    let (small_woken, small_waker) = counter();
    let mut big = w.write(Bytes::from(vec![b'B'; PIPE_BUF]));
    let mut small = w.write(Bytes::from(vec![b's'; 10]));
    assert!(poll_with(&mut big, &big_waker).is_pending());
    assert!(poll_with(&mut small, &small_waker).is_pending());

    // Room for the small write but not the big one: nobody is woken, the small one waits.
    r.try_read(100).unwrap();
    assert_eq!((big_woken.count(), small_woken.count()), (0, 0));
    assert!(poll_with(&mut small, &small_waker).is_pending());
    assert_eq!(
        w.try_write(Bytes::from_static(b"n")).unwrap_err().errno,
        Errno::EAGAIN
    );

    drain(&r);
    assert_eq!((big_woken.count(), small_woken.count()), (1, 0));
    assert_eq!(poll_once(&mut big), Poll::Ready(Ok(PIPE_BUF)));
    assert_eq!(small_woken.count(), 0, "the pipe is full again");
    r.try_read(10).unwrap();
    assert_eq!(small_woken.count(), 1);
    assert_eq!(poll_once(&mut small), Poll::Ready(Ok(10)));
    let rest = drain(&r);
    assert_eq!(rest.len(), 4096);
    assert!(rest[..4086].iter().all(|&b| b == b'B'));
    assert!(rest[4086..].iter().all(|&b| b == b's'));
}

#[test]
fn a_dropped_blocked_read_gives_up_its_turn() {
    let (r, w) = pipe();
    let (first_woken, first_waker) = counter();
    let (second_woken, second_waker) = counter();
    let mut first = r.read(10);
    let mut second = r.read(10);
    assert!(poll_with(&mut first, &first_waker).is_pending());
    assert!(poll_with(&mut second, &second_waker).is_pending());
    w.try_write(Bytes::from_static(b"data")).unwrap();
    assert_eq!((first_woken.count(), second_woken.count()), (1, 0));
    // Woken, then dropped without taking the data: the wake-up passes on.
    drop(first);
    assert_eq!(second_woken.count(), 1);
    assert_eq!(
        poll_once(&mut second),
        Poll::Ready(Ok(Bytes::from_static(b"data")))
    );
    // Nobody waits any more: a fresh reader is not held back.
    w.try_write(Bytes::from_static(b"more")).unwrap();
    assert_eq!(r.try_read(10).unwrap(), "more");
}

#[test]
fn a_dropped_blocked_write_gives_up_its_turn() {
    let (r, w) = pipe();
    r.set_capacity(4096).unwrap();
    w.try_write(bytes(4096, 0)).unwrap();
    let (woken, waker) = counter();
    let mut first = w.write(bytes(4000, 1));
    let mut second = w.write(bytes(10, 2));
    assert!(poll_once(&mut first).is_pending());
    assert!(poll_with(&mut second, &waker).is_pending());
    r.try_read(50).unwrap();
    assert_eq!(woken.count(), 0);
    drop(first);
    assert_eq!(woken.count(), 1, "the next writer fits: it is woken");
    assert_eq!(poll_once(&mut second), Poll::Ready(Ok(10)));
    assert_eq!(w.try_write(bytes(40, 3)), Ok(40));
}

#[test]
fn atomic_records_never_interleave_in_a_small_pipe() {
    // Eight writers, each writing records of its own size (up to PIPE_BUF) filled with its
    // own byte, through a one-page pipe, polled in a scrambled order with a reader taking
    // odd amounts in between.
    let sizes = [1usize, 7, 100, 1000, 2049, 3000, 4095, 4096];
    for seed in 1..=5u64 {
        let (r, w) = pipe();
        r.set_capacity(4096).unwrap();
        let mut rng = seed;
        let mut next = move |n: usize| {
            rng ^= rng << 13;
            rng ^= rng >> 7;
            rng ^= rng << 17;
            (rng % n as u64) as usize
        };
        let records = 6;
        let mut left = [records; 8];
        let mut writes: Vec<Option<Write>> = (0..8).map(|_| None).collect();
        let mut stream = Vec::new();
        while left.iter().any(|&n| n > 0) || writes.iter().any(Option::is_some) {
            let i = next(8);
            if writes[i].is_none() && left[i] > 0 {
                left[i] -= 1;
                writes[i] = Some(w.write(Bytes::from(vec![i as u8; sizes[i]])));
            }
            if let Some(write) = writes[i].as_mut()
                && let Poll::Ready(n) = poll_once(write)
            {
                assert_eq!(n, Ok(sizes[i]));
                writes[i] = None;
            }
            if next(3) == 0
                && let Ok(chunk) = r.try_read(1 + next(5000))
            {
                stream.extend_from_slice(&chunk);
            }
        }
        stream.extend_from_slice(&drain(&r));
        let mut at = 0;
        let mut seen = [0; 8];
        while at < stream.len() {
            let who = stream[at] as usize;
            let record = &stream[at..at + sizes[who]];
            assert!(
                record.iter().all(|&b| b as usize == who),
                "record split at {at}"
            );
            seen[who] += 1;
            at += sizes[who];
        }
        assert_eq!(seen, [records; 8]);
    }
}

#[test]
fn host_threads_write_atomic_records_concurrently() {
    let (r, w) = pipe();
    r.set_capacity(8192).unwrap();
    let sizes = [512usize, 1500, 4096];
    let writers: Vec<_> = sizes
        .iter()
        .enumerate()
        .map(|(i, &size)| {
            let w = w.clone();
            thread::spawn(move || {
                for _ in 0..100 {
                    assert_eq!(
                        block_on(w.write(Bytes::from(vec![i as u8; size]))),
                        Ok(size)
                    );
                }
            })
        })
        .collect();
    drop(w);
    let mut stream = Vec::new();
    loop {
        let chunk = block_on(r.read(3000)).unwrap();
        if chunk.is_empty() {
            break;
        }
        stream.extend_from_slice(&chunk);
    }
    for t in writers {
        t.join().unwrap();
    }
    let mut at = 0;
    let mut seen = [0; 3];
    while at < stream.len() {
        let who = stream[at] as usize;
        assert!(
            stream[at..at + sizes[who]]
                .iter()
                .all(|&b| b as usize == who)
        );
        seen[who] += 1;
        at += sizes[who];
    }
    assert_eq!(seen, [100; 3]);
}

#[test]
fn watches_fire_at_each_change_until_dropped() {
    let (r, w) = pipe();
    let (woken, waker) = counter();
    let watch = r.watch(&waker);
    assert_eq!(woken.count(), 0);
    w.try_write(Bytes::from_static(b"a")).unwrap();
    assert_eq!(woken.count(), 1);
    r.try_read(1).unwrap();
    assert_eq!(woken.count(), 2);
    r.set_capacity(8192).unwrap();
    assert_eq!(woken.count(), 3);
    let w2 = w.clone();
    drop(w);
    assert_eq!(woken.count(), 3, "a clone is still open: nothing changed");
    drop(w2);
    assert_eq!(woken.count(), 4);
    drop(watch);
    assert_eq!(r.try_read(1).unwrap(), "");
    r.set_capacity(4096).unwrap();
    assert_eq!(woken.count(), 4);

    // A writer's watch sees the last reader go.
    let (r, w) = pipe();
    let (woken, waker) = counter();
    let mut watch = w.watch(&waker);
    let (woken2, waker2) = counter();
    watch.set_waker(&waker2);
    drop(r);
    assert_eq!((woken.count(), woken2.count()), (0, 1));
    assert_eq!(w.readiness(), PollEvents::POLLOUT | PollEvents::POLLERR);
}

#[test]
fn readiness_follows_the_pipe() {
    let (r, w) = pipe();
    assert_eq!(r.readiness(), PollEvents::empty());
    assert_eq!(w.readiness(), PollEvents::POLLOUT);
    w.try_write(bytes(PIPE_DEFAULT_CAPACITY - PIPE_BUF, 0))
        .unwrap();
    assert_eq!(r.readiness(), PollEvents::POLLIN);
    assert_eq!(w.readiness(), PollEvents::POLLOUT);
    w.try_write(Bytes::from_static(b"x")).unwrap();
    assert_eq!(w.readiness(), PollEvents::empty());
}

#[test]
fn ends_know_their_pipe() {
    let (r, w) = pipe();
    let (r2, w2) = pipe();
    assert_eq!(r.id(), w.id());
    assert_ne!(r.id(), r2.id());
    assert!(r.same_pipe(&w) && w.same_pipe(&r.clone()));
    assert!(!r.same_pipe(&w2) && !w.same_pipe(&r2));
    let shown = format!("{r:?}");
    assert!(
        shown.contains("readers: 1") && shown.contains("writers: 1"),
        "{shown}"
    );
}

#[test]
fn futures_polled_again_after_completing_say_so() {
    let (r, w) = pipe();
    let mut write = w.write(Bytes::from_static(b"x"));
    assert_eq!(poll_once(&mut write), Poll::Ready(Ok(1)));
    assert_eq!(
        poll_once(&mut write).map(|r| r.unwrap_err().errno),
        Poll::Ready(Errno::EINVAL)
    );
    let mut read = r.read(1);
    assert!(poll_once(&mut read).is_ready());
    assert_eq!(
        poll_once(&mut read).map(|r| r.unwrap_err().errno),
        Poll::Ready(Errno::EINVAL)
    );
}

#[test]
fn a_blocked_read_on_another_thread_gets_the_data() {
    let (r, w) = pipe();
    let reader = thread::spawn(move || block_on(r.read(100)).unwrap());
    thread::sleep(std::time::Duration::from_millis(20));
    w.try_write(Bytes::from_static(b"across")).unwrap();
    assert_eq!(reader.join().unwrap(), "across");
}
