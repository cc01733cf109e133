//! Random sequences of descriptor calls (pipe, open, mkfifo, unlink, close, dup, dup2,
//! dup3, fcntl, read, write, lseek, fstat, spawn with chosen standard streams, wait)
//! against a reference model of descriptor tables, open file descriptions, pipes and
//! files: every return value, every byte read and every errno must be the one the model
//! predicts, and once every process has exited no descriptor, open file or pipe is left.
//!
//! The model is exact because nothing in a run depends on timing:
//!
//! - A blocking read or write is made only when the model says it completes at once;
//!   otherwise a non-blocking description is used (EAGAIN is then predicted) or the call
//!   is skipped. A blocking FIFO open whose partner is missing is made non-blocking.
//! - A *synchronous* child (`Op::Spawn`) is waited for right after it is spawned, so its
//!   calls run while the parent waits: the model plays them at spawn time and the child
//!   checks each outcome itself.
//! - A *holder* child (`Op::Hold`) only keeps the descriptors it inherited, sleeping for
//!   far longer than the parent's calls take (the clock is virtual: it jumps only when
//!   every process waits), until the parent waits for it (`Op::Wait`) or, the parent gone,
//!   its time is up. While it lives, its ends keep pipes open: no end of file, no EPIPE.
//! - Calls that really wait happen inside `Op::Filter`, a pipeline through a `cat` child
//!   whose outcome (the bytes that come back) does not depend on the interleaving.
//!
//! After every operation the parent's `descriptors()` listing (numbers, paths, one
//! `pipe:[id]` per pipe) and `stat` of every path are checked too, and before exiting the
//! files are read back whole. Each case runs under a random scheduling policy, which must
//! change nothing. A failure reports the operation, the prediction and the calls before.

mod common;

use std::collections::{BTreeMap, HashMap, VecDeque};
use std::fmt;

use bytes::Bytes;
use common::{errno_of, run_main};
use proptest::prelude::*;
use vproc_kernel::{
    Command, Disposition, Errno, ExitStatus, Fcntl, Fd, FdFlags, FileType, Kernel, OPEN_MAX,
    OpenFlags, Pid, PollEvents, PollFd, Proc, Signal, Stdio, SysResult, Tick, WaitFlags, WaitFor,
    Whence,
};
use vproc_sched::POLICY_NAMES;

/// The paths `Open`, `Mkfifo` and `Unlink` choose from. `/dev/null` is never unlinked nor
/// made a FIFO (those pick among the `/tmp` paths only).
const PATHS: [&str; 4] = ["/tmp/a", "/tmp/b", "/tmp/c", "/dev/null"];
/// How many of [`PATHS`] are under `/tmp`.
const TMP_PATHS: usize = 3;
/// Raw descriptor numbers (`FdRef::Raw`, `dup2` targets) are below this.
const RAW_FD_MAX: u32 = 12;
/// How long a holder sleeps: far more than all the parent's calls cost, so that it wakes
/// only once the parent waits (or has exited).
const HOLD: Tick = 1_000_000_000;
/// Writes of at most this many bytes to a pipe are atomic (the kernel's `PIPE_BUF`).
const PIPE_BUF: usize = 4096;
/// A new pipe's capacity.
const PIPE_CAPACITY: usize = 65536;
/// The flags an open file description keeps (and `F_GETFL` reports).
const KEPT: OpenFlags = OpenFlags::WRONLY
    .union(OpenFlags::RDWR)
    .union(OpenFlags::APPEND)
    .union(OpenFlags::NONBLOCK);

// ---------------------------------------------------------------------------------------
// What the test generates
// ---------------------------------------------------------------------------------------

/// A descriptor as an operation names it.
#[derive(Clone, Copy, Debug)]
enum FdRef {
    /// One of the process's open descriptors that suits the call (open for reading for
    /// a read, on a pipe for `F_SETPIPE_SZ`...: see [`Use`]), the n-th modulo their
    /// count; any open one when none suits.
    Suited(u8),
    /// One of the process's open descriptors (the n-th modulo their count), or, when it
    /// has none, a number that is not open.
    Open(u8),
    /// A raw number below [`RAW_FD_MAX`], open or not.
    Raw(u8),
}

/// What a call does with a descriptor, for [`FdRef::Suited`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Use {
    Any,
    Read,
    Write,
    Seek,
    Pipe,
}

/// The access mode of an `open`.
#[derive(Clone, Copy, Debug)]
enum Access {
    Read,
    Write,
    ReadWrite,
}

/// The arguments of an `open`.
#[derive(Clone, Copy, Debug)]
struct OpenSpec {
    path: usize,
    access: Access,
    creat: bool,
    excl: bool,
    trunc: bool,
    append: bool,
    nonblock: bool,
    cloexec: bool,
}

impl OpenSpec {
    /// The flags it stands for.
    fn flags(self) -> OpenFlags {
        let mut flags = match self.access {
            Access::Read => OpenFlags::RDONLY,
            Access::Write => OpenFlags::WRONLY,
            Access::ReadWrite => OpenFlags::RDWR,
        };
        for (on, flag) in [
            (self.creat, OpenFlags::CREAT),
            (self.excl, OpenFlags::EXCL),
            (self.trunc, OpenFlags::TRUNC),
            (self.append, OpenFlags::APPEND),
            (self.nonblock, OpenFlags::NONBLOCK),
            (self.cloexec, OpenFlags::CLOEXEC),
        ] {
            if on {
                flags |= flag;
            }
        }
        flags
    }
}

/// A child's standard stream, as an operation chooses it.
#[derive(Clone, Copy, Debug)]
enum StdioSpec {
    Inherit,
    Fd(FdRef),
    Null,
    Piped,
}

/// One call of a synchronous child, on its own descriptors.
#[derive(Clone, Copy, Debug)]
enum ChildOp {
    Read {
        fd: FdRef,
        max: usize,
        zero_copy: bool,
    },
    Write {
        fd: FdRef,
        len: usize,
        zero_copy: bool,
    },
    Close(FdRef),
    Dup(FdRef),
    Sleep(Tick),
    Exit(u8),
}

/// One operation of the parent.
#[derive(Clone, Debug)]
enum Op {
    /// `pipe`.
    Pipe,
    /// `pipe2`; `small`: then `F_SETPIPE_SZ` to the least size (4096), to fill it soon;
    /// `bogus`: with `O_APPEND` too, which `pipe2` refuses (EINVAL).
    Pipe2 {
        cloexec: bool,
        nonblock: bool,
        small: bool,
        bogus: bool,
    },
    Open(OpenSpec),
    Mkfifo(usize),
    Unlink(usize),
    Close(FdRef),
    Dup(FdRef),
    Dup2(FdRef, u32),
    /// `dup3` with `O_CLOEXEC`, or (`bogus`) with `O_NONBLOCK` too: EINVAL.
    Dup3(FdRef, u32, bool),
    DupFd {
        fd: FdRef,
        min: u32,
        cloexec: bool,
    },
    Write {
        fd: FdRef,
        len: usize,
        zero_copy: bool,
    },
    Read {
        fd: FdRef,
        max: usize,
        zero_copy: bool,
    },
    Lseek(FdRef, i64, Whence),
    SetCloexec(FdRef, bool),
    SetFl {
        fd: FdRef,
        append: bool,
        nonblock: bool,
    },
    SetPipeSize(FdRef, usize),
    /// `F_GETFD`, `F_GETFL`, `F_GETPIPE_SZ` and `fstat` of one descriptor.
    Inspect(FdRef),
    /// `poll` without waiting: for each descriptor, whether to ask for POLLIN, POLLOUT.
    Poll(Vec<(FdRef, bool, bool)>),
    /// Spawn a child running these calls and wait for it at once.
    Spawn {
        stdio: [StdioSpec; 3],
        program: Vec<ChildOp>,
    },
    /// Spawn a child that only holds what it inherits until waited for.
    Hold([StdioSpec; 3]),
    /// Wait for every holder.
    Wait,
    /// A pipeline through a child (`cat`): two new close-on-exec pipes, the child reads
    /// the first in `chunk`-byte reads and copies to the second, while the parent writes
    /// `len` bytes into the first (waiting for room when `small`: a 4096-byte pipe),
    /// closes it and reads the second to its end. Blocking calls that really wait, and
    /// the wake-ups of end of file, all within one operation.
    Filter {
        len: usize,
        chunk: usize,
        small: bool,
    },
}

/// How the parent ends.
#[derive(Clone, Copy, Debug)]
enum Ending {
    /// Close every descriptor, wait for every child, check that nothing is open.
    CloseAllThenWait,
    /// Wait for every child, then exit with the descriptors open.
    WaitThenExit,
    /// Exit at once: open descriptors and live holders are left to the kernel (the
    /// holders go to init).
    ExitAtOnce,
}

/// A descriptor reference: mostly open descriptors, sometimes any small number.
fn fd_ref() -> impl Strategy<Value = FdRef> {
    prop_oneof![
        7 => any::<u8>().prop_map(FdRef::Suited),
        2 => any::<u8>().prop_map(FdRef::Open),
        1 => (0..RAW_FD_MAX as u8).prop_map(FdRef::Raw),
    ]
}

/// A target number for `dup2`, `dup3` or `F_DUPFD`: small, the last one below the limit
/// (a second `F_DUPFD` there gives EMFILE), or at or beyond the limit.
fn target() -> impl Strategy<Value = u32> {
    prop_oneof![
        12 => 0..RAW_FD_MAX,
        1 => Just(OPEN_MAX - 1),
        1 => Just(OPEN_MAX),
        1 => Just(u32::MAX),
    ]
}

/// A byte count, with the edges around `PIPE_BUF` well represented.
fn length(max: usize) -> impl Strategy<Value = usize> {
    prop_oneof![
        1 => Just(0),
        4 => 1..64usize,
        3 => 64..=max,
        2 => prop::sample::select(vec![PIPE_BUF - 1, PIPE_BUF, PIPE_BUF + 1, max]),
    ]
}

/// An access mode.
fn access() -> impl Strategy<Value = Access> {
    prop_oneof![
        Just(Access::Read),
        Just(Access::Write),
        Just(Access::ReadWrite)
    ]
}

