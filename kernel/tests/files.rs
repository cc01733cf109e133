//! The virtual filesystem through system calls: files, directories, redirection, /dev,
//! /proc, links, FIFOs and host mounts.

mod common;

use common::{errno_of, run_main};
use vproc_kernel::{Command, Errno, ExitStatus, Fd, FileType, Kernel, OpenFlags, Stdio, Whence};

const RW_CREATE: OpenFlags = OpenFlags::RDWR.union(OpenFlags::CREAT);

#[test]
fn a_childs_output_redirected_into_a_file_reads_back() {
    let mut kernel = Kernel::new();
    run_main(&mut kernel, |p| async move {
        let out = p
            .open(
                "/tmp/out.txt",
                OpenFlags::WRONLY | OpenFlags::CREAT | OpenFlags::TRUNC,
                0o644,
            )
            .await
            .expect("open");
        p.spawn_fn(
            Command::new("echo").stdout(Stdio::Fd(out)),
            |c| async move {
                c.write(Fd::STDOUT, b"hello\n").await.expect("write");
                c.write(Fd::STDOUT, b"world\n").await.expect("write");
            },
        )
        .expect("spawn");
        p.close(out).expect("close");
        p.wait().await.expect("wait");
        let back = p
            .open("/tmp/out.txt", OpenFlags::RDONLY, 0)
            .await
            .expect("open");
        assert_eq!(
            p.read_to_string(back).await.expect("read"),
            "hello\nworld\n"
        );
        assert_eq!(p.fstat(back).expect("fstat").size, 12);
        p.close(back).expect("close");
    });
}

#[test]
fn offsets_append_truncate_and_exclusive_create() {
    let mut kernel = Kernel::new();
    run_main(&mut kernel, |p| async move {
        let fd = p.open("/tmp/f", RW_CREATE, 0o600).await.expect("create");
        p.write(fd, b"0123456789").await.expect("write");
        assert_eq!(p.lseek(fd, 2, Whence::Set).expect("seek"), 2);
        let mut buf = [0u8; 3];
        assert_eq!(p.read(fd, &mut buf).await.expect("read"), 3);
        assert_eq!(&buf, b"234");
        assert_eq!(p.lseek(fd, -1, Whence::End).expect("seek"), 9);
        assert_eq!(errno_of(p.lseek(fd, -20, Whence::Cur)), Errno::EINVAL);
        // A hole past the end reads as zeros.
        p.lseek(fd, 12, Whence::Set).expect("seek");
        p.write(fd, b"!").await.expect("write");
        assert_eq!(p.stat("/tmp/f").expect("stat").size, 13);
        p.close(fd).expect("close");

        let both = OpenFlags::WRONLY | OpenFlags::RDWR;
        assert_eq!(errno_of(p.open("/tmp/f", both, 0).await), Errno::EINVAL);
        let excl = OpenFlags::WRONLY | OpenFlags::CREAT | OpenFlags::EXCL;
        assert_eq!(errno_of(p.open("/tmp/f", excl, 0o600).await), Errno::EEXIST);

        let app = p
            .open("/tmp/f", OpenFlags::WRONLY | OpenFlags::APPEND, 0)
            .await
            .expect("append");
        p.lseek(app, 0, Whence::Set).expect("seek");
        p.write(app, b"END").await.expect("write");
        p.close(app).expect("close");
        let fd = p.open("/tmp/f", OpenFlags::RDONLY, 0).await.expect("open");
        let bytes = p.read_bytes(fd, 100).await.expect("read");
        assert_eq!(&bytes[..], b"0123456789\0\0!END");
        p.close(fd).expect("close");

        let fd = p.creat("/tmp/f", 0o600).await.expect("creat truncates");
        assert_eq!(p.fstat(fd).expect("fstat").size, 0);
        assert_eq!(
            errno_of(p.read(fd, &mut buf).await),
            Errno::EBADF,
            "write-only"
        );
        p.close(fd).expect("close");
    });
}

