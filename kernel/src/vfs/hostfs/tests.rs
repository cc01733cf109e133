//! Tests of hostfs against real host directories: files, links that must not lead out,
//! FIFOs, special files, errors and permissions.

use std::os::unix::fs::{FileTypeExt, MetadataExt, PermissionsExt};
use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};

use std::path::Path;

use rustix::io::Errno as HostErrno;
use vproc_ipc::Errno;

use super::HostFs;
use super::errno::{host_error, not_empty};
use crate::vfs::testing::{creat, errno, file, read_all};
use crate::vfs::{FileSystem, FileType, Node};
use crate::{OpenFlags, SysResult};

/// A fresh host directory, removed at the end of the test.
struct TempDir(PathBuf);

impl TempDir {
    fn new() -> Self {
        static NEXT: AtomicUsize = AtomicUsize::new(0);
        let n = NEXT.fetch_add(1, Ordering::Relaxed);
        let path = std::env::temp_dir().join(format!("vproc-hostfs-{}-{n}", std::process::id()));
        let _ = std::fs::remove_dir_all(&path);
        std::fs::create_dir(&path).unwrap();
        TempDir(path)
    }

    fn join(&self, rel: &str) -> PathBuf {
        self.0.join(rel)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

#[test]
fn files_round_trip_through_the_host() {
    let tmp = TempDir::new();
    let fs = HostFs::new(&tmp.0, 42).unwrap();
    let f = file(&fs, "a", creat());
    assert_eq!(f.write_at(0, b"hello").unwrap(), 5);
    assert_eq!(f.write_at(8, b"xy").unwrap(), 2);
    assert_eq!(std::fs::read(tmp.join("a")).unwrap(), b"hello\0\0\0xy");
    std::fs::write(tmp.join("b"), b"from the host").unwrap();
    let g = file(&fs, "b", OpenFlags::RDONLY);
    assert_eq!(read_all(&*g), b"from the host");
    let mut buf = [0u8; 4];
    assert_eq!(g.read_at(100, &mut buf).unwrap(), 0);
    assert_eq!(errno(g.write_at(0, b"no")), Errno::EBADF);
    f.set_len(3).unwrap();
    assert_eq!(std::fs::read(tmp.join("a")).unwrap(), b"hel");
    assert_eq!(errno(f.set_len(u64::MAX)), Errno::EFBIG);
    // Stat: the host's, with our device number.
    let meta = std::fs::metadata(tmp.join("a")).unwrap();
    let st = f.stat().unwrap();
    assert_eq!(
        (st.kind, st.size, st.nlink, st.ino, st.dev),
        (FileType::Regular, 3, 1, meta.ino(), 42)
    );
    assert_eq!(fs.lstat("a").unwrap(), st);
    fs.chmod("a", 0o640).unwrap();
    assert_eq!(fs.lstat("a").unwrap().mode, 0o640);
    assert_eq!(
        std::fs::metadata(tmp.join("a")).unwrap().mode() & 0o7777,
        0o640
    );
    // TRUNC empties; an unlinked file stays usable while open (the host's semantics).
    let h = file(&fs, "b", OpenFlags::WRONLY | OpenFlags::TRUNC);
    assert_eq!(read_all(&*g), b"");
    h.write_at(0, b"still here").unwrap();
    fs.unlink("b").unwrap();
    assert!(!tmp.join("b").exists());
    assert_eq!(read_all(&*g), b"still here");
    // Directories.
    fs.mkdir("d", 0o755).unwrap();
    fs.mkdir("d/e", 0o700).unwrap();
    assert!(tmp.join("d/e").is_dir());
    let root = fs.lstat("").unwrap();
    assert_eq!((root.kind, root.dev), (FileType::Directory, 42));
    assert_eq!(root.ino, std::fs::metadata(&tmp.0).unwrap().ino());
    assert!(matches!(
        fs.open("d", OpenFlags::RDONLY | OpenFlags::DIRECTORY, 0).unwrap(),
        Node::Directory(s) if s.kind == FileType::Directory && s.dev == 42
    ));
    assert!(matches!(fs.open("", OpenFlags::RDONLY, 0).unwrap(), Node::Directory(s) if s == root));
    fs.rename("a", "d/e/moved").unwrap();
    assert_eq!(std::fs::read(tmp.join("d/e/moved")).unwrap(), b"hel");
    fs.symlink("../target", "d/link").unwrap();
    assert_eq!(
        std::fs::read_link(tmp.join("d/link")).unwrap(),
        Path::new("../target")
    );
    fs.unlink("d/link").unwrap();
    fs.unlink("d/e/moved").unwrap();
    fs.rmdir("d/e").unwrap();
    fs.rmdir("d").unwrap();
    assert_eq!(fs.readdir("").unwrap(), Vec::new());
}

#[test]
fn readdir_lists_host_entries_sorted() {
    let tmp = TempDir::new();
    for name in ["zeta", "alpha", "Mid"] {
        std::fs::write(tmp.join(name), name).unwrap();
    }
    std::fs::create_dir(tmp.join("dir")).unwrap();
    std::fs::write(tmp.join("dir/inner"), b"").unwrap();
    std::os::unix::fs::symlink("alpha", tmp.join("link")).unwrap();
    let fs = HostFs::new(&tmp.0, 1).unwrap();
    fs.mkfifo("pipe", 0o600).unwrap();
    let list = fs.readdir("").unwrap();
    let names: Vec<&str> = list.iter().map(|e| e.name.as_str()).collect();
    assert_eq!(names, ["Mid", "alpha", "dir", "link", "pipe", "zeta"]);
    for e in &list {
        let st = fs.lstat(&e.name).unwrap();
        assert_eq!((e.kind, e.ino), (st.kind, st.ino), "{}", e.name);
    }
    let kinds: Vec<FileType> = list.iter().map(|e| e.kind).collect();
    use FileType::*;
    assert_eq!(kinds, [Regular, Regular, Directory, Symlink, Fifo, Regular]);
    assert_eq!(fs.readdir("dir").unwrap().len(), 1);
    assert_eq!(errno(fs.readdir("alpha")), Errno::ENOTDIR);
    assert_eq!(errno(fs.readdir("link")), Errno::ELOOP);
    assert_eq!(errno(fs.readdir("missing")), Errno::ENOENT);
}

/// Everything under `dir` (relative paths, sorted), with file contents and modes.
fn snapshot(dir: &Path) -> Vec<(PathBuf, u32, Vec<u8>)> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            let meta = std::fs::symlink_metadata(&p).unwrap();
            let data = if meta.is_file() {
                std::fs::read(&p).unwrap()
            } else {
                Vec::new()
            };
            if meta.is_dir() {
                stack.push(p.clone());
            }
            out.push((
                p.strip_prefix(dir).unwrap().to_path_buf(),
                meta.mode(),
                data,
            ));
        }
    }
    out.sort();
    out
}