/// The arguments of an `open`: mostly with `O_CREAT`, sometimes `O_EXCL`, `O_TRUNC`,
/// `O_APPEND`, `O_NONBLOCK`; half the time `O_CLOEXEC`.
fn open_spec() -> impl Strategy<Value = OpenSpec> {
    (
        0..PATHS.len(),
        access(),
        prop::bool::weighted(0.6),
        prop::bool::weighted(0.1),
        prop::bool::weighted(0.2),
        prop::bool::weighted(0.2),
        prop::bool::weighted(0.3),
        any::<bool>(),
    )
        .prop_map(
            |(path, access, creat, excl, trunc, append, nonblock, cloexec)| OpenSpec {
                path,
                access,
                creat,
                excl,
                trunc,
                append,
                nonblock,
                cloexec,
            },
        )
}

/// A child's standard stream.
fn stdio_spec() -> impl Strategy<Value = StdioSpec> {
    prop_oneof![
        3 => Just(StdioSpec::Inherit),
        4 => fd_ref().prop_map(StdioSpec::Fd),
        1 => Just(StdioSpec::Null),
        2 => Just(StdioSpec::Piped),
    ]
}

/// A child's standard input, output and error.
fn stdio3() -> impl Strategy<Value = [StdioSpec; 3]> {
    (stdio_spec(), stdio_spec(), stdio_spec()).prop_map(|(a, b, c)| [a, b, c])
}

/// A call of a synchronous child.
fn child_op() -> impl Strategy<Value = ChildOp> {
    prop_oneof![
        4 => (fd_ref(), length(6000), any::<bool>())
            .prop_map(|(fd, max, zero_copy)| ChildOp::Read { fd, max, zero_copy }),
        4 => (fd_ref(), length(5000), any::<bool>())
            .prop_map(|(fd, len, zero_copy)| ChildOp::Write { fd, len, zero_copy }),
        2 => fd_ref().prop_map(ChildOp::Close),
        1 => fd_ref().prop_map(ChildOp::Dup),
        1 => (0..5 as Tick).prop_map(ChildOp::Sleep),
        1 => (0..4u8).prop_map(ChildOp::Exit),
    ]
}

/// Where an `lseek` counts from.
fn whence() -> impl Strategy<Value = Whence> {
    prop_oneof![Just(Whence::Set), Just(Whence::Cur), Just(Whence::End)]
}

/// An operation of the parent, weighted towards pipes, opens, reads and writes.
fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        3 => Just(Op::Pipe),
        4 => (any::<bool>(), any::<bool>(), any::<bool>(), prop::bool::weighted(0.05))
            .prop_map(|(cloexec, nonblock, small, bogus)| Op::Pipe2 {
                cloexec,
                nonblock,
                small,
                bogus,
            }),
        6 => open_spec().prop_map(Op::Open),
        2 => (0..TMP_PATHS).prop_map(Op::Mkfifo),
        1 => (0..TMP_PATHS).prop_map(Op::Unlink),
        5 => fd_ref().prop_map(Op::Close),
        2 => fd_ref().prop_map(Op::Dup),
        2 => (fd_ref(), target()).prop_map(|(fd, to)| Op::Dup2(fd, to)),
        1 => (fd_ref(), target(), prop::bool::weighted(0.1))
            .prop_map(|(fd, to, bogus)| Op::Dup3(fd, to, bogus)),
        1 => (fd_ref(), target(), any::<bool>())
            .prop_map(|(fd, min, cloexec)| Op::DupFd { fd, min, cloexec }),
        8 => (fd_ref(), length(5000), any::<bool>())
            .prop_map(|(fd, len, zero_copy)| Op::Write { fd, len, zero_copy }),
        7 => (fd_ref(), length(6000), any::<bool>())
            .prop_map(|(fd, max, zero_copy)| Op::Read { fd, max, zero_copy }),
        2 => (fd_ref(), -10..6000i64, whence()).prop_map(|(fd, off, w)| Op::Lseek(fd, off, w)),
        2 => (fd_ref(), any::<bool>()).prop_map(|(fd, on)| Op::SetCloexec(fd, on)),
        2 => (fd_ref(), any::<bool>(), any::<bool>())
            .prop_map(|(fd, append, nonblock)| Op::SetFl { fd, append, nonblock }),
        1 => (fd_ref(), prop::sample::select(vec![0usize, 4096, 5000, 8192, 65536]))
            .prop_map(|(fd, size)| Op::SetPipeSize(fd, size)),
        2 => fd_ref().prop_map(Op::Inspect),
        2 => prop::collection::vec((fd_ref(), any::<bool>(), any::<bool>()), 1..4)
            .prop_map(Op::Poll),
        3 => (stdio3(), prop::collection::vec(child_op(), 0..6))
            .prop_map(|(stdio, program)| Op::Spawn { stdio, program }),
        2 => stdio3().prop_map(Op::Hold),
        1 => Just(Op::Wait),
        1 => (0..=20000usize, 1..=5000usize, any::<bool>())
            .prop_map(|(len, chunk, small)| Op::Filter { len, chunk, small }),
    ]
}

/// How the parent ends.
fn ending() -> impl Strategy<Value = Ending> {
    prop_oneof![
        Just(Ending::CloseAllThenWait),
        Just(Ending::WaitThenExit),
        Just(Ending::ExitAtOnce),
    ]
}

// ---------------------------------------------------------------------------------------
// Concrete calls with predicted outcomes
// ---------------------------------------------------------------------------------------

/// Bytes, shown by length and first bytes (a failure report stays readable).
#[derive(Clone, PartialEq, Eq)]
struct Data(Vec<u8>);

impl fmt::Debug for Data {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let head: Vec<u8> = self.0.iter().take(6).copied().collect();
        write!(f, "{} bytes {head:?}", self.0.len())
    }
}

/// The bytes of the `seq`-th write: a pattern that differs from one write to the next, so
/// that lost, repeated or reordered bytes show.
fn pattern(seq: u64, len: usize) -> Vec<u8> {
    (0..len as u64)
        .map(|i| (seq.wrapping_mul(131).wrapping_add(i * 7) % 251) as u8)
        .collect()
}

/// What `stat` of a path shows here: the kind and size.
type Kind = (FileType, u64);

/// The standard-stream ends a spawn gives the parent.
type Ends = [Option<Fd>; 3];

/// A system call with the outcome the model predicts for it.
#[derive(Clone, Debug)]
enum Call {
    Pipe2 {
        flags: OpenFlags,
        expect: Result<(Fd, Fd), Errno>,
    },
    Open {
        path: &'static str,
        flags: OpenFlags,
        expect: Result<Fd, Errno>,
    },
    Mkfifo {
        path: &'static str,
        expect: Result<(), Errno>,
    },
    Unlink {
        path: &'static str,
        expect: Result<(), Errno>,
    },
    Close {
        fd: Fd,
        expect: Result<(), Errno>,
    },
    Dup {
        fd: Fd,
        expect: Result<Fd, Errno>,
    },
    Dup2 {
        old: Fd,
        new: Fd,
        expect: Result<Fd, Errno>,
    },
    Dup3 {
        old: Fd,
        new: Fd,
        flags: OpenFlags,
        expect: Result<Fd, Errno>,
    },
    Fcntl {
        fd: Fd,
        command: Fcntl,
        expect: Result<u64, Errno>,
    },
    Read {
        fd: Fd,
        max: usize,
        zero_copy: bool,
        expect: Result<Data, Errno>,
    },
    Write {
        fd: Fd,
        seq: u64,
        len: usize,
        zero_copy: bool,
        expect: Result<usize, Errno>,
    },
    Lseek {
        fd: Fd,
        offset: i64,
        whence: Whence,
        expect: Result<u64, Errno>,
    },
    /// `fstat`: the kind, size and (for regular files) link count.
    Fstat {
        fd: Fd,
        expect: Result<(FileType, u64, Option<u64>), Errno>,
    },
    /// `ioctl(FIONREAD)`: the bytes a read could take now.
    Fionread {
        fd: Fd,
        expect: Result<usize, Errno>,
    },
    /// `poll` with a timeout of 0: how many entries have events, and their `revents`.
    Poll {
        fds: Vec<(Fd, PollEvents)>,
        expect: (usize, Vec<PollEvents>),
    },
    /// Spawn a child running `program`, then wait for it: it must exit with `exit`.
    Spawn {
        stdio: [Stdio; 3],
        program: Vec<Call>,
        exit: u8,
        expect: Result<Ends, Errno>,
    },
    /// Spawn a holder.
    Hold {
        stdio: [Stdio; 3],
        expect: Result<Ends, Errno>,
    },
    /// [`Op::Filter`] on pipes (r1, w1) and (r2, w2) made at these numbers.
    Filter {
        fds: [Fd; 4],
        len: usize,
        chunk: usize,
        small: bool,
        seq: u64,
    },
    /// Wait for this many holders, then expect ECHILD.
    Wait {
        holders: usize,
    },
    Sleep(Tick),
    Exit(u8),
    /// The process's open descriptors must be these.
    CheckFds(Vec<u32>),
    /// Not made: the model says it would wait (for ever, or for a holder), or it is one of
    /// the corners where the kernel differs from Linux ([`KERNEL_MATCHES_LINUX_CORNERS`]).
    Skip(&'static str),
}

// ---------------------------------------------------------------------------------------
// The reference model
// ---------------------------------------------------------------------------------------

/// A process of the model: 0 is the parent.
type Key = usize;
type DescId = usize;
type PipeId = usize;
type NodeId = usize;

/// One descriptor: its open file description and close-on-exec flag.
#[derive(Clone, Copy, Debug)]
struct Entry {
    desc: DescId,
    cloexec: bool,
}

/// What a description reads and writes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Object {
    PipeRead(PipeId),
    PipeWrite(PipeId),
    /// A FIFO opened `O_RDWR`.
    PipeBoth(PipeId),
    File(NodeId),
    Null,
}

impl Object {
    /// The pipe it is an end of, if any.
    fn pipe(self) -> Option<PipeId> {
        match self {
            Object::PipeRead(p) | Object::PipeWrite(p) | Object::PipeBoth(p) => Some(p),
            Object::File(_) | Object::Null => None,
        }
    }
}

/// An open file description.
#[derive(Debug)]
struct Desc {
    object: Object,
    /// Access mode and status flags ([`KEPT`]).
    flags: OpenFlags,
    offset: u64,
    /// Descriptors pointing at it, in every process.
    refs: usize,
    /// What `/proc/<pid>/fd` shows: the path it was opened by; `None` for an anonymous
    /// pipe (`pipe:[id]`, learned from the kernel).
    path: Option<&'static str>,
    /// A FIFO's read end opened without waiting while no writer was open: no POLLHUP
    /// while the FIFO's count of write opens is still this.
    quiet_until: Option<u64>,
}

