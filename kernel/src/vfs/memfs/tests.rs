//! Tests of memfs: files, directories, links, FIFOs, errors and capacity.

use vproc_ipc::Errno;

use super::MemFs;
use crate::OpenFlags;
use crate::vfs::testing::{creat, errno, file, read_all};
use crate::vfs::{FileSystem, FileType, Node, Stat};

const RW: OpenFlags = OpenFlags::RDWR;

fn write_file(fs: &MemFs, path: &str, data: &[u8]) {
    let f = file(fs, path, creat() | OpenFlags::TRUNC);
    assert_eq!(f.write_at(0, data).unwrap(), data.len());
}

#[test]
fn create_write_read_truncate() {
    let fs = MemFs::new(7);
    let f = file(&fs, "a", creat());
    assert_eq!(f.write_at(0, b"hello").unwrap(), 5);
    assert_eq!(read_all(&*f), b"hello");
    // A write past the end zero-fills the gap.
    assert_eq!(f.write_at(8, b"xy").unwrap(), 2);
    assert_eq!(read_all(&*f), b"hello\0\0\0xy");
    // Reading at or past the end gives 0; reading in the middle gives what is there.
    let mut buf = [0u8; 4];
    assert_eq!(f.read_at(10, &mut buf).unwrap(), 0);
    assert_eq!(f.read_at(u64::MAX, &mut buf).unwrap(), 0);
    assert_eq!(f.read_at(3, &mut buf).unwrap(), 4);
    assert_eq!(&buf, b"lo\0\0");
    // Overwrite in place.
    f.write_at(1, b"EL").unwrap();
    assert_eq!(read_all(&*f), b"hELlo\0\0\0xy");
    f.set_len(3).unwrap();
    assert_eq!(read_all(&*f), b"hEL");
    f.set_len(5).unwrap();
    assert_eq!(read_all(&*f), b"hEL\0\0");
    assert_eq!(fs.bytes_used(), 5);
    let st = f.stat().unwrap();
    assert_eq!(
        (st.kind, st.size, st.mode, st.nlink, st.dev),
        (FileType::Regular, 5, 0o644, 1, 7)
    );
    assert_eq!(fs.lstat("a").unwrap(), st);
    // Another open sees the same bytes; TRUNC empties them.
    let g = file(&fs, "a", OpenFlags::RDONLY);
    assert_eq!(read_all(&*g), b"hEL\0\0");
    let _h = file(&fs, "a", OpenFlags::WRONLY | OpenFlags::TRUNC);
    assert_eq!(read_all(&*g), b"");
    assert_eq!(fs.bytes_used(), 0);
    // A zero-length write changes nothing.
    assert_eq!(f.write_at(100, b"").unwrap(), 0);
    assert_eq!(f.stat().unwrap().size, 0);
}

#[test]
fn the_root_and_directories() {
    let fs = MemFs::new(3);
    let root = fs.lstat("").unwrap();
    assert_eq!(
        root,
        Stat {
            kind: FileType::Directory,
            mode: 0o755,
            size: 40,
            nlink: 2,
            ino: 1,
            dev: 3
        }
    );
    assert!(matches!(fs.open("", OpenFlags::RDONLY, 0).unwrap(), Node::Directory(s) if s == root));
    fs.mkdir("d", 0o700).unwrap();
    fs.mkdir("d/e", 0o750).unwrap();
    let d = fs.lstat("d").unwrap();
    assert_eq!(
        (d.kind, d.mode, d.nlink, d.size),
        (FileType::Directory, 0o700, 3, 60)
    );
    assert_eq!(fs.lstat("").unwrap().nlink, 3);
    assert!(matches!(
        fs.open("d/e", OpenFlags::RDONLY | OpenFlags::DIRECTORY, 0).unwrap(),
        Node::Directory(s) if s.mode == 0o750 && s.nlink == 2
    ));
}

