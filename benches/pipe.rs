//! Pipes: throughput with 64 KiB writes and small-message ping-pong latency, between two
//! virtual processes, beside an OS pipe between two threads (std::io::pipe) in the same
//! run.

use std::io::{Read, Write};
use std::time::{Duration, Instant};

use bytes::Bytes;
use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use vproc::kernel::{Command, Fd, Kernel, OpenFlags, Stdio, Stop};

const CHUNK: usize = 64 * 1024;
/// Chunks per measured batch (64 MiB).
const CHUNKS: u64 = 1024;

/// Moves `CHUNKS` 64 KiB writes from one process to another, `iters` times. With
/// `zero_copy` the writer hands over the same buffer each time as `Bytes` and the reader
/// takes the buffers that come; without, the writer writes from a slice and the reader
/// reads into its own buffer, as with an OS pipe (one copy in, one out).
fn vproc_throughput(iters: u64, zero_copy: bool) -> Duration {
    let mut total = Duration::ZERO;
    for _ in 0..iters {
        let mut kernel = Kernel::new();
        let chunk = Bytes::from(vec![0xa5u8; CHUNK]);
        kernel
            .spawn_fn(Command::new("pair"), move |p| async move {
                let (r, w) = p.pipe2(OpenFlags::CLOEXEC).expect("pipe");
                p.spawn_fn(
                    Command::new("writer").stdout(Stdio::Fd(w)),
                    move |c| async move {
                        for _ in 0..CHUNKS {
                            if zero_copy {
                                c.write_bytes(Fd::STDOUT, chunk.clone())
                                    .await
                                    .expect("write");
                            } else {
                                c.write(Fd::STDOUT, &chunk).await.expect("write");
                            }
                        }
                    },
                )
                .expect("spawn");
                p.spawn_fn(
                    Command::new("reader").stdin(Stdio::Fd(r)),
                    move |c| async move {
                        let mut got = 0u64;
                        let mut buf = vec![0u8; CHUNK];
                        loop {
                            let n = if zero_copy {
                                c.read_bytes(Fd::STDIN, CHUNK).await.expect("read").len()
                            } else {
                                c.read(Fd::STDIN, &mut buf).await.expect("read")
                            };
                            if n == 0 {
                                break;
                            }
                            got += n as u64;
                        }
                        assert_eq!(got, CHUNKS * CHUNK as u64);
                    },
                )
                .expect("spawn");
                p.close(r).expect("close");
                p.close(w).expect("close");
            })
            .expect("spawn");
        let start = Instant::now();
        assert_eq!(kernel.run().expect("run"), Stop::AllExited);
        total += start.elapsed();
    }
    total
}

/// The same over an OS pipe between two threads, with 64 KiB `write_all` and reads into
/// a 64 KiB buffer.
fn os_throughput(iters: u64) -> Duration {
    let mut total = Duration::ZERO;
    for _ in 0..iters {
        let (mut r, mut w) = std::io::pipe().expect("pipe");
        let start = Instant::now();
        let writer = std::thread::spawn(move || {
            let chunk = vec![0xa5u8; CHUNK];
            for _ in 0..CHUNKS {
                w.write_all(&chunk).expect("write");
            }
        });
        let mut buf = vec![0u8; CHUNK];
        let mut got = 0u64;
        loop {
            let n = r.read(&mut buf).expect("read");
            if n == 0 {
                break;
            }
            got += n as u64;
        }
        writer.join().expect("join");
        total += start.elapsed();
        assert_eq!(got, CHUNKS * CHUNK as u64);
    }
    total
}

/// `rounds` round trips of one byte over two pipes between two processes.
fn vproc_ping_pong(rounds: u64) -> Duration {
    let mut kernel = Kernel::new();
    kernel
        .spawn_fn(Command::new("pair"), move |p| async move {
            let (down_r, down_w) = p.pipe2(OpenFlags::CLOEXEC).expect("pipe");
            let (up_r, up_w) = p.pipe2(OpenFlags::CLOEXEC).expect("pipe");
            p.spawn_fn(
                Command::new("pong")
                    .stdin(Stdio::Fd(down_r))
                    .stdout(Stdio::Fd(up_w)),
                |c| async move {
                    let mut byte = [0u8; 1];
                    while c.read(Fd::STDIN, &mut byte).await.expect("read") == 1 {
                        c.write(Fd::STDOUT, &byte).await.expect("write");
                    }
                },
            )
            .expect("spawn");
            p.close(down_r).expect("close");
            p.close(up_w).expect("close");
            let mut byte = [0u8; 1];
            for i in 0..rounds {
                p.write(down_w, &[i as u8]).await.expect("write");
                p.read(up_r, &mut byte).await.expect("read");
            }
            p.close(down_w).expect("close");
            p.close(up_r).expect("close");
            p.wait().await.expect("wait");
        })
        .expect("spawn");
    let start = Instant::now();
    assert_eq!(kernel.run().expect("run"), Stop::AllExited);
    start.elapsed()
}

/// The same over two OS pipes between two threads.
fn os_ping_pong(rounds: u64) -> Duration {
    let (mut down_r, mut down_w) = std::io::pipe().expect("pipe");
    let (mut up_r, mut up_w) = std::io::pipe().expect("pipe");
    let pong = std::thread::spawn(move || {
        let mut byte = [0u8; 1];
        while down_r.read(&mut byte).expect("read") == 1 {
            up_w.write_all(&byte).expect("write");
        }
    });
    let start = Instant::now();
    let mut byte = [0u8; 1];
    for i in 0..rounds {
        down_w.write_all(&[i as u8]).expect("write");
        up_r.read_exact(&mut byte).expect("read");
    }
    let elapsed = start.elapsed();
    drop(down_w);
    pong.join().expect("join");
    elapsed
}

fn bench(c: &mut Criterion) {
    let mut group = c.benchmark_group("pipe_throughput_64k");
    group.throughput(Throughput::Bytes(CHUNKS * CHUNK as u64));
    group.sample_size(20);
    group.bench_function("vproc_pipe_bytes", |b| {
        b.iter_custom(|n| vproc_throughput(n, true))
    });
    group.bench_function("vproc_pipe_copying", |b| {
        b.iter_custom(|n| vproc_throughput(n, false))
    });
    group.bench_function("os_pipe_threads", |b| b.iter_custom(os_throughput));
    group.finish();

    let mut group = c.benchmark_group("pipe_ping_pong");
    group.bench_function("vproc_pipe", |b| b.iter_custom(vproc_ping_pong));
    group.bench_function("os_pipe_threads", |b| b.iter_custom(os_ping_pong));
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