/// A pipe: its bytes and capacity, and the FIFO it belongs to.
#[derive(Debug)]
struct PipeModel {
    buf: VecDeque<u8>,
    capacity: usize,
    fifo: Option<NodeId>,
    /// How many times the FIFO's pipe was opened for writing.
    write_opens: u64,
}

/// A filesystem node.
#[derive(Debug)]
enum Node {
    File(Vec<u8>),
    /// A FIFO and the pipe of its current opening, if any end is open.
    Fifo(Option<PipeId>),
}

/// Descriptor tables, descriptions, pipes and files, as the kernel should have them.
#[derive(Default)]
struct Model {
    tables: BTreeMap<Key, BTreeMap<u32, Entry>>,
    next_key: Key,
    /// Live holders, in spawn order.
    holders: Vec<Key>,
    descs: HashMap<DescId, Desc>,
    next_desc: DescId,
    pipes: HashMap<PipeId, PipeModel>,
    next_pipe: PipeId,
    nodes: Vec<Node>,
    /// The `/tmp` names and the nodes they link.
    names: BTreeMap<&'static str, NodeId>,
    /// Writes so far, to give each its own bytes.
    writes: u64,
    /// The kernel's `pipe:[id]` of each live pipe, learned from `descriptors()`.
    labels: HashMap<PipeId, String>,
}

/// The most common prediction, shortened.
const EBADF: Errno = Errno::EBADF;

impl Model {
    /// A model with only the parent, which has no descriptors (as a process the host
    /// spawns).
    fn new() -> Self {
        let mut model = Model::default();
        model.tables.insert(0, BTreeMap::new());
        model.next_key = 1;
        model
    }

    /// The descriptor table of process `key`.
    fn table(&self, key: Key) -> &BTreeMap<u32, Entry> {
        &self.tables[&key]
    }

    /// Whether `entry` suits a call that does `what` with it.
    fn suits(&self, entry: Entry, what: Use) -> bool {
        let d = self.desc(entry.desc);
        match what {
            Use::Any => true,
            Use::Read => !d.flags.contains(OpenFlags::WRONLY),
            Use::Write => d.flags.intersects(OpenFlags::WRONLY | OpenFlags::RDWR),
            Use::Seek => matches!(d.object, Object::File(_)),
            Use::Pipe => d.object.pipe().is_some(),
        }
    }

    /// The number an [`FdRef`] names in process `key`, for a call that does `what`.
    fn resolve(&self, key: Key, r: FdRef, what: Use) -> Fd {
        let table = self.table(key);
        let nth = |fds: Vec<u32>, n: u8| Fd(fds[usize::from(n) % fds.len()]);
        match r {
            FdRef::Suited(n) => {
                let suited: Vec<u32> = table
                    .iter()
                    .filter(|(_, e)| self.suits(**e, what))
                    .map(|(&fd, _)| fd)
                    .collect();
                if suited.is_empty() {
                    self.resolve(key, FdRef::Open(n), what)
                } else {
                    nth(suited, n)
                }
            }
            FdRef::Open(n) if !table.is_empty() => nth(table.keys().copied().collect(), n),
            FdRef::Open(n) | FdRef::Raw(n) => Fd(u32::from(n) % RAW_FD_MAX),
        }
    }

    /// The entry of `fd` in `key`'s table, if open.
    fn entry(&self, key: Key, fd: Fd) -> Option<Entry> {
        self.table(key).get(&fd.0).copied()
    }

    /// A live description.
    fn desc(&self, id: DescId) -> &Desc {
        &self.descs[&id]
    }

    /// A live description, to change.
    fn desc_mut(&mut self, id: DescId) -> &mut Desc {
        self.descs.get_mut(&id).expect("a live description")
    }

    /// The lowest number ≥ `min` that is free in `key`'s table.
    fn lowest_free(&self, key: Key, min: u32) -> u32 {
        let table = self.table(key);
        (min..)
            .find(|n| !table.contains_key(n))
            .expect("a free number")
    }

    /// A new description, not yet referenced.
    fn new_desc(&mut self, object: Object, flags: OpenFlags, path: Option<&'static str>) -> DescId {
        let id = self.next_desc;
        self.next_desc += 1;
        self.descs.insert(
            id,
            Desc {
                object,
                flags: flags & KEPT,
                offset: 0,
                refs: 0,
                path,
                quiet_until: None,
            },
        );
        id
    }

    /// A new, empty pipe of the default capacity (of the FIFO `fifo`, if any).
    fn new_pipe(&mut self, fifo: Option<NodeId>) -> PipeId {
        let id = self.next_pipe;
        self.next_pipe += 1;
        self.pipes.insert(
            id,
            PipeModel {
                buf: VecDeque::new(),
                capacity: PIPE_CAPACITY,
                fifo,
                write_opens: 0,
            },
        );
        id
    }

    /// Installs `desc` at the lowest free number ≥ `min` of `key`.
    fn install(&mut self, key: Key, desc: DescId, cloexec: bool, min: u32) -> Fd {
        let fd = self.lowest_free(key, min);
        self.put(key, Fd(fd), desc, cloexec);
        Fd(fd)
    }

    /// Makes `fd` of `key` point at `desc`, releasing what it pointed at.
    fn put(&mut self, key: Key, fd: Fd, desc: DescId, cloexec: bool) {
        self.desc_mut(desc).refs += 1;
        let old = self
            .tables
            .get_mut(&key)
            .expect("a live process")
            .insert(fd.0, Entry { desc, cloexec });
        if let Some(old) = old {
            self.release(old.desc);
        }
    }

    /// Removes `fd` from `key`'s table; false if it was not open.
    fn remove(&mut self, key: Key, fd: Fd) -> bool {
        let entry = self
            .tables
            .get_mut(&key)
            .expect("a live process")
            .remove(&fd.0);
        match entry {
            Some(entry) => {
                self.release(entry.desc);
                true
            }
            None => false,
        }
    }

    /// One descriptor fewer on `desc`: the last one closes it, and a pipe with no end
    /// left goes (a FIFO's next open makes a new one).
    fn release(&mut self, desc: DescId) {
        let d = self.desc_mut(desc);
        d.refs -= 1;
        if d.refs > 0 {
            return;
        }
        let object = d.object;
        self.descs.remove(&desc);
        let Some(pipe) = object.pipe() else { return };
        if self.descs.values().any(|d| d.object.pipe() == Some(pipe)) {
            return;
        }
        let gone = self.pipes.remove(&pipe).expect("a live pipe");
        self.labels.remove(&pipe);
        if let Some(node) = gone.fifo
            && let Some(Node::Fifo(current)) = self.nodes.get_mut(node)
            && *current == Some(pipe)
        {
            *current = None;
        }
    }

    /// Open read ends of `pipe` (descriptions, in any process).
    fn readers(&self, pipe: PipeId) -> usize {
        self.descs
            .values()
            .filter(|d| matches!(d.object, Object::PipeRead(p) | Object::PipeBoth(p) if p == pipe))
            .count()
    }

    /// Open write ends of `pipe`.
    fn writers(&self, pipe: PipeId) -> usize {
        self.descs
            .values()
            .filter(|d| matches!(d.object, Object::PipeWrite(p) | Object::PipeBoth(p) if p == pipe))
            .count()
    }

    /// Drops every descriptor of `key` (the process exits).
    fn exit(&mut self, key: Key) {
        let table = self.tables.remove(&key).expect("a live process");
        for entry in table.into_values() {
            self.release(entry.desc);
        }
    }

    // --- calls -------------------------------------------------------------------------

    /// `pipe2` with `flags`: CLOEXEC and NONBLOCK, anything else is EINVAL.
    fn pipe2(&mut self, key: Key, flags: OpenFlags) -> Call {
        if !(OpenFlags::CLOEXEC | OpenFlags::NONBLOCK).contains(flags) {
            return Call::Pipe2 {
                flags,
                expect: Err(Errno::EINVAL),
            };
        }
        let cloexec = flags.contains(OpenFlags::CLOEXEC);
        let status = flags & OpenFlags::NONBLOCK;
        let pipe = self.new_pipe(None);
        let r = self.new_desc(Object::PipeRead(pipe), status, None);
        let w = self.new_desc(Object::PipeWrite(pipe), status | OpenFlags::WRONLY, None);
        let rfd = self.install(key, r, cloexec, 0);
        let wfd = self.install(key, w, cloexec, 0);
        Call::Pipe2 {
            flags,
            expect: Ok((rfd, wfd)),
        }
    }

    /// `open`: `/dev/null`, a regular file (made by `CREAT`, emptied by `TRUNC`) or a
    /// FIFO (see [`open_fifo`](Model::open_fifo)).
    fn open(&mut self, key: Key, spec: OpenSpec) -> Call {
        let path = PATHS[spec.path % PATHS.len()];
        let mut flags = spec.flags();
        let excl = flags.contains(OpenFlags::CREAT | OpenFlags::EXCL);
        let cloexec = flags.contains(OpenFlags::CLOEXEC);
        let expect = if path == "/dev/null" {
            if excl {
                Err(Errno::EEXIST)
            } else {
                let d = self.new_desc(Object::Null, flags, Some(path));
                Ok(self.install(key, d, cloexec, 0))
            }
        } else {
            match self.names.get(path).copied() {
                None if !flags.contains(OpenFlags::CREAT) => Err(Errno::ENOENT),
                None => {
                    let node = self.nodes.len();
                    self.nodes.push(Node::File(Vec::new()));
                    self.names.insert(path, node);
                    let d = self.new_desc(Object::File(node), flags, Some(path));
                    Ok(self.install(key, d, cloexec, 0))
                }
                Some(_) if excl => Err(Errno::EEXIST),
                Some(node) => match &mut self.nodes[node] {
                    Node::File(bytes) => {
                        if flags.contains(OpenFlags::TRUNC) {
                            bytes.clear();
                        }
                        let d = self.new_desc(Object::File(node), flags, Some(path));
                        Ok(self.install(key, d, cloexec, 0))
                    }
                    Node::Fifo(current) => {
                        let current = *current;
                        self.open_fifo(key, node, current, path, &mut flags)
                    }
                },
            }
        };
        Call::Open {
            path,
            flags,
            expect,
        }
    }

