//! `KernelHandle`: control of a kernel from other threads, through one injection queue.

use std::collections::VecDeque;
use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::thread::ThreadId;

use crossbeam_channel::{Sender, bounded};
use crossbeam_utils::sync::Unparker;
use parking_lot::Mutex;
use vproc_ipc::{Errno, Signal};

use crate::program::program_of;
use crate::{Command, Error, ExitStatus, ExitValue, Pid, Proc, ProcInfo, SysResult};

/// A program sent from another thread: the closure crosses threads, its future does not.
pub(crate) type SendProgram = Box<dyn FnOnce(Proc) -> crate::process::Program + Send>;

/// What other threads ask of a kernel.
pub(crate) enum Injected {
    Spawn {
        command: Command,
        program: Option<SendProgram>,
        reply: Sender<SysResult<Pid>>,
    },
    Kill {
        pid: Pid,
        signal: Signal,
        reply: Sender<SysResult<()>>,
    },
    Ps {
        reply: Sender<Vec<ProcInfo>>,
    },
    Wait {
        pid: Pid,
        reply: Sender<SysResult<ExitStatus>>,
    },
    Wake(crate::waker::WakeId),
    /// A terminal's host pressed a signal key or hung up.
    Tty {
        tty: Arc<crate::tty::Tty>,
        event: crate::tty::TtyEvent,
    },
    Shutdown,
}

/// The state a kernel shares with its handles and with wakers on other threads.
pub(crate) struct Shared {
    /// The thread the kernel lives on (a `Kernel` is not `Send`): a handle called there
    /// would wait for itself.
    owner: ThreadId,
    queue: Mutex<VecDeque<Injected>>,
    pending: AtomicBool,
    closed: AtomicBool,
    handles: AtomicUsize,
    unparker: Unparker,
}

impl Shared {
    pub(crate) fn new(unparker: Unparker) -> Self {
        Shared {
            owner: std::thread::current().id(),
            queue: Mutex::new(VecDeque::new()),
            pending: AtomicBool::new(false),
            closed: AtomicBool::new(false),
            handles: AtomicUsize::new(0),
            unparker,
        }
    }

    /// Queues a request and wakes the kernel if it is idle. Returns false (dropping the
    /// request, and with it any reply channel) once the kernel is gone.
    pub(crate) fn inject(&self, item: Injected) -> bool {
        let mut queue = self.queue.lock();
        if self.closed.load(Ordering::Acquire) {
            return false;
        }
        queue.push_back(item);
        self.pending.store(true, Ordering::Release);
        drop(queue);
        self.unparker.unpark();
        true
    }

    /// Whether anything was injected since the last `drain`.
    #[inline]
    pub(crate) fn has_pending(&self) -> bool {
        self.pending.load(Ordering::Acquire)
    }

    pub(crate) fn drain(&self) -> VecDeque<Injected> {
        let mut queue = self.queue.lock();
        self.pending.store(false, Ordering::Release);
        std::mem::take(&mut *queue)
    }

    /// Refuses further requests and drops the queued ones (their callers get ESHUTDOWN).
    pub(crate) fn close(&self) {
        let mut queue = self.queue.lock();
        self.closed.store(true, Ordering::Release);
        queue.clear();
    }

    /// Whether a handle exists, so an outside event may still come.
    pub(crate) fn has_handles(&self) -> bool {
        self.handles.load(Ordering::Acquire) > 0
    }
}

/// Controls a kernel from any thread: spawn, signal, list and wait.
///
/// Each call is queued for the kernel and answered the next time its `run` (or `serve`)
/// loop looks at the queue, which it does between two dispatches and at once when idle.
/// A call made while no `run` is active waits until one is; a call to a kernel that was
/// dropped fails with `ESHUTDOWN`. While a handle exists, a kernel whose processes are all
/// blocked waits for it instead of reporting a deadlock.
pub struct KernelHandle {
    shared: Arc<Shared>,
}

impl KernelHandle {
    pub(crate) fn new(shared: Arc<Shared>) -> Self {
        shared.handles.fetch_add(1, Ordering::AcqRel);
        KernelHandle { shared }
    }

    fn ask<T>(&self, make: impl FnOnce(Sender<T>) -> Injected) -> SysResult<T> {
        if std::thread::current().id() == self.shared.owner {
            return Err(Error::new(
                Errno::EDEADLK,
                "a handle cannot wait for a kernel that lives on its own thread: call it \
                 from another thread (a process uses its Proc, the host its Kernel)",
            ));
        }
        let (reply, answer) = bounded(1);
        if !self.shared.inject(make(reply)) {
            return Err(gone());
        }
        answer.recv().map_err(|_| gone())
    }

    /// Spawns a registered program as a child of init; the host collects its status with
    /// [`wait`](KernelHandle::wait).
    pub fn spawn(&self, command: Command) -> SysResult<Pid> {
        self.ask(|reply| Injected::Spawn {
            command,
            program: None,
            reply,
        })?
    }

    /// Spawns a program given as a closure. The closure is sent to the kernel's thread;
    /// the future it returns never leaves that thread, so it need not be `Send`.
    pub fn spawn_fn<F, Fut>(&self, command: Command, program: F) -> SysResult<Pid>
    where
        F: FnOnce(Proc) -> Fut + Send + 'static,
        Fut: Future + 'static,
        Fut::Output: ExitValue,
    {
        let program: SendProgram = Box::new(move |proc| program_of(program, proc));
        self.ask(|reply| Injected::Spawn {
            command,
            program: Some(program),
            reply,
        })?
    }

    /// Sends a signal to a process.
    pub fn kill(&self, pid: Pid, signal: Signal) -> SysResult<()> {
        self.ask(|reply| Injected::Kill { pid, signal, reply })?
    }

    /// A snapshot of the process table.
    pub fn ps(&self) -> SysResult<Vec<ProcInfo>> {
        self.ask(|reply| Injected::Ps { reply })
    }

    /// Waits until a process the host spawned has exited, and returns its status (once;
    /// ECHILD for a process the host did not spawn or already waited for).
    pub fn wait(&self, pid: Pid) -> SysResult<ExitStatus> {
        self.ask(|reply| Injected::Wait { pid, reply })?
    }

    /// Asks the kernel's run loop to return [`Stop::Shutdown`](crate::Stop::Shutdown):
    /// `serve`, or whichever `run` is in progress or comes next.
    pub fn shutdown(&self) {
        self.shared.inject(Injected::Shutdown);
    }
}

impl Clone for KernelHandle {
    fn clone(&self) -> Self {
        KernelHandle::new(self.shared.clone())
    }
}

impl Drop for KernelHandle {
    fn drop(&mut self) {
        self.shared.handles.fetch_sub(1, Ordering::AcqRel);
        // An idle kernel may be waiting only because this handle existed.
        self.shared.unparker.unpark();
    }
}

fn gone() -> Error {
    Error::new(Errno::ESHUTDOWN, "the kernel has shut down")
}