#[test]
fn directories_and_their_errors() {
    let mut kernel = Kernel::new();
    run_main(&mut kernel, |p| async move {
        assert_eq!(p.umask(0o022), 0o022, "the default umask");
        p.mkdir("/tmp/d", 0o777).expect("mkdir");
        assert_eq!(p.stat("/tmp/d").expect("stat").mode, 0o755, "umask applied");
        assert_eq!(errno_of(p.mkdir("/tmp/d", 0o755)), Errno::EEXIST);
        assert_eq!(errno_of(p.mkdir("/tmp/none/d", 0o755)), Errno::ENOENT);
        for name in ["b", "a", "c"] {
            let fd = p
                .creat(&format!("/tmp/d/{name}"), 0o644)
                .await
                .expect("creat");
            p.close(fd).expect("close");
        }
        p.mkdir("/tmp/d/sub", 0o755).expect("mkdir");
        let names: Vec<String> = p
            .readdir("/tmp/d")
            .expect("readdir")
            .into_iter()
            .map(|e| e.name)
            .collect();
        assert_eq!(names, ["a", "b", "c", "sub"]);
        assert_eq!(errno_of(p.rmdir("/tmp/d")), Errno::ENOTEMPTY);
        assert_eq!(errno_of(p.unlink("/tmp/d/sub")), Errno::EISDIR);
        assert_eq!(errno_of(p.rmdir("/tmp/d/a")), Errno::ENOTDIR);
        assert_eq!(errno_of(p.readdir("/tmp/d/a")), Errno::ENOTDIR);
        assert_eq!(
            errno_of(p.open("/tmp/d/a/x", OpenFlags::RDONLY, 0).await),
            Errno::ENOTDIR
        );
        assert_eq!(
            errno_of(p.open("/tmp/d", OpenFlags::WRONLY, 0).await),
            Errno::EISDIR
        );
        p.rename("/tmp/d/a", "/tmp/d/sub/a2").expect("rename");
        p.rename("/tmp/d/b", "/tmp/d/c").expect("rename replaces");
        assert_eq!(
            errno_of(p.rename("/tmp/d", "/tmp/d/sub/inner")),
            Errno::EINVAL
        );
        assert_eq!(errno_of(p.rename("/tmp/d/c", "/proc/x")), Errno::EXDEV);
        p.chdir("/tmp/d/sub").expect("chdir");
        assert_eq!(p.getcwd(), "/tmp/d/sub");
        assert_eq!(p.stat("a2").expect("relative").kind, FileType::Regular);
        p.chdir("..").expect("chdir ..");
        assert_eq!(p.getcwd(), "/tmp/d");
        assert_eq!(errno_of(p.chdir("c")), Errno::ENOTDIR);
        assert_eq!(errno_of(p.chdir("/nowhere")), Errno::ENOENT);
        for path in ["sub/a2", "c"] {
            p.unlink(path).expect("unlink");
        }
        p.rmdir("sub").expect("rmdir");
        p.chdir("/").expect("chdir");
        p.rmdir("/tmp/d").expect("rmdir");
        assert_eq!(errno_of(p.stat("/tmp/d")), Errno::ENOENT);
    });
}

#[test]
fn an_unlinked_file_lives_while_it_is_open() {
    let mut kernel = Kernel::new();
    run_main(&mut kernel, |p| async move {
        let fd = p.open("/tmp/gone", RW_CREATE, 0o600).await.expect("open");
        p.write(fd, b"still here").await.expect("write");
        p.unlink("/tmp/gone").expect("unlink");
        assert_eq!(errno_of(p.stat("/tmp/gone")), Errno::ENOENT);
        p.lseek(fd, 0, Whence::Set).expect("seek");
        assert_eq!(p.read_to_string(fd).await.expect("read"), "still here");
        p.close(fd).expect("close");
    });
}

