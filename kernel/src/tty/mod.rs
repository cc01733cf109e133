//! Virtual terminals: a line discipline between the host (who types and reads the
//! screen through a [`TtyHandle`]) and processes (who read and write a descriptor), and
//! the job control a terminal gives the session it controls.
//!
//! A terminal may control one session, and a session have one controlling terminal.
//! Of that session, one process group is in the foreground: the signal keys go to it,
//! and only it may read the terminal (a background group that tries is sent SIGTTIN).
//! See [`line`] for what typed bytes become.

mod handle;
pub(crate) mod line;
mod session;

use std::fmt;
use std::sync::atomic::AtomicUsize;
use std::task::Waker;

use parking_lot::Mutex;
use vproc_ipc::{Errno, PollEvents, Signal};

use crate::{Error, Pid, SysResult};

pub use handle::TtyHandle;
use line::Line;
pub use line::{MAX_INPUT, MAX_OUTPUT, TtyMode};
pub(crate) use session::{Job, Terminals};

/// The number of a terminal of one kernel (`/dev/pts/N`); [`Stdio::Tty`](crate::Stdio)
/// names a terminal by it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct TtyId(pub u32);

impl fmt::Display for TtyId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "/dev/pts/{}", self.0)
    }
}

/// What the host asks of the kernel about a terminal (through the injection queue).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum TtyEvent {
    /// A signal key: this signal to the foreground group.
    Key(Signal),
    /// The host hung up: SIGHUP and SIGCONT to the controlling process, and the session
    /// loses its terminal.
    Hangup,
}

/// One terminal, shared by the host's handles, the open files on it and the session it
/// controls.
pub(crate) struct Tty {
    id: TtyId,
    state: Mutex<State>,
    /// Host handles alive; the last one to go hangs up.
    handles: AtomicUsize,
}

struct State {
    line: Line,
    /// Processes waiting to read (or polling), woken when input comes.
    readers: Vec<Waker>,
    /// Processes waiting for room to write, woken when the host takes output.
    writers: Vec<Waker>,
    /// The session it controls.
    session: Option<Pid>,
    /// That session's foreground process group.
    foreground: Option<Pid>,
    /// The host hung up: reads give end of file, writes EIO.
    hung_up: bool,
}

impl Tty {
    pub(crate) fn new(id: TtyId) -> Tty {
        Tty {
            id,
            state: Mutex::new(State {
                line: Line::default(),
                readers: Vec::new(),
                writers: Vec::new(),
                session: None,
                foreground: None,
                hung_up: false,
            }),
            handles: AtomicUsize::new(0),
        }
    }

    pub(crate) fn id(&self) -> TtyId {
        self.id
    }

    /// The session it controls and that session's foreground group.
    pub(crate) fn owner(&self) -> (Option<Pid>, Option<Pid>) {
        let state = self.state.lock();
        (state.session, state.foreground)
    }

    /// The foreground group, if it controls session `sid`.
    pub(crate) fn foreground_of(&self, sid: Pid) -> Option<Pid> {
        let state = self.state.lock();
        (state.session == Some(sid))
            .then_some(state.foreground)
            .flatten()
    }

    pub(crate) fn set_foreground(&self, pgid: Pid) {
        self.state.lock().foreground = Some(pgid);
    }

    /// Becomes the controlling terminal of `sid` with `pgid` in the foreground, unless it
    /// controls a session already or was hung up. Returns whether it did.
    pub(crate) fn attach(&self, sid: Pid, pgid: Pid) -> bool {
        let mut state = self.state.lock();
        if state.session.is_some() || state.hung_up {
            return false;
        }
        (state.session, state.foreground) = (Some(sid), Some(pgid));
        true
    }

    /// Stops controlling its session; returns the session and its foreground group.
    pub(crate) fn detach(&self) -> (Option<Pid>, Option<Pid>) {
        let mut state = self.state.lock();
        (state.session.take(), state.foreground.take())
    }

    pub(crate) fn is_hung_up(&self) -> bool {
        self.state.lock().hung_up
    }