    /// Opens the FIFO `node` whose live pipe is `current`. A blocking open that would
    /// wait for its partner is made non-blocking (`flags` gets `NONBLOCK`).
    fn open_fifo(
        &mut self,
        key: Key,
        node: NodeId,
        current: Option<PipeId>,
        path: &'static str,
        flags: &mut OpenFlags,
    ) -> Result<Fd, Errno> {
        let readers = current.map_or(0, |p| self.readers(p));
        let writers = current.map_or(0, |p| self.writers(p));
        let object = if flags.contains(OpenFlags::RDWR) {
            Object::PipeBoth
        } else if flags.contains(OpenFlags::WRONLY) {
            if readers == 0 {
                *flags |= OpenFlags::NONBLOCK;
                return Err(Errno::ENXIO);
            }
            Object::PipeWrite
        } else {
            if writers == 0 {
                *flags |= OpenFlags::NONBLOCK;
            }
            Object::PipeRead
        };
        let pipe = match current {
            Some(p) => p,
            None => {
                let p = self.new_pipe(Some(node));
                self.nodes[node] = Node::Fifo(Some(p));
                p
            }
        };
        let pipe_model = self.pipes.get_mut(&pipe).expect("a live pipe");
        if object(pipe) != Object::PipeRead(pipe) {
            pipe_model.write_opens += 1;
        }
        let quiet = (object(pipe) == Object::PipeRead(pipe) && writers == 0)
            .then_some(pipe_model.write_opens);
        let d = self.new_desc(object(pipe), *flags, Some(path));
        self.desc_mut(d).quiet_until = quiet;
        Ok(self.install(key, d, flags.contains(OpenFlags::CLOEXEC), 0))
    }

    /// `mkfifo` of a `/tmp` path; EEXIST.
    fn mkfifo(&mut self, path: usize) -> Call {
        let path = PATHS[path % TMP_PATHS];
        let expect = if self.names.contains_key(path) {
            Err(Errno::EEXIST)
        } else {
            let node = self.nodes.len();
            self.nodes.push(Node::Fifo(None));
            self.names.insert(path, node);
            Ok(())
        };
        Call::Mkfifo { path, expect }
    }

    /// `unlink` of a `/tmp` path (what is open stays open); ENOENT.
    fn unlink(&mut self, path: usize) -> Call {
        let path = PATHS[path % TMP_PATHS];
        let expect = match self.names.remove(path) {
            Some(_) => Ok(()),
            None => Err(Errno::ENOENT),
        };
        Call::Unlink { path, expect }
    }

    /// `close`; EBADF.
    fn close(&mut self, key: Key, fd: Fd) -> Call {
        let expect = if self.remove(key, fd) {
            Ok(())
        } else {
            Err(EBADF)
        };
        Call::Close { fd, expect }
    }

    /// `dup`: the lowest free number, close-on-exec clear; EBADF.
    fn dup(&mut self, key: Key, fd: Fd) -> Call {
        let expect = match self.entry(key, fd) {
            Some(e) => Ok(self.install(key, e.desc, false, 0)),
            None => Err(EBADF),
        };
        Call::Dup { fd, expect }
    }

    /// `dup2` (`flags` `None`) or `dup3` with `flags` (EINVAL for any but `CLOEXEC`).
    fn dup_to(&mut self, key: Key, old: Fd, new: Fd, flags: Option<OpenFlags>) -> Call {
        let cloexec = flags.map(|f| f.contains(OpenFlags::CLOEXEC));
        let expect = match self.entry(key, old) {
            _ if flags.is_some_and(|f| !OpenFlags::CLOEXEC.contains(f)) => Err(Errno::EINVAL),
            _ if old == new && flags.is_some() => Err(Errno::EINVAL),
            None => Err(EBADF),
            Some(_) if old == new => Ok(new),
            Some(_) if new.0 >= OPEN_MAX => Err(EBADF),
            Some(e) => {
                self.put(key, new, e.desc, cloexec.unwrap_or(false));
                Ok(new)
            }
        };
        match flags {
            None => Call::Dup2 { old, new, expect },
            Some(flags) => Call::Dup3 {
                old,
                new,
                flags,
                expect,
            },
        }
    }

    /// `F_DUPFD` / `F_DUPFD_CLOEXEC`: the lowest free number ≥ `min`; EBADF, EINVAL (at or
    /// beyond the limit), EMFILE (none free below it).
    fn dup_fd(&mut self, key: Key, fd: Fd, min: u32, cloexec: bool) -> Call {
        let expect = match self.entry(key, fd) {
            None => Err(EBADF),
            Some(_) if min >= OPEN_MAX => Err(Errno::EINVAL),
            Some(_) if self.lowest_free(key, min) >= OPEN_MAX => Err(Errno::EMFILE),
            Some(e) => Ok(u64::from(self.install(key, e.desc, cloexec, min).0)),
        };
        let command = if cloexec {
            Fcntl::DupFdCloexec(Fd(min))
        } else {
            Fcntl::DupFd(Fd(min))
        };
        Call::Fcntl {
            fd,
            command,
            expect,
        }
    }

    /// `F_SETFD`: the descriptor's own flag.
    fn set_cloexec(&mut self, key: Key, fd: Fd, on: bool) -> Call {
        let table = self.tables.get_mut(&key).expect("a live process");
        let expect = match table.get_mut(&fd.0) {
            Some(e) => {
                e.cloexec = on;
                Ok(0)
            }
            None => Err(EBADF),
        };
        let flags = if on {
            FdFlags::CLOEXEC
        } else {
            FdFlags::empty()
        };
        Call::Fcntl {
            fd,
            command: Fcntl::SetFd(flags),
            expect,
        }
    }

    /// `F_SETFL`: `APPEND` and `NONBLOCK` of the description, shared by its duplicates.
    fn set_fl(&mut self, key: Key, fd: Fd, append: bool, nonblock: bool) -> Call {
        let mut flags = OpenFlags::empty();
        if append {
            flags |= OpenFlags::APPEND;
        }
        if nonblock {
            flags |= OpenFlags::NONBLOCK;
        }
        let expect = match self.entry(key, fd) {
            Some(e) => {
                let d = self.desc_mut(e.desc);
                let settable = OpenFlags::APPEND | OpenFlags::NONBLOCK;
                d.flags = (d.flags - settable) | flags;
                Ok(0)
            }
            None => Err(EBADF),
        };
        // Bits F_SETFL ignores (the access mode, CREAT) must stay ignored.
        let command = Fcntl::SetFl(flags | OpenFlags::RDWR | OpenFlags::CREAT);
        Call::Fcntl {
            fd,
            command,
            expect,
        }
    }

    /// `F_SETPIPE_SZ`: at least 4096, a power of two; EBUSY below what is buffered, EBADF
    /// for what is not a pipe.
    fn set_pipe_size(&mut self, key: Key, fd: Fd, size: usize) -> Call {
        let expect = match self.entry(key, fd) {
            None => Err(EBADF),
            Some(e) => match self.desc(e.desc).object.pipe() {
                None => Err(EBADF),
                Some(p) => {
                    let capacity = size.max(4096).next_power_of_two();
                    let pipe = self.pipes.get_mut(&p).expect("a live pipe");
                    if capacity < pipe.buf.len() {
                        Err(Errno::EBUSY)
                    } else {
                        pipe.capacity = capacity;
                        Ok(capacity as u64)
                    }
                }
            },
        };
        Call::Fcntl {
            fd,
            command: Fcntl::SetPipeSize(size),
            expect,
        }
    }

    /// `F_GETFD`, `F_GETFL`, `F_GETPIPE_SZ`, `fstat` and `FIONREAD` of `fd`.
    fn inspect(&self, key: Key, fd: Fd) -> Vec<Call> {
        let Some(e) = self.entry(key, fd) else {
            return vec![
                Call::Fcntl {
                    fd,
                    command: Fcntl::GetFd,
                    expect: Err(EBADF),
                },
                Call::Fcntl {
                    fd,
                    command: Fcntl::GetFl,
                    expect: Err(EBADF),
                },
                Call::Fcntl {
                    fd,
                    command: Fcntl::GetPipeSize,
                    expect: Err(EBADF),
                },
                Call::Fstat {
                    fd,
                    expect: Err(EBADF),
                },
                Call::Fionread {
                    fd,
                    expect: Err(EBADF),
                },
            ];
        };
        let d = self.desc(e.desc);
        let pipe = d.object.pipe().map(|p| &self.pipes[&p]);
        let stat = match d.object {
            // Size 0, as on Linux, for a FIFO and an anonymous pipe alike.
            Object::PipeRead(_) | Object::PipeWrite(_) | Object::PipeBoth(_) => {
                (FileType::Fifo, 0, None)
            }
            Object::File(node) => {
                let Node::File(bytes) = &self.nodes[node] else {
                    unreachable!("a file description on a FIFO node")
                };
                let linked = self.names.values().any(|&n| n == node);
                (
                    FileType::Regular,
                    bytes.len() as u64,
                    Some(u64::from(linked)),
                )
            }
            Object::Null => (FileType::CharDevice, 0, None),
        };
        let ready = match d.object {
            Object::PipeRead(_) | Object::PipeWrite(_) | Object::PipeBoth(_) => {
                Ok(pipe.map_or(0, |p| p.buf.len()))
            }
            Object::File(_) => Ok((stat.1.saturating_sub(d.offset)) as usize),
            Object::Null => Err(Errno::ENOTTY),
        };
        vec![
            Call::Fcntl {
                fd,
                command: Fcntl::GetFd,
                expect: Ok(u64::from(e.cloexec)),
            },
            Call::Fcntl {
                fd,
                command: Fcntl::GetFl,
                expect: Ok(u64::from(d.flags.bits())),
            },
            Call::Fcntl {
                fd,
                command: Fcntl::GetPipeSize,
                expect: pipe.map_or(Err(EBADF), |p| Ok(p.capacity as u64)),
            },
            Call::Fstat {
                fd,
                expect: Ok(stat),
            },
            Call::Fionread { fd, expect: ready },
        ]
    }

    /// What `desc` is ready for now (before masking by the events asked).
    fn readiness(&self, desc: &Desc) -> PollEvents {
        let read = |p: PipeId| {
            let pipe = &self.pipes[&p];
            let hung_up = self.writers(p) == 0 && desc.quiet_until != Some(pipe.write_opens);
            let mut events = PollEvents::empty();
            if !pipe.buf.is_empty() || hung_up {
                events |= PollEvents::POLLIN;
            }
            if hung_up {
                events |= PollEvents::POLLHUP;
            }
            events
        };
        let write = |p: PipeId| {
            let pipe = &self.pipes[&p];
            let mut events = PollEvents::empty();
            if pipe.capacity - pipe.buf.len() >= PIPE_BUF {
                events |= PollEvents::POLLOUT;
            }
            if self.readers(p) == 0 {
                events |= PollEvents::POLLERR;
            }
            events
        };
        match desc.object {
            Object::PipeRead(p) => read(p),
            Object::PipeWrite(p) => write(p),
            Object::PipeBoth(p) => read(p) | write(p),
            Object::File(_) | Object::Null => PollEvents::POLLIN | PollEvents::POLLOUT,
        }
    }