#[test]
fn readdir_is_sorted_with_kinds() {
    let fs = MemFs::new(1);
    for name in ["zeta", "alpha", "Mid", "beta"] {
        write_file(&fs, name, b"");
    }
    fs.mkdir("dir", 0o755).unwrap();
    fs.mkfifo("pipe", 0o600).unwrap();
    fs.symlink("alpha", "link").unwrap();
    let list = fs.readdir("").unwrap();
    let names: Vec<&str> = list.iter().map(|e| e.name.as_str()).collect();
    assert_eq!(
        names,
        ["Mid", "alpha", "beta", "dir", "link", "pipe", "zeta"]
    );
    let kind = |n: &str| list.iter().find(|e| e.name == n).unwrap().kind;
    assert_eq!(kind("dir"), FileType::Directory);
    assert_eq!(kind("link"), FileType::Symlink);
    assert_eq!(kind("pipe"), FileType::Fifo);
    assert_eq!(kind("alpha"), FileType::Regular);
    for e in &list {
        assert_eq!(fs.lstat(&e.name).unwrap().ino, e.ino);
    }
    assert!(fs.readdir("dir").unwrap().is_empty());
    assert_eq!(errno(fs.readdir("alpha")), Errno::ENOTDIR);
    assert_eq!(errno(fs.readdir("nope")), Errno::ENOENT);
}

#[test]
fn open_errors() {
    let fs = MemFs::new(1);
    write_file(&fs, "f", b"x");
    fs.mkdir("d", 0o755).unwrap();
    fs.symlink("f", "l").unwrap();
    fs.symlink("d", "ld").unwrap();
    let excl = creat() | OpenFlags::EXCL;
    assert_eq!(errno(fs.open("f", excl, 0o644)), Errno::EEXIST);
    assert_eq!(errno(fs.open("d", excl, 0o644)), Errno::EEXIST);
    assert_eq!(errno(fs.open("l", excl, 0o644)), Errno::EEXIST);
    assert_eq!(errno(fs.open("", excl, 0o644)), Errno::EEXIST);
    for flags in [
        OpenFlags::WRONLY,
        RW,
        OpenFlags::CREAT,
        OpenFlags::RDONLY | OpenFlags::TRUNC,
    ] {
        assert_eq!(errno(fs.open("d", flags, 0)), Errno::EISDIR, "{flags:?}");
        assert_eq!(errno(fs.open("", flags, 0)), Errno::EISDIR, "{flags:?}");
    }
    assert_eq!(errno(fs.open("missing", RW, 0)), Errno::ENOENT);
    assert_eq!(errno(fs.open("missing/x", creat(), 0o644)), Errno::ENOENT);
    assert_eq!(errno(fs.open("f/x", creat(), 0o644)), Errno::ENOTDIR);
    assert_eq!(errno(fs.open("f/x", RW, 0)), Errno::ENOTDIR);
    assert_eq!(errno(fs.open("l", creat(), 0o644)), Errno::ELOOP);
    assert_eq!(errno(fs.open("l", RW, 0)), Errno::ELOOP);
    assert_eq!(errno(fs.open("ld/x", creat(), 0o644)), Errno::ELOOP);
    assert_eq!(errno(fs.open("f", OpenFlags::DIRECTORY, 0)), Errno::ENOTDIR);
    assert_eq!(
        errno(fs.open("new", creat() | OpenFlags::DIRECTORY, 0)),
        Errno::EINVAL
    );
    assert_eq!(errno(fs.lstat("new")), Errno::ENOENT);
    let long = "n".repeat(256);
    assert_eq!(errno(fs.open(&long, creat(), 0o644)), Errno::ENAMETOOLONG);
    // Paths the VFS never sends are refused, not guessed at.
    for bad in ["/f", "f/", "a//b", ".", "..", "d/../f", "./f", "a\0b"] {
        assert_eq!(errno(fs.lstat(bad)), Errno::EINVAL, "{bad:?}");
    }
    // Messages name the path.
    let e = fs.open("f/x", RW, 0).err().unwrap();
    assert!(e.to_string().contains("f/x"), "{e}");
    // The failed calls created nothing.
    assert_eq!(fs.inode_count(), 5);
}