#[test]
fn symbolic_links_resolve_inside_the_tree_and_loops_are_caught() {
    let mut kernel = Kernel::new();
    run_main(&mut kernel, |p| async move {
        p.mkdir("/tmp/real", 0o755).expect("mkdir");
        let fd = p.creat("/tmp/real/file", 0o644).await.expect("creat");
        p.write(fd, b"via link").await.expect("write");
        p.close(fd).expect("close");
        p.symlink("real", "/tmp/rel").expect("relative link");
        p.symlink("/tmp/real/file", "/tmp/abs")
            .expect("absolute link");
        assert_eq!(p.readlink("/tmp/rel").expect("readlink"), "real");
        assert_eq!(p.lstat("/tmp/abs").expect("lstat").kind, FileType::Symlink);
        assert_eq!(p.stat("/tmp/abs").expect("stat").kind, FileType::Regular);
        let fd = p
            .open("/tmp/rel/file", OpenFlags::RDONLY, 0)
            .await
            .expect("open");
        assert_eq!(p.read_to_string(fd).await.expect("read"), "via link");
        p.close(fd).expect("close");
        assert_eq!(
            errno_of(
                p.open("/tmp/abs", OpenFlags::RDONLY | OpenFlags::NOFOLLOW, 0)
                    .await
            ),
            Errno::ELOOP
        );
        p.chdir("/tmp/rel").expect("chdir through a link");
        assert_eq!(
            p.getcwd(),
            "/tmp/real",
            "the working directory has no links"
        );
        p.chdir("/").expect("chdir");
        p.symlink("/tmp/loop2", "/tmp/loop1").expect("link");
        p.symlink("/tmp/loop1", "/tmp/loop2").expect("link");
        assert_eq!(errno_of(p.stat("/tmp/loop1")), Errno::ELOOP);
        // Creating through a dangling link creates its target.
        p.symlink("/tmp/real/new", "/tmp/dangling").expect("link");
        let fd = p
            .open("/tmp/dangling", RW_CREATE, 0o644)
            .await
            .expect("create");
        p.close(fd).expect("close");
        assert_eq!(
            p.stat("/tmp/real/new").expect("made").kind,
            FileType::Regular
        );
        assert_eq!(errno_of(p.readlink("/tmp/real")), Errno::EINVAL);
    });
}

#[test]
fn dev_null_zero_and_the_processs_own_stdout() {
    let mut kernel = Kernel::new();
    run_main(&mut kernel, |p| async move {
        let null = p.open("/dev/null", OpenFlags::RDWR, 0).await.expect("null");
        assert_eq!(p.write(null, b"vanishes").await.expect("write"), 8);
        let mut buf = [1u8; 4];
        assert_eq!(p.read(null, &mut buf).await.expect("read"), 0);
        let zero = p
            .open("/dev/zero", OpenFlags::RDONLY, 0)
            .await
            .expect("zero");
        assert_eq!(p.read(zero, &mut buf).await.expect("read"), 4);
        assert_eq!(buf, [0; 4]);
        assert_eq!(errno_of(p.unlink("/dev/null")), Errno::EPERM);
        let names: Vec<String> = p
            .readdir("/dev")
            .expect("ls")
            .into_iter()
            .map(|e| e.name)
            .collect();
        assert_eq!(
            names,
            ["fd", "null", "stderr", "stdin", "stdout", "tty", "zero"]
        );
        for fd in [null, zero] {
            p.close(fd).expect("close");
        }
        // /dev/stdout opens what descriptor 1 holds: here a pipe to the parent.
        let child = p
            .spawn_fn_child(
                Command::new("talker").stdout(Stdio::Piped),
                |c| async move {
                    let out = c
                        .open("/dev/stdout", OpenFlags::WRONLY, 0)
                        .await
                        .expect("open");
                    c.write(out, b"through /dev/stdout").await.expect("write");
                },
            )
            .expect("spawn");
        let out = child.stdout.expect("pipe");
        assert_eq!(
            p.read_to_string(out).await.expect("read"),
            "through /dev/stdout"
        );
        p.close(out).expect("close");
        p.wait().await.expect("wait");
    });
}