#[test]
fn links_never_lead_outside_the_root() {
    let tmp = TempDir::new();
    let root = tmp.join("root");
    let outside = tmp.join("outside");
    std::fs::create_dir_all(root.join("d")).unwrap();
    std::fs::create_dir(&outside).unwrap();
    std::fs::write(outside.join("secret"), b"top secret").unwrap();
    std::fs::set_permissions(
        outside.join("secret"),
        std::fs::Permissions::from_mode(0o600),
    )
    .unwrap();
    std::os::unix::fs::symlink("../outside", root.join("up")).unwrap();
    std::os::unix::fs::symlink(&outside, root.join("abs")).unwrap();
    std::os::unix::fs::symlink("../../outside", root.join("d/deep")).unwrap();
    std::os::unix::fs::symlink("../outside/secret", root.join("fl")).unwrap();
    std::fs::write(root.join("f"), b"inside").unwrap();
    let before = snapshot(&outside);
    let fs = HostFs::new(&root, 1).unwrap();

    // The links are seen as links, with their targets as the VFS needs them.
    for (link, target) in [
        ("up", "../outside".to_owned()),
        ("abs", outside.to_str().unwrap().to_owned()),
        ("d/deep", "../../outside".to_owned()),
        ("fl", "../outside/secret".to_owned()),
    ] {
        let st = fs.lstat(link).unwrap();
        assert_eq!((st.kind, st.size), (FileType::Symlink, target.len() as u64));
        assert_eq!(fs.readlink(link).unwrap(), target);
        // Opening the link itself: O_NOFOLLOW.
        for flags in [OpenFlags::RDONLY, OpenFlags::RDWR, creat()] {
            assert_eq!(errno(fs.open(link, flags, 0o644)), Errno::ELOOP, "{link}");
        }
        assert_eq!(errno(fs.chmod(link, 0o777)), Errno::ELOOP, "{link}");
    }
    // Through a link in parent position: refused, whatever the call.
    for dir in ["up", "abs", "d/deep"] {
        let through = format!("{dir}/secret");
        let p = through.as_str();
        let new = format!("{dir}/new");
        let n = new.as_str();
        let refused = |r: SysResult<()>, what: &str| {
            let e = errno(r);
            assert!(e == Errno::ELOOP || e == Errno::ENOTDIR, "{what} {p}: {e}");
        };
        refused(fs.open(p, OpenFlags::RDONLY, 0).map(drop), "open");
        refused(
            fs.open(p, OpenFlags::RDWR | OpenFlags::TRUNC, 0).map(drop),
            "open trunc",
        );
        refused(fs.open(n, creat(), 0o644).map(drop), "create");
        refused(fs.lstat(p).map(drop), "lstat");
        refused(fs.readlink(p).map(drop), "readlink");
        refused(fs.mkdir(n, 0o755), "mkdir");
        refused(fs.mkfifo(n, 0o644), "mkfifo");
        refused(fs.symlink("x", n), "symlink");
        refused(fs.unlink(p), "unlink");
        refused(fs.rmdir(n), "rmdir");
        refused(fs.rename(p, "stolen"), "rename from");
        refused(fs.rename("f", n), "rename to");
        refused(fs.chmod(p, 0o666), "chmod");
        refused(fs.readdir(dir).map(drop), "readdir");
        assert_eq!(errno(fs.open(p, OpenFlags::RDONLY, 0)), Errno::ELOOP);
    }
    // `..` and absolute paths never get through either.
    for bad in [
        "../outside/secret",
        "d/../../outside/secret",
        "/etc/passwd",
        "d//f",
        "./f",
    ] {
        assert_eq!(errno(fs.lstat(bad)), Errno::EINVAL, "{bad}");
        assert_eq!(
            errno(fs.open(bad, OpenFlags::RDONLY, 0)),
            Errno::EINVAL,
            "{bad}"
        );
        assert_eq!(errno(fs.mkdir(bad, 0o755)), Errno::EINVAL, "{bad}");
    }
    // Nothing outside was read into a file, created, changed or removed.
    assert_eq!(snapshot(&outside), before);
    assert!(!tmp.join("stolen").exists());
    assert!(!root.join("stolen").exists());
    assert_eq!(std::fs::read(root.join("f")).unwrap(), b"inside");
}

