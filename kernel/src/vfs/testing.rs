//! Helpers for the tests of the filesystem backends: opening, reading and the errno of
//! a failed call.

use std::rc::Rc;

use vproc_ipc::Errno;

use super::{FileSystem, Node, RegularFile};
use crate::{OpenFlags, SysResult};

pub(super) fn creat() -> OpenFlags {
    OpenFlags::RDWR | OpenFlags::CREAT
}

pub(super) fn errno<T>(r: SysResult<T>) -> Errno {
    match r {
        Ok(_) => panic!("expected an error"),
        Err(e) => e.errno(),
    }
}

pub(super) fn file(fs: &dyn FileSystem, path: &str, flags: OpenFlags) -> Rc<dyn RegularFile> {
    match fs.open(path, flags, 0o644).unwrap() {
        Node::File(f) => f,
        _ => panic!("{path} is not a regular file"),
    }
}

pub(super) fn read_all(f: &dyn RegularFile) -> Vec<u8> {
    let mut buf = vec![0; f.stat().unwrap().size as usize + 8];
    let n = f.read_at(0, &mut buf).unwrap();
    buf.truncate(n);
    buf
}