#[test]
fn create_remove_errors() {
    let fs = MemFs::new(1);
    write_file(&fs, "f", b"x");
    fs.mkdir("d", 0o755).unwrap();
    write_file(&fs, "d/g", b"");
    for path in ["f", "d", ""] {
        assert_eq!(errno(fs.mkdir(path, 0o755)), Errno::EEXIST, "{path}");
        assert_eq!(errno(fs.mkfifo(path, 0o644)), Errno::EEXIST, "{path}");
        assert_eq!(errno(fs.symlink("t", path)), Errno::EEXIST, "{path}");
    }
    assert_eq!(errno(fs.mkdir("f/x", 0o755)), Errno::ENOTDIR);
    assert_eq!(errno(fs.mkdir("m/x", 0o755)), Errno::ENOENT);
    assert_eq!(errno(fs.symlink("", "s")), Errno::ENOENT);
    assert_eq!(errno(fs.unlink("d")), Errno::EISDIR);
    assert_eq!(errno(fs.unlink("")), Errno::EISDIR);
    assert_eq!(errno(fs.unlink("missing")), Errno::ENOENT);
    assert_eq!(errno(fs.unlink("f/x")), Errno::ENOTDIR);
    assert_eq!(errno(fs.rmdir("f")), Errno::ENOTDIR);
    assert_eq!(errno(fs.rmdir("d")), Errno::ENOTEMPTY);
    assert_eq!(errno(fs.rmdir("")), Errno::EBUSY);
    assert_eq!(errno(fs.rmdir("missing")), Errno::ENOENT);
    fs.unlink("d/g").unwrap();
    fs.rmdir("d").unwrap();
    fs.unlink("f").unwrap();
    assert_eq!(fs.inode_count(), 1);
    assert_eq!(fs.lstat("").unwrap().nlink, 2);
    assert!(fs.readdir("").unwrap().is_empty());
}

#[test]
fn nlink_counts() {
    let fs = MemFs::new(1);
    fs.mkdir("a", 0o755).unwrap();
    fs.mkdir("a/b", 0o755).unwrap();
    fs.mkdir("a/c", 0o755).unwrap();
    write_file(&fs, "a/f", b"");
    assert_eq!(fs.lstat("").unwrap().nlink, 3);
    assert_eq!(fs.lstat("a").unwrap().nlink, 4);
    assert_eq!(fs.lstat("a/b").unwrap().nlink, 2);
    assert_eq!(fs.lstat("a/f").unwrap().nlink, 1);
    fs.rename("a/b", "b").unwrap();
    assert_eq!(fs.lstat("").unwrap().nlink, 4);
    assert_eq!(fs.lstat("a").unwrap().nlink, 3);
    fs.rmdir("a/c").unwrap();
    assert_eq!(fs.lstat("a").unwrap().nlink, 2);
}

#[test]
fn rename_rules() {
    let fs = MemFs::new(1);
    write_file(&fs, "f", b"one");
    write_file(&fs, "g", b"two");
    fs.mkdir("d", 0o755).unwrap();
    fs.mkdir("e", 0o755).unwrap();
    fs.mkdir("full", 0o755).unwrap();
    write_file(&fs, "full/x", b"");
    let count = fs.inode_count();

    // Replacing a file frees the old one.
    let f_ino = fs.lstat("f").unwrap().ino;
    fs.rename("f", "g").unwrap();
    assert_eq!(errno(fs.lstat("f")), Errno::ENOENT);
    assert_eq!(fs.lstat("g").unwrap().ino, f_ino);
    assert_eq!(read_all(&*file(&fs, "g", RW)), b"one");
    assert_eq!(fs.inode_count(), count - 1);
    assert_eq!(fs.bytes_used(), 3, "the replaced bytes are given back");

    assert_eq!(errno(fs.rename("d", "g")), Errno::ENOTDIR);
    assert_eq!(errno(fs.rename("g", "d")), Errno::EISDIR);
    assert_eq!(errno(fs.rename("d", "full")), Errno::ENOTEMPTY);
    assert_eq!(errno(fs.rename("d", "d/sub")), Errno::EINVAL);
    assert_eq!(errno(fs.rename("full", "full/x/y")), Errno::ENOTDIR);
    assert_eq!(errno(fs.rename("missing", "z")), Errno::ENOENT);
    assert_eq!(errno(fs.rename("g", "missing/z")), Errno::ENOENT);
    assert_eq!(errno(fs.rename("", "z")), Errno::EBUSY);
    assert_eq!(errno(fs.rename("d", "")), Errno::EBUSY);

    // Onto itself: nothing happens.
    fs.rename("g", "g").unwrap();
    fs.rename("d", "d").unwrap();
    assert_eq!(read_all(&*file(&fs, "g", RW)), b"one");
    assert_eq!(errno(fs.rename("gone", "gone")), Errno::ENOENT);

    // A directory onto an empty directory, with its contents.
    write_file(&fs, "d/inner", b"in");
    fs.rename("d", "e").unwrap();
    assert_eq!(errno(fs.lstat("d")), Errno::ENOENT);
    assert_eq!(read_all(&*file(&fs, "e/inner", RW)), b"in");
    // A directory moved into another one (not its own subtree).
    fs.rename("e", "full/e").unwrap();
    assert_eq!(read_all(&*file(&fs, "full/e/inner", RW)), b"in");
    // A prefix that is not a path prefix is not "into itself".
    fs.mkdir("ab", 0o755).unwrap();
    fs.rename("full", "abc").unwrap();
    fs.rename("abc", "ab/c").unwrap();
    let names: Vec<String> = fs
        .readdir("")
        .unwrap()
        .into_iter()
        .map(|e| e.name)
        .collect();
    assert_eq!(names, ["ab", "g"]);
    // Symlinks and FIFOs move as names.
    fs.symlink("g", "l").unwrap();
    fs.rename("l", "ab/l").unwrap();
    assert_eq!(fs.readlink("ab/l").unwrap(), "g");
    // root + ab + ab/c + c/x + c/e + e/inner + g + ab/l
    assert_eq!(fs.inode_count(), 8);
}