    /// `poll` of `fds` without waiting.
    fn poll(&self, key: Key, fds: Vec<(Fd, PollEvents)>) -> Call {
        let always = PollEvents::POLLHUP | PollEvents::POLLERR;
        let revents: Vec<PollEvents> = fds
            .iter()
            .map(|&(fd, events)| match self.entry(key, fd) {
                None => PollEvents::POLLNVAL,
                Some(e) => self.readiness(self.desc(e.desc)) & (events | always),
            })
            .collect();
        let ready = revents.iter().filter(|r| !r.is_empty()).count();
        Call::Poll {
            fds,
            expect: (ready, revents),
        }
    }

    /// `lseek` of a regular file (ESPIPE on pipes, EINVAL for a negative result).
    fn lseek(&mut self, key: Key, fd: Fd, offset: i64, whence: Whence) -> Call {
        let expect = match self.entry(key, fd) {
            None => Err(EBADF),
            Some(e) => {
                let object = self.desc(e.desc).object;
                let end = match object {
                    Object::File(node) => match &self.nodes[node] {
                        Node::File(bytes) => Some(bytes.len() as u64),
                        Node::Fifo(_) => unreachable!("a file description on a FIFO node"),
                    },
                    // Linux's /dev/null stays at 0 whatever is asked.
                    Object::Null => {
                        return Call::Lseek {
                            fd,
                            offset,
                            whence,
                            expect: Ok(0),
                        };
                    }
                    _ => None,
                };
                match end {
                    None => Err(Errno::ESPIPE),
                    Some(end) => {
                        let d = self.desc_mut(e.desc);
                        let base = match whence {
                            Whence::Set => 0,
                            Whence::Cur => d.offset,
                            Whence::End => end,
                        };
                        let to = base as i64 + offset;
                        if to < 0 {
                            Err(Errno::EINVAL)
                        } else {
                            d.offset = to as u64;
                            Ok(to as u64)
                        }
                    }
                }
            }
        };
        Call::Lseek {
            fd,
            offset,
            whence,
            expect,
        }
    }

    /// A read of up to `max` bytes: the bytes it gives (applied to the model), or a skip
    /// when it would wait.
    fn read(&mut self, key: Key, fd: Fd, max: usize, zero_copy: bool) -> Call {
        let call = |expect| Call::Read {
            fd,
            max,
            zero_copy,
            expect,
        };
        let Some(e) = self.entry(key, fd) else {
            return call(Err(EBADF));
        };
        let d = self.desc(e.desc);
        if d.flags.contains(OpenFlags::WRONLY) {
            return call(Err(EBADF));
        }
        let nonblocking = d.flags.contains(OpenFlags::NONBLOCK);
        let (object, offset) = (d.object, d.offset);
        match object {
            Object::PipeRead(p) | Object::PipeBoth(p) => {
                let writers = self.writers(p);
                let pipe = self.pipes.get_mut(&p).expect("a live pipe");
                if max == 0 {
                    call(Ok(Data(Vec::new())))
                } else if !pipe.buf.is_empty() {
                    let n = max.min(pipe.buf.len());
                    call(Ok(Data(pipe.buf.drain(..n).collect())))
                } else if writers == 0 {
                    call(Ok(Data(Vec::new())))
                } else if nonblocking {
                    call(Err(Errno::EAGAIN))
                } else {
                    Call::Skip("a blocking read of an empty pipe with a writer would wait")
                }
            }
            Object::File(node) => {
                let Node::File(bytes) = &self.nodes[node] else {
                    unreachable!("a file description on a FIFO node")
                };
                let start = (offset as usize).min(bytes.len());
                let end = start + max.min(bytes.len() - start);
                let data = bytes[start..end].to_vec();
                self.desc_mut(e.desc).offset = offset + data.len() as u64;
                call(Ok(Data(data)))
            }
            Object::Null => call(Ok(Data(Vec::new()))),
            Object::PipeWrite(_) => unreachable!("a write end is opened WRONLY"),
        }
    }

    /// A write of `len` bytes: how many it writes (applied to the model), or a skip when
    /// it would wait.
    fn write(&mut self, key: Key, fd: Fd, len: usize, zero_copy: bool) -> Call {
        let seq = self.writes;
        self.writes += 1;
        let call = |expect| Call::Write {
            fd,
            seq,
            len,
            zero_copy,
            expect,
        };
        let Some(e) = self.entry(key, fd) else {
            return call(Err(EBADF));
        };
        let d = self.desc(e.desc);
        if !d.flags.intersects(OpenFlags::WRONLY | OpenFlags::RDWR) {
            return call(Err(EBADF));
        }
        let nonblocking = d.flags.contains(OpenFlags::NONBLOCK);
        let append = d.flags.contains(OpenFlags::APPEND);
        let (object, offset) = (d.object, d.offset);
        let data = pattern(seq, len);
        match object {
            Object::PipeWrite(p) | Object::PipeBoth(p) => {
                let readers = self.readers(p);
                let pipe = self.pipes.get_mut(&p).expect("a live pipe");
                let room = pipe.capacity - pipe.buf.len();
                let n = if len == 0 {
                    return call(Ok(0));
                } else if readers == 0 {
                    return call(Err(Errno::EPIPE));
                } else if room >= len {
                    len
                } else if !nonblocking {
                    return Call::Skip("a blocking write into a full pipe would wait");
                } else if len <= PIPE_BUF || room == 0 {
                    return call(Err(Errno::EAGAIN));
                } else {
                    room
                };
                pipe.buf.extend(&data[..n]);
                call(Ok(n))
            }
            // Linux: an empty write changes nothing, the offset included.
            Object::File(_) if len == 0 => call(Ok(0)),
            Object::File(node) => {
                let Node::File(bytes) = &mut self.nodes[node] else {
                    unreachable!("a file description on a FIFO node")
                };
                let at = if append { bytes.len() } else { offset as usize };
                if len > 0 {
                    if bytes.len() < at + len {
                        bytes.resize(at + len, 0);
                    }
                    bytes[at..at + len].copy_from_slice(&data);
                }
                self.desc_mut(e.desc).offset = (at + len) as u64;
                call(Ok(len))
            }
            Object::Null => call(Ok(len)),
            Object::PipeRead(_) => unreachable!("a read end is opened RDONLY"),
        }
    }

    /// The child's standard streams: the `Stdio` values, or EBADF when one names a
    /// descriptor the parent does not have.
    fn stdio(&self, specs: [StdioSpec; 3]) -> ([Stdio; 3], bool) {
        let mut ok = true;
        let stdio = specs.map(|spec| match spec {
            StdioSpec::Inherit => Stdio::Inherit,
            StdioSpec::Null => Stdio::Null,
            StdioSpec::Piped => Stdio::Piped,
            StdioSpec::Fd(r) => {
                let fd = self.resolve(0, r, Use::Any);
                ok &= self.entry(0, fd).is_some();
                Stdio::Fd(fd)
            }
        });
        (stdio, ok)
    }

    /// Spawns a child of the parent with `stdio`: its table (the parent's descriptors
    /// without close-on-exec, then the standard streams) and the parent's ends.
    fn spawn(&mut self, stdio: [Stdio; 3]) -> (Key, Ends) {
        let key = self.next_key;
        self.next_key += 1;
        let inherited: Vec<(u32, Entry)> = self
            .table(0)
            .iter()
            .filter(|(_, e)| !e.cloexec)
            .map(|(&n, &e)| (n, e))
            .collect();
        self.tables.insert(key, BTreeMap::new());
        for (n, e) in inherited {
            self.put(key, Fd(n), e.desc, false);
        }
        let mut parent_ends: [Option<DescId>; 3] = [None; 3];
        for (n, s) in stdio.iter().enumerate() {
            let desc = match *s {
                Stdio::Inherit => continue,
                Stdio::Fd(fd) => self.entry(0, fd).expect("checked").desc,
                Stdio::Null => self.new_desc(Object::Null, OpenFlags::RDWR, Some("/dev/null")),
                Stdio::Tty(_) => unreachable!("the model opens no terminal"),
                Stdio::Piped => {
                    let pipe = self.new_pipe(None);
                    let (child, parent) = if n == 0 {
                        (
                            (Object::PipeRead(pipe), OpenFlags::RDONLY),
                            (Object::PipeWrite(pipe), OpenFlags::WRONLY),
                        )
                    } else {
                        (
                            (Object::PipeWrite(pipe), OpenFlags::WRONLY),
                            (Object::PipeRead(pipe), OpenFlags::RDONLY),
                        )
                    };
                    parent_ends[n] = Some(self.new_desc(parent.0, parent.1, None));
                    self.new_desc(child.0, child.1, None)
                }
            };
            self.put(key, Fd(n as u32), desc, false);
        }
        let ends = parent_ends.map(|end| end.map(|d| self.install(0, d, true, 0)));
        (key, ends)
    }

    /// A synchronous child: spawned, its program played at once, and ended.
    fn spawn_sync(&mut self, specs: [StdioSpec; 3], ops: &[ChildOp]) -> Call {
        let (stdio, ok) = self.stdio(specs);
        if !ok {
            return Call::Spawn {
                stdio,
                program: Vec::new(),
                exit: 0,
                expect: Err(EBADF),
            };
        }
        let (key, ends) = self.spawn(stdio);
        let mut program = vec![Call::CheckFds(self.numbers(key))];
        let mut exit = 0;
        for op in ops {
            let call = match *op {
                ChildOp::Read { fd, max, zero_copy } => {
                    let fd = self.resolve(key, fd, Use::Read);
                    self.read(key, fd, max, zero_copy)
                }
                ChildOp::Write { fd, len, zero_copy } => {
                    let fd = self.resolve(key, fd, Use::Write);
                    self.write(key, fd, len, zero_copy)
                }
                ChildOp::Close(fd) => {
                    let fd = self.resolve(key, fd, Use::Any);
                    self.close(key, fd)
                }
                ChildOp::Dup(fd) => {
                    let fd = self.resolve(key, fd, Use::Any);
                    self.dup(key, fd)
                }
                ChildOp::Sleep(ticks) => Call::Sleep(ticks),
                ChildOp::Exit(code) => {
                    exit = code;
                    program.push(Call::Exit(code));
                    break;
                }
            };
            program.push(call);
            program.push(Call::CheckFds(self.numbers(key)));
        }
        self.exit(key);
        Call::Spawn {
            stdio,
            program,
            exit,
            expect: Ok(ends),
        }
    }