#[test]
fn proc_shows_each_process_status_cmdline_and_descriptors() {
    let mut kernel = Kernel::new();
    run_main(&mut kernel, |p| async move {
        let child = p
            .spawn_fn_child(
                Command::new("sleeper").arg("--long").stdin(Stdio::Piped),
                |c| async move {
                    let mut buf = [0u8; 1];
                    c.read(Fd::STDIN, &mut buf).await.expect("read");
                },
            )
            .expect("spawn");
        p.yield_now().await;
        let status_path = format!("/proc/{}/status", child.pid);
        let fd = p
            .open(&status_path, OpenFlags::RDONLY, 0)
            .await
            .expect("open");
        let status = p.read_to_string(fd).await.expect("read");
        p.close(fd).expect("close");
        assert!(status.contains("Name:\tsleeper\n"), "{status}");
        assert!(
            status.contains(&format!("Pid:\t{}\n", child.pid)),
            "{status}"
        );
        assert!(
            status.contains(&format!("PPid:\t{}\n", p.pid())),
            "{status}"
        );
        assert!(status.contains("State:\tS (sleeping: read)"), "{status}");
        let fd = p
            .open(
                &format!("/proc/{}/cmdline", child.pid),
                OpenFlags::RDONLY,
                0,
            )
            .await
            .expect("open");
        assert_eq!(
            p.read_to_string(fd).await.expect("read"),
            "sleeper\0--long\0"
        );
        p.close(fd).expect("close");
        let link = p
            .readlink(&format!("/proc/{}/fd/0", child.pid))
            .expect("fd link");
        assert!(link.starts_with("pipe:["), "{link}");
        assert_eq!(p.readlink("/proc/self").expect("self"), p.pid().to_string());
        assert_eq!(
            errno_of(p.open(&status_path, OpenFlags::WRONLY, 0).await),
            Errno::EACCES
        );
        let listed: Vec<String> = p
            .readdir("/proc")
            .expect("ls")
            .into_iter()
            .map(|e| e.name)
            .collect();
        assert!(listed.contains(&child.pid.to_string()) && listed.contains(&"self".to_string()));
        let stdin = child.stdin.expect("pipe");
        p.write(stdin, b"x").await.expect("write");
        p.close(stdin).expect("close");
        p.wait().await.expect("wait");
        assert_eq!(
            errno_of(p.stat(&status_path)),
            Errno::ENOENT,
            "gone after reaping"
        );
    });
}

#[test]
fn fifo_rendezvous_in_both_open_orders() {
    for reader_first in [true, false] {
        let mut kernel = Kernel::new();
        run_main(&mut kernel, move |p| async move {
            p.mkfifo("/tmp/fifo", 0o600).expect("mkfifo");
            assert_eq!(errno_of(p.mkfifo("/tmp/fifo", 0o600)), Errno::EEXIST);
            assert_eq!(p.stat("/tmp/fifo").expect("stat").kind, FileType::Fifo);
            let reader = |c: vproc_kernel::Proc| async move {
                let fd = c
                    .open("/tmp/fifo", OpenFlags::RDONLY, 0)
                    .await
                    .expect("open");
                let opened = c.now();
                let text = c.read_to_string(fd).await.expect("read");
                i32::from(text == "over the fifo") + 2 * i32::from(opened >= 20)
            };
            let writer = |c: vproc_kernel::Proc| async move {
                let fd = c
                    .open("/tmp/fifo", OpenFlags::WRONLY, 0)
                    .await
                    .expect("open");
                let opened = c.now();
                c.write(fd, b"over the fifo").await.expect("write");
                2 * i32::from(opened >= 20)
            };
            // The first opener waits 20 ticks for the second.
            if reader_first {
                p.spawn_fn(Command::new("reader"), reader).expect("spawn");
                p.sleep(20).await;
                p.spawn_fn(Command::new("writer"), writer).expect("spawn");
            } else {
                p.spawn_fn(Command::new("writer"), writer).expect("spawn");
                p.sleep(20).await;
                p.spawn_fn(Command::new("reader"), reader).expect("spawn");
            }
            let mut codes = Vec::new();
            for _ in 0..2 {
                match p.wait().await.expect("wait").1 {
                    ExitStatus::Exited(code) => codes.push(code),
                    other => panic!("{other:?}"),
                }
            }
            codes.sort_unstable();
            assert_eq!(codes, [2, 3], "both opened at 20; the reader got the data");
            p.unlink("/tmp/fifo").expect("unlink");
        });
    }
}

#[test]
fn fifo_non_blocking_opens() {
    let mut kernel = Kernel::new();
    run_main(&mut kernel, |p| async move {
        assert_eq!(
            errno_of(
                p.open("/tmp/missing", OpenFlags::RDONLY | OpenFlags::NONBLOCK, 0)
                    .await
            ),
            Errno::ENOENT
        );
        p.mkfifo("/tmp/f", 0o600).expect("mkfifo");
        let w = OpenFlags::WRONLY | OpenFlags::NONBLOCK;
        assert_eq!(errno_of(p.open("/tmp/f", w, 0).await), Errno::ENXIO);
        let r = p
            .open("/tmp/f", OpenFlags::RDONLY | OpenFlags::NONBLOCK, 0)
            .await
            .expect("read end at once");
        let w = p.open("/tmp/f", w, 0).await.expect("a reader exists now");
        let (node, open) = (p.stat("/tmp/f").expect("stat"), p.fstat(w).expect("fstat"));
        assert_eq!(
            (open.kind, open.ino),
            (FileType::Fifo, node.ino),
            "fstat shows the FIFO"
        );
        p.write(w, b"ok").await.expect("write");
        p.close(w).expect("close");
        assert_eq!(p.read_to_string(r).await.expect("read"), "ok");
        p.close(r).expect("close");
        let rw = p
            .open("/tmp/f", OpenFlags::RDWR, 0)
            .await
            .expect("O_RDWR never waits");
        p.close(rw).expect("close");
    });
}