#[test]
fn unlink_while_open_keeps_data_until_the_last_handle() {
    let fs = MemFs::new(1);
    let f = file(&fs, "f", creat());
    f.write_at(0, b"data").unwrap();
    let g = file(&fs, "f", OpenFlags::RDONLY);
    assert_eq!(fs.inode_count(), 2);
    fs.unlink("f").unwrap();
    assert_eq!(errno(fs.lstat("f")), Errno::ENOENT);
    assert!(fs.readdir("").unwrap().is_empty());
    assert_eq!(fs.inode_count(), 2, "still open");
    f.write_at(4, b"more").unwrap();
    assert_eq!(read_all(&*g), b"datamore");
    assert_eq!(g.stat().unwrap().nlink, 0);
    // A new file of the same name is another file with another number.
    let h = file(&fs, "f", creat());
    assert_ne!(h.stat().unwrap().ino, g.stat().unwrap().ino);
    assert_eq!(read_all(&*h), b"");
    drop(h);
    fs.unlink("f").unwrap();
    drop(f);
    assert_eq!(fs.inode_count(), 2, "one handle left");
    assert_eq!(fs.bytes_used(), 8);
    drop(g);
    assert_eq!(fs.inode_count(), 1);
    assert_eq!(fs.bytes_used(), 0);
}

#[test]
fn replaced_while_open_and_filesystem_dropped_while_open() {
    let fs = MemFs::new(1);
    let f = file(&fs, "f", creat());
    f.write_at(0, b"old").unwrap();
    write_file(&fs, "g", b"new");
    fs.rename("g", "f").unwrap();
    assert_eq!(fs.inode_count(), 3);
    assert_eq!(read_all(&*f), b"old");
    drop(f);
    assert_eq!(fs.inode_count(), 2);
    // A handle outlives its filesystem.
    let h = file(&fs, "f", RW);
    drop(fs);
    h.write_at(3, b"!").unwrap();
    assert_eq!(read_all(&*h), b"new!");
}

#[test]
fn symlinks() {
    let fs = MemFs::new(1);
    fs.symlink("../some/where", "l").unwrap();
    let st = fs.lstat("l").unwrap();
    assert_eq!(
        (st.kind, st.size, st.mode, st.nlink),
        (FileType::Symlink, 13, 0o777, 1)
    );
    assert_eq!(fs.readlink("l").unwrap(), "../some/where");
    write_file(&fs, "f", b"");
    assert_eq!(errno(fs.readlink("f")), Errno::EINVAL);
    assert_eq!(errno(fs.readlink("")), Errno::EINVAL);
    assert_eq!(errno(fs.readlink("nope")), Errno::ENOENT);
    assert_eq!(errno(fs.chmod("l", 0o600)), Errno::ELOOP);
    assert_eq!(errno(fs.readdir("l")), Errno::ENOTDIR);
    fs.unlink("l").unwrap();
    assert_eq!(fs.inode_count(), 2);
}