#[test]
fn fifos_are_host_fifos_met_in_the_kernel() {
    let tmp = TempDir::new();
    let fs = HostFs::new(&tmp.0, 5).unwrap();
    fs.mkfifo("p", 0o600).unwrap();
    let meta = std::fs::symlink_metadata(tmp.join("p")).unwrap();
    assert!(meta.file_type().is_fifo());
    assert_eq!(errno(fs.mkfifo("p", 0o600)), Errno::EEXIST);
    let st = fs.lstat("p").unwrap();
    assert_eq!((st.kind, st.ino, st.dev), (FileType::Fifo, meta.ino(), 5));
    assert_eq!(fs.fifo_count(), 0);
    // Neither open touches the host FIFO (it would block, with no host peer).
    for flags in [OpenFlags::RDONLY, OpenFlags::WRONLY, OpenFlags::RDWR] {
        match fs.open("p", flags, 0).unwrap() {
            Node::Fifo(_, s) => assert_eq!(s, st),
            _ => panic!("not a FIFO"),
        }
    }
    assert_eq!(fs.fifo_count(), 1, "one in-kernel FIFO for the host FIFO");
    // A second name (a host hard link) is the same FIFO.
    std::fs::hard_link(tmp.join("p"), tmp.join("q")).unwrap();
    assert!(matches!(
        fs.open("q", OpenFlags::RDONLY, 0).unwrap(),
        Node::Fifo(..)
    ));
    assert_eq!(fs.fifo_count(), 1);
    fs.unlink("q").unwrap();
    assert_eq!(fs.fifo_count(), 1, "p still names it");
    // A FIFO replaced by rename, then one unlinked, are forgotten.
    fs.mkfifo("r", 0o600).unwrap();
    assert!(matches!(
        fs.open("r", OpenFlags::RDONLY, 0).unwrap(),
        Node::Fifo(..)
    ));
    assert_eq!(fs.fifo_count(), 2);
    std::fs::write(tmp.join("plain"), b"").unwrap();
    fs.rename("plain", "r").unwrap();
    assert_eq!(fs.fifo_count(), 1);
    fs.unlink("p").unwrap();
    assert_eq!(fs.fifo_count(), 0);
    assert_eq!(errno(fs.open("r", OpenFlags::DIRECTORY, 0)), Errno::ENOTDIR);
}