    /// A holder: spawned, and kept until [`wait`](Model::wait).
    fn spawn_holder(&mut self, specs: [StdioSpec; 3]) -> Call {
        let (stdio, ok) = self.stdio(specs);
        if !ok {
            return Call::Hold {
                stdio,
                expect: Err(EBADF),
            };
        }
        let (key, ends) = self.spawn(stdio);
        self.holders.push(key);
        Call::Hold {
            stdio,
            expect: Ok(ends),
        }
    }

    /// [`Op::Filter`]: its four descriptors come and go within the call.
    fn filter(&mut self, len: usize, chunk: usize, small: bool) -> Call {
        let mut fds = [Fd(0); 4];
        for half in 0..2 {
            let Call::Pipe2 {
                expect: Ok((r, w)), ..
            } = self.pipe2(0, OpenFlags::CLOEXEC)
            else {
                unreachable!("pipe2 makes a pipe")
            };
            fds[2 * half] = r;
            fds[2 * half + 1] = w;
        }
        for fd in fds {
            self.remove(0, fd);
        }
        let seq = self.writes;
        self.writes += 1;
        Call::Filter {
            fds,
            len,
            chunk,
            small,
            seq,
        }
    }

    /// Every holder exits and is reaped.
    fn wait(&mut self) -> Call {
        let holders = std::mem::take(&mut self.holders);
        for &key in &holders {
            self.exit(key);
        }
        Call::Wait {
            holders: holders.len(),
        }
    }

    /// What `stat` of each `/tmp` path must give: the kind and size, or ENOENT.
    fn names(&self) -> Vec<(&'static str, Result<Kind, Errno>)> {
        PATHS[..TMP_PATHS]
            .iter()
            .map(|&path| {
                let stat = match self.names.get(path).map(|&n| &self.nodes[n]) {
                    None => Err(Errno::ENOENT),
                    Some(Node::File(bytes)) => Ok((FileType::Regular, bytes.len() as u64)),
                    Some(Node::Fifo(_)) => Ok((FileType::Fifo, 0)),
                };
                (path, stat)
            })
            .collect()
    }

    /// The regular files under `/tmp` and their bytes.
    fn files(&self) -> Vec<(&'static str, Vec<u8>)> {
        self.names
            .iter()
            .filter_map(|(&path, &node)| match &self.nodes[node] {
                Node::File(bytes) => Some((path, bytes.clone())),
                Node::Fifo(_) => None,
            })
            .collect()
    }

    /// The open descriptor numbers of `key`.
    fn numbers(&self, key: Key) -> Vec<u32> {
        self.table(key).keys().copied().collect()
    }

    /// The parent's calls for `op`.
    fn plan(&mut self, op: &Op) -> Vec<Call> {
        let fd = |m: &Model, r: FdRef| m.resolve(0, r, Use::Any);
        let call = match *op {
            Op::Pipe => self.pipe2(0, OpenFlags::empty()),
            Op::Pipe2 {
                cloexec,
                nonblock,
                small,
                bogus,
            } => {
                let mut flags = OpenFlags::empty();
                for (on, flag) in [
                    (cloexec, OpenFlags::CLOEXEC),
                    (nonblock, OpenFlags::NONBLOCK),
                    (bogus, OpenFlags::APPEND),
                ] {
                    if on {
                        flags |= flag;
                    }
                }
                let pipe = self.pipe2(0, flags);
                match pipe {
                    Call::Pipe2 {
                        expect: Ok((_, w)), ..
                    } if small => {
                        let resize = self.set_pipe_size(0, w, 0);
                        return vec![pipe, resize];
                    }
                    _ => pipe,
                }
            }
            Op::Open(spec) => self.open(0, spec),
            Op::Mkfifo(path) => self.mkfifo(path),
            Op::Unlink(path) => self.unlink(path),
            Op::Close(r) => self.close(0, fd(self, r)),
            Op::Dup(r) => self.dup(0, fd(self, r)),
            Op::Dup2(r, to) => self.dup_to(0, fd(self, r), Fd(to), None),
            Op::Dup3(r, to, bogus) => {
                let mut flags = OpenFlags::CLOEXEC;
                if bogus {
                    flags |= OpenFlags::NONBLOCK;
                }
                self.dup_to(0, fd(self, r), Fd(to), Some(flags))
            }
            Op::DupFd {
                fd: r,
                min,
                cloexec,
            } => self.dup_fd(0, fd(self, r), min, cloexec),
            Op::Write {
                fd: r,
                len,
                zero_copy,
            } => {
                let fd = self.resolve(0, r, Use::Write);
                self.write(0, fd, len, zero_copy)
            }
            Op::Read {
                fd: r,
                max,
                zero_copy,
            } => {
                let fd = self.resolve(0, r, Use::Read);
                self.read(0, fd, max, zero_copy)
            }
            Op::Lseek(r, offset, whence) => {
                let fd = self.resolve(0, r, Use::Seek);
                self.lseek(0, fd, offset, whence)
            }
            Op::SetCloexec(r, on) => self.set_cloexec(0, fd(self, r), on),
            Op::SetFl {
                fd: r,
                append,
                nonblock,
            } => self.set_fl(0, fd(self, r), append, nonblock),
            Op::SetPipeSize(r, size) => {
                let fd = self.resolve(0, r, Use::Pipe);
                self.set_pipe_size(0, fd, size)
            }
            Op::Inspect(r) => return self.inspect(0, fd(self, r)),
            Op::Poll(ref asks) => {
                let fds = asks
                    .iter()
                    .map(|&(r, read, write)| {
                        let mut events = PollEvents::empty();
                        if read {
                            events |= PollEvents::POLLIN;
                        }
                        if write {
                            events |= PollEvents::POLLOUT;
                        }
                        (fd(self, r), events)
                    })
                    .collect();
                self.poll(0, fds)
            }
            Op::Spawn { stdio, ref program } => self.spawn_sync(stdio, program),
            Op::Hold(stdio) => self.spawn_holder(stdio),
            Op::Wait => self.wait(),
            Op::Filter { len, chunk, small } => self.filter(len, chunk, small),
        };
        vec![call]
    }

    /// Checks the parent's `descriptors()` listing: the numbers, the paths, and for
    /// anonymous pipes one `pipe:[id]` per live pipe (learned on first sight).
    fn check_listing(&mut self, listing: &[(Fd, String)]) -> Result<(), String> {
        let numbers: Vec<u32> = listing.iter().map(|(fd, _)| fd.0).collect();
        if numbers != self.numbers(0) {
            return Err(format!(
                "descriptors {numbers:?}, the model has {:?}",
                self.numbers(0)
            ));
        }
        for (fd, label) in listing {
            let desc = self.desc(self.table(0)[&fd.0].desc);
            match (desc.path, desc.object.pipe()) {
                (Some(path), _) => {
                    if label != path {
                        return Err(format!("descriptor {fd} shows {label:?}, not {path:?}"));
                    }
                }
                (None, Some(pipe)) => match self.labels.get(&pipe) {
                    Some(known) if known == label => {}
                    Some(known) => {
                        return Err(format!(
                            "descriptor {fd} shows {label:?}; its pipe showed {known:?}"
                        ));
                    }
                    None => {
                        if !label.starts_with("pipe:[")
                            || self.labels.values().any(|other| other == label)
                        {
                            return Err(format!(
                                "descriptor {fd} shows {label:?}: not a new pipe's name"
                            ));
                        }
                        self.labels.insert(pipe, label.clone());
                    }
                },
                (None, None) => unreachable!("only pipes have no path"),
            }
        }
        Ok(())
    }
}

// ---------------------------------------------------------------------------------------
// Running calls in virtual processes
// ---------------------------------------------------------------------------------------

/// Compares an outcome with the prediction.
fn expect_eq<T: PartialEq + fmt::Debug>(
    call: &Call,
    got: SysResult<T>,
    expect: &Result<T, Errno>,
) -> Result<(), String> {
    let got = got.map_err(|e| e.errno());
    if &got == expect {
        Ok(())
    } else {
        Err(format!("{call:?} gave {got:?}"))
    }
}

/// Makes one call any process may make (no spawning or waiting) and checks its outcome.
async fn run_call(p: &Proc, call: &Call) -> Result<(), String> {
    match call {
        Call::Pipe2 { flags, expect } => expect_eq(call, p.pipe2(*flags), expect),
        Call::Open {
            path,
            flags,
            expect,
        } => expect_eq(call, p.open(path, *flags, 0o644).await, expect),
        Call::Mkfifo { path, expect } => expect_eq(call, p.mkfifo(path, 0o644), expect),
        Call::Unlink { path, expect } => expect_eq(call, p.unlink(path), expect),
        Call::Close { fd, expect } => expect_eq(call, p.close(*fd), expect),
        Call::Dup { fd, expect } => expect_eq(call, p.dup(*fd), expect),
        Call::Dup2 { old, new, expect } => expect_eq(call, p.dup2(*old, *new), expect),
        Call::Dup3 {
            old,
            new,
            flags,
            expect,
        } => expect_eq(call, p.dup3(*old, *new, *flags), expect),
        Call::Fcntl {
            fd,
            command,
            expect,
        } => expect_eq(call, p.fcntl(*fd, *command), expect),
        Call::Read {
            fd,
            max,
            zero_copy,
            expect,
        } => {
            let got = if *zero_copy {
                p.read_bytes(*fd, *max).await.map(|b| Data(b.to_vec()))
            } else {
                let mut buf = vec![0xEE; *max];
                p.read(*fd, &mut buf).await.map(|n| {
                    buf.truncate(n);
                    Data(buf)
                })
            };
            expect_eq(call, got, expect)
        }
        Call::Write {
            fd,
            seq,
            len,
            zero_copy,
            expect,
        } => {
            let data = pattern(*seq, *len);
            let got = if *zero_copy {
                p.write_bytes(*fd, Bytes::from(data)).await
            } else {
                p.write(*fd, &data).await
            };
            expect_eq(call, got, expect)
        }
        Call::Lseek {
            fd,
            offset,
            whence,
            expect,
        } => expect_eq(call, p.lseek(*fd, *offset, *whence), expect),
        Call::Fstat { fd, expect } => {
            let got = p.fstat(*fd).map(|s| {
                let nlink = (s.kind == FileType::Regular).then_some(s.nlink);
                (s.kind, s.size, nlink)
            });
            expect_eq(call, got, expect)
        }
        Call::Fionread { fd, expect } => expect_eq(call, p.fionread(*fd), expect),
        Call::Poll { fds, expect } => {
            let mut entries: Vec<PollFd> = fds
                .iter()
                .map(|&(fd, events)| PollFd::new(fd, events))
                .collect();
            let got = p
                .poll(&mut entries, Some(0))
                .await
                .map(|ready| (ready, entries.iter().map(|e| e.revents).collect::<Vec<_>>()));
            expect_eq(call, got, &Ok(expect.clone()))
        }
        Call::Sleep(ticks) => {
            p.sleep(*ticks).await;
            Ok(())
        }
        Call::CheckFds(numbers) => {
            let got: Vec<u32> = p.descriptors().iter().map(|(fd, _)| fd.0).collect();
            if &got == numbers {
                Ok(())
            } else {
                Err(format!("descriptors {got:?}, expected {numbers:?}"))
            }
        }
        Call::Skip(_) => Ok(()),
        Call::Spawn { .. }
        | Call::Hold { .. }
        | Call::Wait { .. }
        | Call::Filter { .. }
        | Call::Exit(_) => {
            unreachable!("made by run_parent_call or run_child")
        }
    }
}