/// A fresh host directory for one test.
fn host_dir(name: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("vproc-files-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.join("inside")).expect("host dir");
    dir
}

#[test]
fn a_host_mount_passes_files_through_and_cannot_be_left() {
    let base = host_dir("mount");
    let root = base.join("inside");
    std::fs::write(base.join("secret"), "outside").expect("host file");
    std::fs::write(root.join("hello.txt"), "from the host").expect("host file");
    std::os::unix::fs::symlink("../secret", root.join("up")).expect("host link");
    std::os::unix::fs::symlink(base.join("secret"), root.join("abs")).expect("host link");
    let mut kernel = Kernel::new();
    kernel.run_for(0).expect("boot");
    run_main(&mut kernel, |p| async move {
        p.mkdir("/mnt", 0o755).expect("mkdir");
    });
    kernel.mount_host("/mnt", &root).expect("mount");
    run_main(&mut kernel, |p| async move {
        let fd = p
            .open("/mnt/hello.txt", OpenFlags::RDONLY, 0)
            .await
            .expect("open");
        assert_eq!(p.read_to_string(fd).await.expect("read"), "from the host");
        p.close(fd).expect("close");
        let fd = p.creat("/mnt/made.txt", 0o644).await.expect("creat");
        p.write(fd, b"from vproc").await.expect("write");
        p.close(fd).expect("close");
        // `..` leaves the mount for the virtual tree, never for the host's parent.
        assert_eq!(errno_of(p.stat("/mnt/../secret")), Errno::ENOENT);
        assert_eq!(errno_of(p.stat("/mnt/../../../secret")), Errno::ENOENT);
        // Links are resolved in the virtual tree: "../secret" is /secret, absent.
        assert_eq!(p.lstat("/mnt/up").expect("lstat").kind, FileType::Symlink);
        assert_eq!(
            errno_of(p.open("/mnt/up", OpenFlags::RDONLY, 0).await),
            Errno::ENOENT
        );
        assert_eq!(
            errno_of(p.open("/mnt/abs", OpenFlags::RDONLY, 0).await),
            Errno::ENOENT
        );
        assert_eq!(errno_of(p.rename("/mnt/made.txt", "/tmp/x")), Errno::EXDEV);
    });
    assert_eq!(
        std::fs::read_to_string(root.join("made.txt")).expect("host sees it"),
        "from vproc"
    );
    assert_eq!(
        std::fs::read_to_string(base.join("secret")).expect("untouched"),
        "outside"
    );
    let _ = std::fs::remove_dir_all(&base);
}

#[test]
fn a_host_mount_on_the_root_hides_the_memory_root_but_not_dev_and_proc() {
    let base = host_dir("root");
    std::fs::write(base.join("inside/host.txt"), "host").expect("host file");
    let mut kernel = Kernel::new();
    kernel
        .mount_host("/", base.join("inside"))
        .expect("mount on /");
    run_main(&mut kernel, |p| async move {
        let names: Vec<String> = p
            .readdir("/")
            .expect("readdir")
            .into_iter()
            .map(|e| e.name)
            .collect();
        assert_eq!(names, ["host.txt"], "the latest mount on / serves it");
        assert_eq!(
            errno_of(p.stat("/tmp")),
            Errno::ENOENT,
            "memfs's /tmp is hidden"
        );
        let null = p
            .open("/dev/null", OpenFlags::WRONLY, 0)
            .await
            .expect("/dev stays");
        p.close(null).expect("close");
        assert!(p.stat("/proc/self").is_ok(), "/proc stays");
    });
    let _ = std::fs::remove_dir_all(&base);
}

#[test]
fn chmod_ftruncate_a_directory_descriptor_and_dev_stdin_and_stderr() {
    let mut kernel = Kernel::new();
    run_main(&mut kernel, |p| async move {
        let fd = p.open("/tmp/m", RW_CREATE, 0o600).await.expect("create");
        p.write(fd, b"0123456789").await.expect("write");
        p.chmod("/tmp/m", 0o640).expect("chmod");
        assert_eq!(p.stat("/tmp/m").expect("stat").mode, 0o640);
        p.ftruncate(fd, 4).expect("shrink");
        assert_eq!(p.fstat(fd).expect("fstat").size, 4);
        p.ftruncate(fd, 6).expect("grow");
        p.lseek(fd, 0, Whence::Set).expect("seek");
        let bytes = p.read_bytes(fd, 16).await.expect("read");
        assert_eq!(&bytes[..], b"0123\0\0", "grown with zeros");
        p.close(fd).expect("close");
        let dir = p
            .open("/tmp", OpenFlags::RDONLY | OpenFlags::DIRECTORY, 0)
            .await
            .expect("open dir");
        let names: Vec<String> = p
            .readdir_fd(dir)
            .expect("readdir")
            .into_iter()
            .map(|e| e.name)
            .collect();
        assert!(names.contains(&"m".to_string()), "{names:?}");
        assert_eq!(
            errno_of(p.ftruncate(dir, 0)),
            Errno::EBADF,
            "not open for writing"
        );
        p.close(dir).expect("close");
        // /dev/stdin and /dev/stderr open what descriptors 0 and 2 hold.
        let child = p
            .spawn_fn_child(
                Command::new("echoer")
                    .stdin(Stdio::Piped)
                    .stderr(Stdio::Piped),
                |c| async move {
                    let input = c
                        .open("/dev/stdin", OpenFlags::RDONLY, 0)
                        .await
                        .expect("stdin");
                    let text = c.read_to_string(input).await.expect("read");
                    let err = c
                        .open("/dev/stderr", OpenFlags::WRONLY, 0)
                        .await
                        .expect("stderr");
                    c.write(err, text.to_uppercase().as_bytes())
                        .await
                        .expect("write");
                },
            )
            .expect("spawn");
        let (to, from) = (child.stdin.expect("stdin"), child.stderr.expect("stderr"));
        p.write(to, b"shout").await.expect("write");
        p.close(to).expect("close");
        assert_eq!(p.read_to_string(from).await.expect("read"), "SHOUT");
        p.close(from).expect("close");
        p.wait().await.expect("wait");
    });
}

#[test]
fn fionread_counts_from_the_offset_to_the_end_and_is_enotty_for_directories_and_devices() {
    let mut kernel = Kernel::new();
    run_main(&mut kernel, |p| async move {
        let f = p.open("/tmp/n", RW_CREATE, 0o644).await.expect("open");
        p.write(f, b"0123456789").await.expect("write");
        assert_eq!(p.fionread(f).expect("at the end"), 0);
        p.lseek(f, 3, Whence::Set).expect("lseek");
        assert_eq!(p.fionread(f).expect("from 3"), 7);
        // Past the end: nothing, not a negative count.
        p.lseek(f, 20, Whence::Set).expect("lseek");
        assert_eq!(p.fionread(f).expect("past the end"), 0);
        let status = p.open("/proc/self/status", OpenFlags::RDONLY, 0).await;
        let status = status.expect("open status");
        let whole = p.fionread(status).expect("a /proc file");
        let mut head = [0u8; 4];
        p.read(status, &mut head).await.expect("read");
        assert_eq!(p.fionread(status).expect("the rest"), whole - 4);
        let rest = p.read_to_string(status).await.expect("read the rest");
        assert_eq!(rest.len(), whole - 4, "fionread counted what a read takes");
        assert_eq!(p.fionread(status).expect("at the end"), 0);
        let dir = p.open("/tmp", OpenFlags::RDONLY | OpenFlags::DIRECTORY, 0);
        let dir = dir.await.expect("open /tmp");
        assert_eq!(errno_of(p.fionread(dir)), Errno::ENOTTY);
        let null = p.open("/dev/null", OpenFlags::RDWR, 0).await.expect("null");
        assert_eq!(errno_of(p.fionread(null)), Errno::ENOTTY);
        assert_eq!(errno_of(p.fionread(Fd(99))), Errno::EBADF);
    });
}