#[test]
fn fifos() {
    let fs = MemFs::new(9);
    fs.mkfifo("p", 0o640).unwrap();
    let st = fs.lstat("p").unwrap();
    assert_eq!(
        (st.kind, st.mode, st.size, st.dev),
        (FileType::Fifo, 0o640, 0, 9)
    );
    let mut inos = Vec::new();
    for flags in [OpenFlags::RDONLY, OpenFlags::WRONLY, RW | OpenFlags::TRUNC] {
        match fs.open("p", flags, 0).unwrap() {
            Node::Fifo(_, s) => inos.push(s.ino),
            _ => panic!("not a FIFO"),
        }
    }
    assert_eq!(inos, [st.ino; 3]);
    // One FIFO object per inode: opening makes none.
    assert_eq!(fs.inode_count(), 2);
    assert_eq!(errno(fs.open("p", OpenFlags::DIRECTORY, 0)), Errno::ENOTDIR);
    assert_eq!(
        errno(fs.open("p", creat() | OpenFlags::EXCL, 0)),
        Errno::EEXIST
    );
    fs.unlink("p").unwrap();
    assert_eq!(fs.inode_count(), 1);
}

#[test]
fn chmod_keeps_permission_bits() {
    let fs = MemFs::new(1);
    write_file(&fs, "f", b"");
    fs.chmod("f", 0o104_755).unwrap();
    assert_eq!(fs.lstat("f").unwrap().mode, 0o4755);
    fs.chmod("", 0o1777).unwrap();
    assert_eq!(fs.lstat("").unwrap().mode, 0o1777);
    fs.mkdir("d", 0o170_777).unwrap();
    assert_eq!(fs.lstat("d").unwrap().mode, 0o777);
    assert_eq!(errno(fs.chmod("nope", 0o644)), Errno::ENOENT);
}

#[test]
fn capacity_and_huge_offsets() {
    let fs = MemFs::with_capacity(1, 10);
    let f = file(&fs, "f", creat());
    f.write_at(0, b"12345678").unwrap();
    assert_eq!(errno(f.write_at(8, b"abc")), Errno::ENOSPC);
    assert_eq!(read_all(&*f), b"12345678", "a failed write changes nothing");
    let g = file(&fs, "g", creat());
    assert_eq!(errno(g.set_len(3)), Errno::ENOSPC);
    g.set_len(2).unwrap();
    f.set_len(0).unwrap();
    assert_eq!(fs.bytes_used(), 2);
    g.write_at(0, b"0123456789").unwrap();
    // Offsets a program controls never make the kernel allocate without bound.
    let big = MemFs::new(1);
    let h = file(&big, "h", creat());
    assert_eq!(errno(h.write_at(1 << 40, b"x")), Errno::ENOSPC);
    assert_eq!(errno(h.write_at(u64::MAX, b"x")), Errno::EFBIG);
    assert_eq!(errno(h.set_len(u64::MAX)), Errno::EFBIG);
    assert_eq!(h.stat().unwrap().size, 0);
}

mod model {
    use super::*;
    use proptest::prelude::*;

    #[derive(Debug, Clone)]
    enum Op {
        Write(u16, Vec<u8>),
        SetLen(u16),
    }

    fn op() -> impl Strategy<Value = Op> {
        prop_oneof![
            (0u16..600, proptest::collection::vec(any::<u8>(), 0..40))
                .prop_map(|(o, d)| Op::Write(o, d)),
            (0u16..600).prop_map(Op::SetLen),
        ]
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]
        /// Writes and truncations agree with a plain byte vector.
        #[test]
        fn file_contents_match_a_vec(ops in proptest::collection::vec(op(), 0..30)) {
            let fs = MemFs::new(1);
            let f = file(&fs, "f", creat());
            let mut model: Vec<u8> = Vec::new();
            for op in ops {
                match op {
                    Op::Write(off, data) => {
                        let off = off as usize;
                        if !data.is_empty() {
                            if model.len() < off + data.len() {
                                model.resize(off + data.len(), 0);
                            }
                            model[off..off + data.len()].copy_from_slice(&data);
                        }
                        prop_assert_eq!(f.write_at(off as u64, &data).unwrap(), data.len());
                    }
                    Op::SetLen(len) => {
                        model.resize(len as usize, 0);
                        f.set_len(len as u64).unwrap();
                    }
                }
                prop_assert_eq!(read_all(&*f), model.clone());
                prop_assert_eq!(fs.bytes_used(), model.len() as u64);
            }
        }
    }
}