/// A synchronous child's program: its calls in order, each checked; a wrong outcome is a
/// panic, which the parent sees as the child's status.
async fn run_child(c: Proc, program: Vec<Call>) {
    for (i, call) in program.iter().enumerate() {
        if let Call::Exit(code) = call {
            match c.exit(i32::from(*code)).await {}
        }
        if let Err(e) = run_call(&c, call).await {
            panic!("child call {i}: {e}\nprogram: {program:#?}");
        }
    }
}

/// The standard streams as a command.
fn command(name: &'static str, stdio: [Stdio; 3]) -> Command {
    Command::new(name)
        .stdin(stdio[0])
        .stdout(stdio[1])
        .stderr(stdio[2])
}

/// The child of [`Op::Filter`]: copies its standard input to its standard output in
/// `chunk`-byte reads.
async fn cat(c: Proc, chunk: usize) {
    loop {
        let data = c.read_bytes(Fd::STDIN, chunk).await.expect("cat reads");
        if data.is_empty() {
            return;
        }
        let n = c.write_bytes(Fd::STDOUT, data.clone()).await;
        assert_eq!(n, Ok(data.len()), "cat writes");
    }
}

/// Runs [`Op::Filter`] (see there).
async fn filter(
    p: &Proc,
    fds: [Fd; 4],
    len: usize,
    chunk: usize,
    small: bool,
    seq: u64,
) -> Result<(), String> {
    let [r1, w1, r2, w2] = fds;
    let ctx = |what: &str, e: vproc_kernel::Error| format!("filter: {what}: {e}");
    let first = p.pipe2(OpenFlags::CLOEXEC).map_err(|e| ctx("pipe2", e))?;
    let second = p.pipe2(OpenFlags::CLOEXEC).map_err(|e| ctx("pipe2", e))?;
    if (first, second) != ((r1, w1), (r2, w2)) {
        return Err(format!(
            "filter: pipes at {first:?} and {second:?}, not {fds:?}"
        ));
    }
    if small {
        let size = p
            .fcntl(w1, Fcntl::SetPipeSize(0))
            .map_err(|e| ctx("resize", e))?;
        if size != 4096 {
            return Err(format!("filter: the small pipe holds {size} bytes"));
        }
    }
    let stdio = [Stdio::Fd(r1), Stdio::Fd(w2), Stdio::Inherit];
    let child = p
        .spawn_fn_child(command("cat", stdio), move |c| cat(c, chunk))
        .map_err(|e| ctx("spawn", e))?;
    p.close(r1).map_err(|e| ctx("close r1", e))?;
    p.close(w2).map_err(|e| ctx("close w2", e))?;
    let data = pattern(seq, len);
    let written = p.write(w1, &data).await.map_err(|e| ctx("write", e))?;
    if written != len {
        return Err(format!("filter: wrote {written} of {len} bytes"));
    }
    p.close(w1).map_err(|e| ctx("close w1", e))?;
    let mut back = Vec::new();
    loop {
        let got = p.read_bytes(r2, chunk).await.map_err(|e| ctx("read", e))?;
        if got.is_empty() {
            break;
        }
        back.extend_from_slice(&got);
    }
    p.close(r2).map_err(|e| ctx("close r2", e))?;
    if back != data {
        return Err(format!(
            "filter: read back {:?} for {:?}",
            Data(back),
            Data(data)
        ));
    }
    let reaped = p
        .waitpid(WaitFor::Pid(child.pid), WaitFlags::empty())
        .await
        .map_err(|e| ctx("wait", e))?;
    match reaped {
        Some((_, ExitStatus::Exited(0))) => Ok(()),
        other => Err(format!("filter: cat ended with {other:?}")),
    }
}

/// Makes one call of the parent, spawning and waiting included; `holders` are the pids
/// of the live holders.
async fn run_parent_call(p: &Proc, call: &Call, holders: &mut Vec<Pid>) -> Result<(), String> {
    match call {
        Call::Spawn {
            stdio,
            program,
            exit,
            expect,
        } => {
            let program = program.clone();
            let spawned =
                p.spawn_fn_child(command("child", *stdio), move |c| run_child(c, program));
            let child = match spawned {
                Ok(child) => child,
                Err(e) => return expect_eq(call, Err::<Ends, _>(e), expect),
            };
            let ends = [child.stdin, child.stdout, child.stderr];
            expect_eq(call, Ok(ends), expect)?;
            let reaped = p
                .waitpid(WaitFor::Pid(child.pid), WaitFlags::empty())
                .await
                .map_err(|e| format!("waiting for child {}: {e}", child.pid))?;
            let status = reaped.map(|(_, status)| status);
            if status != Some(ExitStatus::Exited(*exit)) {
                return Err(format!(
                    "the child exited with {status:?}, not {exit}: {}",
                    match &status {
                        Some(ExitStatus::Panicked(message)) => message.to_string(),
                        _ => String::new(),
                    }
                ));
            }
            Ok(())
        }
        Call::Hold { stdio, expect } => {
            let spawned = p.spawn_fn_child(command("holder", *stdio), |c| async move {
                c.sleep(HOLD).await;
            });
            match spawned {
                Ok(child) => {
                    holders.push(child.pid);
                    expect_eq(call, Ok([child.stdin, child.stdout, child.stderr]), expect)
                }
                Err(e) => expect_eq(call, Err::<Ends, _>(e), expect),
            }
        }
        Call::Filter {
            fds,
            len,
            chunk,
            small,
            seq,
        } => filter(p, *fds, *len, *chunk, *small, *seq).await,
        Call::Wait { holders: count } => {
            if *count != holders.len() {
                return Err(format!("{count} holders in the model, {holders:?} spawned"));
            }
            for _ in 0..*count {
                let (pid, status) = p.wait().await.map_err(|e| format!("wait: {e}"))?;
                let Some(at) = holders.iter().position(|&h| h == pid) else {
                    return Err(format!("wait reaped {pid}, not a holder of {holders:?}"));
                };
                holders.remove(at);
                if status != ExitStatus::Exited(0) {
                    return Err(format!("holder {pid} ended with {status}"));
                }
            }
            let more = p.waitpid(WaitFor::Any, WaitFlags::NOHANG).await;
            expect_eq(call, more, &Err(Errno::ECHILD))
        }
        _ => run_call(p, call).await,
    }
}

/// Checks `stat` of every `/tmp` path against the model.
fn check_names(p: &Proc, model: &Model) -> Result<(), String> {
    for (path, expect) in model.names() {
        let got = p
            .stat(path)
            .map(|s| (s.kind, s.size))
            .map_err(|e| e.errno());
        if got != expect {
            return Err(format!(
                "stat {path} gave {got:?}, the model has {expect:?}"
            ));
        }
    }
    Ok(())
}

/// Checks the offset (`lseek(fd, 0, SEEK_CUR)`) of every descriptor of the parent on a
/// regular file, and what `poll` reports for all its descriptors (POLLIN and POLLOUT
/// asked).
async fn check_offsets_and_readiness(p: &Proc, model: &Model) -> Result<(), String> {
    for (&fd, e) in model.table(0) {
        let d = model.desc(e.desc);
        if let Object::File(_) = d.object {
            let got = p.lseek(Fd(fd), 0, Whence::Cur).map_err(|e| e.errno());
            if got != Ok(d.offset) {
                return Err(format!(
                    "descriptor {fd} is at {got:?}, the model has {}",
                    d.offset
                ));
            }
        }
    }
    let both = PollEvents::POLLIN | PollEvents::POLLOUT;
    let fds: Vec<(Fd, PollEvents)> = model.table(0).keys().map(|&n| (Fd(n), both)).collect();
    let call = model.poll(0, fds);
    run_call(p, &call).await
}

/// Reads every regular file under `/tmp` back through a new descriptor and compares its
/// bytes with the model's.
async fn check_contents(p: &Proc, model: &Model) -> Result<(), String> {
    for (path, bytes) in model.files() {
        let fd = p
            .open(path, OpenFlags::RDONLY, 0)
            .await
            .map_err(|e| format!("opening {path} to check it: {e}"))?;
        let mut buf = vec![0; bytes.len() + 1];
        let n = p
            .read(fd, &mut buf)
            .await
            .map_err(|e| format!("reading {path}: {e}"))?;
        p.close(fd).map_err(|e| format!("closing {path}: {e}"))?;
        if buf[..n] != bytes[..] {
            return Err(format!(
                "{path} holds {:?}, the model has {:?}",
                Data(buf[..n].to_vec()),
                Data(bytes)
            ));
        }
    }
    Ok(())
}

/// Fails the case: `what` went wrong, after the calls in `log`.
fn fail(log: &[String], what: String) -> ! {
    let tail = log.len().saturating_sub(25);
    panic!("{what}\nlast calls:\n{}", log[tail..].join("\n"))
}