#[test]
fn host_special_files_are_not_opened() {
    let tmp = TempDir::new();
    let _listener = std::os::unix::net::UnixListener::bind(tmp.join("sock")).unwrap();
    let fs = HostFs::new(&tmp.0, 1).unwrap();
    assert_eq!(fs.lstat("sock").unwrap().kind, FileType::CharDevice);
    assert_eq!(fs.readdir("").unwrap()[0].kind, FileType::CharDevice);
    let e = fs.open("sock", OpenFlags::RDWR, 0).err().unwrap();
    assert_eq!(e.errno(), Errno::ENOTSUP);
    assert!(e.to_string().contains("special files"), "{e}");
    fs.chmod("sock", 0o600).unwrap();
    assert_eq!(fs.lstat("sock").unwrap().mode, 0o600);
}

#[test]
fn host_errors_map_to_errno() {
    let tmp = TempDir::new();
    let fs = HostFs::new(&tmp.0, 1).unwrap();
    std::fs::write(tmp.join("f"), b"x").unwrap();
    std::fs::create_dir_all(tmp.join("d/sub")).unwrap();
    std::fs::create_dir(tmp.join("empty")).unwrap();
    let excl = creat() | OpenFlags::EXCL;
    assert_eq!(
        errno(fs.open("missing", OpenFlags::RDONLY, 0)),
        Errno::ENOENT
    );
    assert_eq!(errno(fs.open("missing/x", creat(), 0o644)), Errno::ENOENT);
    assert_eq!(errno(fs.open("f/x", creat(), 0o644)), Errno::ENOTDIR);
    assert_eq!(errno(fs.open("f", excl, 0o644)), Errno::EEXIST);
    assert_eq!(errno(fs.open("", excl, 0o644)), Errno::EEXIST);
    assert_eq!(errno(fs.open("f", OpenFlags::DIRECTORY, 0)), Errno::ENOTDIR);
    assert_eq!(
        errno(fs.open("new", creat() | OpenFlags::DIRECTORY, 0)),
        Errno::EINVAL
    );
    assert!(!tmp.join("new").exists());
    for flags in [
        OpenFlags::WRONLY,
        OpenFlags::RDWR,
        OpenFlags::CREAT,
        OpenFlags::TRUNC,
    ] {
        assert_eq!(errno(fs.open("d", flags, 0)), Errno::EISDIR, "{flags:?}");
        assert_eq!(errno(fs.open("", flags, 0)), Errno::EISDIR, "{flags:?}");
    }
    assert_eq!(errno(fs.mkdir("d", 0o755)), Errno::EEXIST);
    assert_eq!(errno(fs.mkdir("", 0o755)), Errno::EEXIST);
    assert_eq!(errno(fs.symlink("t", "f")), Errno::EEXIST);
    assert_eq!(
        errno(fs.mkdir(&"n".repeat(300), 0o755)),
        Errno::ENAMETOOLONG
    );
    assert_eq!(errno(fs.unlink("d")), Errno::EISDIR);
    assert_eq!(errno(fs.unlink("")), Errno::EISDIR);
    assert_eq!(errno(fs.unlink("missing")), Errno::ENOENT);
    assert_eq!(errno(fs.rmdir("f")), Errno::ENOTDIR);
    assert_eq!(errno(fs.rmdir("d")), Errno::ENOTEMPTY);
    assert_eq!(errno(fs.rmdir("")), Errno::EBUSY);
    assert_eq!(errno(fs.readlink("f")), Errno::EINVAL);
    assert_eq!(errno(fs.readlink("")), Errno::EINVAL);
    // rename(2)'s rules, as the host applies them.
    assert_eq!(errno(fs.rename("d", "d/sub/x")), Errno::EINVAL);
    assert_eq!(errno(fs.rename("empty", "d")), Errno::ENOTEMPTY);
    assert_eq!(errno(fs.rename("d", "f")), Errno::ENOTDIR);
    assert_eq!(errno(fs.rename("f", "d")), Errno::EISDIR);
    assert_eq!(errno(fs.rename("", "x")), Errno::EBUSY);
    let e = fs.rename("missing", "x").err().unwrap();
    assert_eq!(e.errno(), Errno::ENOENT);
    assert!(
        e.to_string().contains("missing") && e.to_string().contains("to x"),
        "{e}"
    );
    fs.rename("f", "f").unwrap();
    fs.rename("d/sub", "empty").unwrap();
    assert!(tmp.join("empty").is_dir() && !tmp.join("d/sub").exists());
    // Messages name the path.
    let e = fs.open("f/x", OpenFlags::RDONLY, 0).err().unwrap();
    assert!(e.to_string().contains("f/x"), "{e}");
}