    /// A read of up to `max` bytes: the data, an empty buffer at end of file (or once
    /// hung up), or `None` after registering `waker` to be woken when input comes.
    pub(crate) fn poll_read(&self, max: usize, waker: &Waker) -> Option<Vec<u8>> {
        let mut state = self.state.lock();
        if let Some(data) = state.line.read(max) {
            return Some(data);
        }
        if state.hung_up {
            return Some(Vec::new());
        }
        register(&mut state.readers, waker);
        None
    }

    /// Writes what fits of `data` (registering `waker` for room if not all did); EIO
    /// once hung up.
    pub(crate) fn poll_write(&self, data: &[u8], waker: &Waker) -> SysResult<usize> {
        let mut state = self.state.lock();
        if state.hung_up {
            return Err(Error::new(
                Errno::EIO,
                format!("{}: the terminal was hung up", self.id),
            ));
        }
        let n = state.line.write(data);
        if n < data.len() {
            register(&mut state.writers, waker);
        }
        Ok(n)
    }

    /// What `poll` sees now; `waker` is woken at the next change either way.
    pub(crate) fn readiness(&self, waker: &Waker) -> PollEvents {
        let mut state = self.state.lock();
        register(&mut state.readers, waker);
        register(&mut state.writers, waker);
        if state.hung_up {
            return PollEvents::POLLIN | PollEvents::POLLHUP;
        }
        let mut events = PollEvents::empty();
        if state.line.readable() {
            events |= PollEvents::POLLIN;
        }
        if state.line.room() > 0 {
            events |= PollEvents::POLLOUT;
        }
        events
    }

    /// The host types `bytes`; returns the signals their keys ask for.
    pub(crate) fn type_in(&self, bytes: &[u8]) -> Vec<Signal> {
        let mut state = self.state.lock();
        if state.hung_up {
            return Vec::new();
        }
        let signals = state.line.type_in(bytes);
        let woken = if state.line.readable() {
            std::mem::take(&mut state.readers)
        } else {
            Vec::new()
        };
        drop(state);
        woken.into_iter().for_each(Waker::wake);
        signals
    }

    /// The host presses a signal key, whatever the mode: the input is flushed and the
    /// key echoed. Returns false once hung up.
    pub(crate) fn key(&self, signal: Signal) -> bool {
        let mut state = self.state.lock();
        if state.hung_up {
            return false;
        }
        state.line.signal_key(signal);
        true
    }

    /// The host hangs up; returns false if it had already. Waiting readers and writers
    /// wake to end of file and EIO.
    pub(crate) fn hang_up(&self) -> bool {
        let mut state = self.state.lock();
        if std::mem::replace(&mut state.hung_up, true) {
            return false;
        }
        state.line.flush_input();
        let mut woken = std::mem::take(&mut state.readers);
        woken.append(&mut state.writers);
        drop(state);
        woken.into_iter().for_each(Waker::wake);
        true
    }

    /// Everything written (and echoed) since the last call; waiting writers wake.
    pub(crate) fn take_output(&self) -> Vec<u8> {
        let mut state = self.state.lock();
        let out = state.line.take_output();
        let woken = std::mem::take(&mut state.writers);
        drop(state);
        woken.into_iter().for_each(Waker::wake);
        out
    }

    pub(crate) fn mode(&self) -> TtyMode {
        self.state.lock().line.mode()
    }

    /// The input bytes a read could take now (`FIONREAD`).
    pub(crate) fn available(&self) -> usize {
        self.state.lock().line.available()
    }

    /// Changes the mode; readers wake (a line being edited may have become input).
    pub(crate) fn set_mode(&self, mode: TtyMode) {
        let mut state = self.state.lock();
        state.line.set_mode(mode);
        let woken = std::mem::take(&mut state.readers);
        drop(state);
        woken.into_iter().for_each(Waker::wake);
    }
}

/// Adds `waker` to `list` unless it is there already.
fn register(list: &mut Vec<Waker>, waker: &Waker) {
    if !list.iter().any(|w| w.will_wake(waker)) {
        list.push(waker.clone());
    }
}

/// The terminal of an open file, or ENOTTY.
pub(crate) fn not_a_tty(what: impl fmt::Display) -> Error {
    Error::new(Errno::ENOTTY, format!("{what} is not a terminal"))
}