/// The parent: plays `ops` against the model and the kernel, checks every outcome and
/// the descriptor listing after each, then ends as `ending` says. Panics on the first
/// difference, with the calls made so far.
async fn parent(p: Proc, ops: Vec<Op>, ending: Ending) {
    // The model expects EPIPE, which a program sees with SIGPIPE ignored (its children
    // inherit that).
    p.signal(Signal::SIGPIPE, Disposition::Ignore)
        .expect("ignore SIGPIPE");
    let mut model = Model::new();
    let mut holders = Vec::new();
    let mut log: Vec<String> = Vec::new();
    for (i, op) in ops.iter().enumerate() {
        for call in model.plan(op) {
            log.push(format!("{i}: {op:?} -> {call:?}"));
            if let Call::Skip(why) = call {
                log.push(format!("{i}: skipped: {why}"));
                continue;
            }
            let before = p.now();
            if let Err(e) = run_parent_call(&p, &call, &mut holders).await {
                fail(&log, format!("op {i}: {e}"));
            }
            if !matches!(call, Call::Wait { .. }) && p.now() - before >= HOLD / 2 {
                fail(&log, format!("op {i}: {call:?} waited for a holder"));
            }
        }
        if let Err(e) = model.check_listing(&p.descriptors()) {
            fail(&log, format!("after op {i}: {e}"));
        }
        if let Err(e) = check_names(&p, &model) {
            fail(&log, format!("after op {i}: {e}"));
        }
        if let Err(e) = check_offsets_and_readiness(&p, &model).await {
            fail(&log, format!("after op {i}: {e}"));
        }
    }
    if !matches!(ending, Ending::ExitAtOnce)
        && let Err(e) = check_contents(&p, &model).await
    {
        fail(&log, format!("at the end: {e}"));
    }
    match ending {
        Ending::CloseAllThenWait => {
            for n in model.numbers(0) {
                let call = model.close(0, Fd(n));
                log.push(format!("end: {call:?}"));
                if let Err(e) = run_call(&p, &call).await {
                    fail(&log, format!("closing all: {e}"));
                }
            }
            let call = model.wait();
            log.push(format!("end: {call:?}"));
            if let Err(e) = run_parent_call(&p, &call, &mut holders).await {
                fail(&log, format!("waiting at the end: {e}"));
            }
            if let Err(e) = model.check_listing(&p.descriptors()) {
                fail(&log, format!("at the end: {e}"));
            }
            if !model.descs.is_empty() || !model.pipes.is_empty() {
                fail(
                    &log,
                    format!(
                        "the model still has descriptions {:?} or pipes {:?}",
                        model.descs, model.pipes
                    ),
                );
            }
        }
        Ending::WaitThenExit => {
            let call = model.wait();
            log.push(format!("end: {call:?}"));
            if let Err(e) = run_parent_call(&p, &call, &mut holders).await {
                fail(&log, format!("waiting at the end: {e}"));
            }
        }
        Ending::ExitAtOnce => {}
    }
}

/// The scheduling policy of a case: outcomes must not depend on it.
#[derive(Clone, Copy, Debug)]
struct Scheduling {
    policy: &'static str,
    quantum: Tick,
    seed: u64,
}

/// A policy of `vproc_sched::by_name`, its quantum and seed.
fn scheduling() -> impl Strategy<Value = Scheduling> {
    (
        prop::sample::select(POLICY_NAMES.to_vec()),
        1..20 as Tick,
        any::<u64>(),
    )
        .prop_map(|(policy, quantum, seed)| Scheduling {
            policy,
            quantum,
            seed,
        })
}

/// Runs one case in a new kernel: the parent must succeed, and nothing may be left once
/// every process has exited (see `common::run_main`).
fn check_case(ops: Vec<Op>, ending: Ending, scheduling: Scheduling) {
    let policy = vproc_sched::by_name(scheduling.policy, scheduling.quantum, scheduling.seed)
        .expect("a known policy");
    let mut kernel = Kernel::builder()
        .policy_boxed(policy)
        .seed(scheduling.seed)
        .build();
    run_main(&mut kernel, move |p| parent(p, ops, ending));
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(128))]

    /// Random descriptor calls in a parent and its children behave as the model says and
    /// leave no descriptor, open file or pipe once all have exited.
    #[test]
    fn random_descriptor_calls_match_the_model_and_leave_nothing(
        ops in prop::collection::vec(op(), 1..64),
        ending in ending(),
        scheduling in scheduling(),
    ) {
        check_case(ops, ending, scheduling);
    }
}

// ---------------------------------------------------------------------------------------
// Fixed sequences: what the random ones may take long to hit, as readable examples
// ---------------------------------------------------------------------------------------

/// The scheduling of the fixed sequences (the kernel's default policy).
const DEFAULT_SCHEDULING: Scheduling = Scheduling {
    policy: "priority",
    quantum: 10,
    seed: 1,
};

/// An `open` of `PATHS[path]` with `access`, non-blocking or not, and nothing else.
fn open_op(path: usize, access: Access, nonblock: bool) -> Op {
    Op::Open(OpenSpec {
        path,
        access,
        creat: false,
        excl: false,
        trunc: false,
        append: false,
        nonblock,
        cloexec: false,
    })
}

#[test]
fn a_holder_keeps_the_write_end_open_until_it_is_reaped() {
    use FdRef::Raw;
    let ops = vec![
        // 0: read end, 1: write end, both inherited by the holder.
        Op::Pipe2 {
            cloexec: false,
            nonblock: true,
            small: false,
            bogus: false,
        },
        Op::Hold([StdioSpec::Inherit; 3]),
        Op::Close(Raw(1)),
        // The holder's copy of the write end: no end of file yet.
        Op::Read {
            fd: Raw(0),
            max: 10,
            zero_copy: false,
        },
        Op::Wait,
        // Now it is gone: end of file.
        Op::Read {
            fd: Raw(0),
            max: 10,
            zero_copy: true,
        },
    ];
    check_case(ops, Ending::CloseAllThenWait, DEFAULT_SCHEDULING);
}

#[test]
fn a_childs_piped_stdout_reads_back_and_its_piped_stdin_breaks_when_it_exits() {
    use FdRef::Raw;
    let ops = vec![
        // The parent gets 0, the read end of the child's standard output.
        Op::Spawn {
            stdio: [StdioSpec::Inherit, StdioSpec::Piped, StdioSpec::Inherit],
            program: vec![
                ChildOp::Write {
                    fd: Raw(1),
                    len: 100,
                    zero_copy: false,
                },
                ChildOp::Exit(3),
            ],
        },
        Op::Read {
            fd: Raw(0),
            max: 1000,
            zero_copy: false,
        },
        Op::Read {
            fd: Raw(0),
            max: 1000,
            zero_copy: false,
        },
        // The parent gets 1, the write end of a child's standard input: EPIPE once the
        // child has exited.
        Op::Spawn {
            stdio: [StdioSpec::Piped, StdioSpec::Inherit, StdioSpec::Inherit],
            program: Vec::new(),
        },
        Op::Write {
            fd: Raw(1),
            len: 10,
            zero_copy: false,
        },
    ];
    check_case(ops, Ending::ExitAtOnce, DEFAULT_SCHEDULING);
}

#[test]
fn a_fifo_passes_bytes_between_its_opens_and_is_fresh_once_closed() {
    use FdRef::Raw;
    let ops = vec![
        Op::Mkfifo(0),
        // 0: a read end opened before any writer: no POLLHUP, end of file on read.
        open_op(0, Access::Read, true),
        Op::Poll(vec![(Raw(0), true, false)]),
        // No reader yet for a non-blocking write open of another FIFO: ENXIO.
        Op::Mkfifo(1),
        open_op(1, Access::Write, true),
        // 1: a blocking write open finds the reader and returns at once.
        open_op(0, Access::Write, false),
        Op::Write {
            fd: Raw(1),
            len: 5000,
            zero_copy: true,
        },
        Op::Close(Raw(1)),
        Op::Poll(vec![(Raw(0), true, true)]),
        Op::Read {
            fd: Raw(0),
            max: 6000,
            zero_copy: false,
        },
        Op::Read {
            fd: Raw(0),
            max: 6000,
            zero_copy: false,
        },
        // Every end closed: the next opening has a new, empty pipe (its own writer: no
        // end of file, EAGAIN).
        Op::Close(Raw(0)),
        open_op(0, Access::ReadWrite, true),
        Op::Inspect(Raw(0)),
        Op::Unlink(0),
        Op::Read {
            fd: Raw(0),
            max: 10,
            zero_copy: false,
        },
    ];
    check_case(ops, Ending::CloseAllThenWait, DEFAULT_SCHEDULING);
}

#[test]
fn a_pipeline_through_a_child_waits_for_room_and_for_end_of_file() {
    let ops = vec![
        Op::Pipe,
        Op::Filter {
            len: 20000,
            chunk: 777,
            small: true,
        },
    ];
    check_case(ops, Ending::WaitThenExit, DEFAULT_SCHEDULING);
}

// ---------------------------------------------------------------------------------------
// Corners where the kernel once differed from Linux (found by the model)
// ---------------------------------------------------------------------------------------

#[test]
fn dup3_onto_itself_is_einval_even_when_the_descriptor_is_closed() {
    let mut kernel = Kernel::new();
    run_main(&mut kernel, |p| async move {
        assert_eq!(
            errno_of(p.dup3(Fd(7), Fd(7), OpenFlags::CLOEXEC)),
            Errno::EINVAL
        );
    });
}

#[test]
fn lseek_on_dev_null_always_gives_0() {
    let mut kernel = Kernel::new();
    run_main(&mut kernel, |p| async move {
        let fd = p.open("/dev/null", OpenFlags::RDWR, 0).await.expect("open");
        assert_eq!(p.lseek(fd, 100, Whence::Set), Ok(0));
        assert_eq!(p.lseek(fd, -5, Whence::Set), Ok(0));
        assert_eq!(p.lseek(fd, 3, Whence::Cur), Ok(0));
        p.close(fd).expect("close");
    });
}

#[test]
fn an_empty_append_write_leaves_the_offset() {
    let mut kernel = Kernel::new();
    run_main(&mut kernel, |p| async move {
        let flags = OpenFlags::RDWR | OpenFlags::CREAT | OpenFlags::APPEND;
        let fd = p.open("/tmp/f", flags, 0o644).await.expect("open");
        assert_eq!(p.write(fd, b"hello").await, Ok(5));
        assert_eq!(p.lseek(fd, 0, Whence::Set), Ok(0));
        assert_eq!(p.write(fd, b"").await, Ok(0));
        assert_eq!(p.lseek(fd, 0, Whence::Cur), Ok(0), "the offset stays");
        p.close(fd).expect("close");
    });
}