#[test]
fn permissions_as_the_host_applies_them() {
    let tmp = TempDir::new();
    let fs = HostFs::new(&tmp.0, 1).unwrap();
    let set = |rel: &str, mode: u32| {
        std::fs::set_permissions(tmp.join(rel), std::fs::Permissions::from_mode(mode)).unwrap()
    };
    // A directory that may be searched but not read: passing through it works (the
    // walk needs no read permission), listing it does not unless privileged.
    std::fs::create_dir(tmp.join("search")).unwrap();
    std::fs::write(tmp.join("search/f"), b"through").unwrap();
    set("search", 0o100);
    let privileged = std::fs::read_dir(tmp.join("search")).is_ok();
    assert_eq!(
        read_all(&*file(&fs, "search/f", OpenFlags::RDONLY)),
        b"through"
    );
    fs.mkdir("search/d", 0o755).unwrap_or_else(|e| {
        assert!(!privileged, "{e}");
        assert_eq!(e.errno(), Errno::EACCES);
    });
    if !privileged {
        assert_eq!(errno(fs.readdir("search")), Errno::EACCES);
    }
    set("search", 0o700);
    // A file nobody may read can still have its mode changed by its owner.
    std::fs::write(tmp.join("closed"), b"").unwrap();
    set("closed", 0o000);
    fs.chmod("closed", 0o644).unwrap();
    assert_eq!(
        std::fs::metadata(tmp.join("closed")).unwrap().mode() & 0o7777,
        0o644
    );
    fs.chmod("search", 0o2750).unwrap();
    assert_eq!(fs.lstat("search").unwrap().mode, 0o2750);
    fs.chmod("", 0o711).unwrap();
    assert_eq!(fs.lstat("").unwrap().mode, 0o711);
    set(".", 0o700);
    // Without permission, the host's EACCES.
    std::fs::create_dir(tmp.join("locked")).unwrap();
    std::fs::write(tmp.join("locked/f"), b"").unwrap();
    set("locked", 0o000);
    if !privileged {
        assert_eq!(
            errno(fs.open("locked/f", OpenFlags::RDONLY, 0)),
            Errno::EACCES
        );
        assert_eq!(errno(fs.readdir("locked")), Errno::EACCES);
        std::fs::write(tmp.join("ro"), b"").unwrap();
        set("ro", 0o444);
        assert_eq!(errno(fs.open("ro", OpenFlags::WRONLY, 0)), Errno::EACCES);
    }
    set("locked", 0o700);
}

#[test]
fn the_errno_mapping() {
    for (host, ours) in [
        (HostErrno::ACCESS, Errno::EACCES),
        (HostErrno::PERM, Errno::EPERM),
        (HostErrno::ROFS, Errno::EROFS),
        (HostErrno::NOSPC, Errno::ENOSPC),
        (HostErrno::LOOP, Errno::ELOOP),
        (HostErrno::NOTEMPTY, Errno::ENOTEMPTY),
        (HostErrno::BUSY, Errno::EBUSY),
        (HostErrno::NAMETOOLONG, Errno::ENAMETOOLONG),
        (HostErrno::OPNOTSUPP, Errno::ENOTSUP),
        (HostErrno::NOTSUP, Errno::ENOTSUP),
    ] {
        assert_eq!(host_error(host, "op", "p").errno(), ours);
        assert_eq!(ours.number(), host.raw_os_error(), "{ours}");
    }
    // One Errno lacks: EIO, with the host's words.
    let e = host_error(HostErrno::XDEV, "rename", "a/b");
    assert_eq!(e.errno(), Errno::EIO);
    let text = e.to_string();
    assert!(
        text.contains("a/b") && text.contains("host error") && text.contains("os error"),
        "{text}"
    );
    // EEXIST from rmdir or rename is ENOTEMPTY.
    assert_eq!(not_empty(HostErrno::EXIST), HostErrno::NOTEMPTY);
}

#[test]
fn the_root_must_be_a_directory() {
    let tmp = TempDir::new();
    assert_eq!(errno(HostFs::new(&tmp.join("missing"), 1)), Errno::ENOENT);
    std::fs::write(tmp.join("f"), b"").unwrap();
    let e = HostFs::new(&tmp.join("f"), 1).err().unwrap();
    assert_eq!(e.errno(), Errno::ENOTDIR);
    assert!(
        e.to_string().contains(tmp.join("f").to_str().unwrap()),
        "{e}"
    );
    // The root may be reached through a link (the operator chose it).
    std::fs::create_dir(tmp.join("real")).unwrap();
    std::os::unix::fs::symlink("real", tmp.join("via")).unwrap();
    let fs = HostFs::new(&tmp.join("via"), 1).unwrap();
    fs.mkdir("made", 0o755).unwrap();
    assert!(tmp.join("real/made").is_dir());
}
