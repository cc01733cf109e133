//! `TtyHandle`: the host's side of a terminal, the keyboard and the screen.

use std::sync::Arc;
use std::sync::atomic::Ordering;

use vproc_ipc::Signal;

use super::{Tty, TtyEvent, TtyId, TtyMode};
use crate::Pid;
use crate::handle::{Injected, Shared};

/// The host's side of a virtual terminal, made by
/// [`Kernel::open_tty`](crate::Kernel::open_tty): it types input, presses the signal
/// keys, and takes what processes wrote.
///
/// Processes get the terminal as a descriptor: a child spawned with
/// [`Stdio::Tty`](crate::Stdio::Tty) (or [`Command::terminal`](crate::Command::terminal))
/// has it open, and a child that starts a new session with it
/// ([`Command::new_session`](crate::Command::new_session)) makes it its session's
/// controlling terminal, with its own group in the foreground.
///
/// Typing and taking output act at once; what the signal keys and a hang-up do to
/// processes is done by the kernel the next time its run loop looks at its queue (at
/// once if it is running, on another thread). A handle may be cloned and sent to other
/// threads; when the last one is dropped the terminal hangs up, as a pseudo-terminal
/// does when its master side is closed.
///
/// ```
/// use vproc_kernel::{Command, Fd, Kernel};
///
/// let mut kernel = Kernel::new();
/// let tty = kernel.open_tty();
/// let cmd = Command::new("greet").new_session().terminal(tty.id());
/// kernel.spawn_fn(cmd, |p| async move {
///     let mut name = [0u8; 32];
///     let n = p.read(Fd::STDIN, &mut name).await?;
///     let hello = format!("hello, {}", String::from_utf8_lossy(&name[..n]));
///     p.write(Fd::STDOUT, hello.as_bytes()).await?;
///     Ok::<_, vproc_kernel::Error>(())
/// })?;
/// kernel.run()?; // waits for a line
/// tty.input(b"world\n");
/// kernel.run()?;
/// assert_eq!(tty.take_output(), b"world\nhello, world\n"); // the echo, then the reply
/// # Ok::<(), vproc_kernel::Error>(())
/// ```
pub struct TtyHandle {
    tty: Arc<Tty>,
    kernel: Arc<Shared>,
}

impl TtyHandle {
    pub(crate) fn new(tty: Arc<Tty>, kernel: Arc<Shared>) -> Self {
        tty.handles.fetch_add(1, Ordering::AcqRel);
        TtyHandle { tty, kernel }
    }

    /// The terminal's number, for [`Stdio::Tty`](crate::Stdio::Tty).
    pub fn id(&self) -> TtyId {
        self.tty.id()
    }

    /// Types `bytes` on the keyboard, through the line discipline (see [`TtyMode`]):
    /// readers get them as lines (or as typed, in raw mode), the echo goes to the output,
    /// and Ctrl-C, Ctrl-Z and Ctrl-\ signal the foreground group. Nothing happens once
    /// the terminal is hung up.
    pub fn input(&self, bytes: &[u8]) {
        for signal in self.tty.type_in(bytes) {
            self.send(TtyEvent::Key(signal));
        }
    }

    /// Ctrl-C: SIGINT to every process of the foreground group, whatever the mode. The
    /// input not yet read is dropped and `^C` echoed.
    pub fn interrupt(&self) {
        self.key(Signal::SIGINT);
    }

    /// Ctrl-Z: SIGTSTP to every process of the foreground group (by default it stops
    /// them), whatever the mode. The input not yet read is dropped and `^Z` echoed.
    pub fn suspend(&self) {
        self.key(Signal::SIGTSTP);
    }

    /// Ctrl-\: SIGQUIT to every process of the foreground group, whatever the mode.
    pub fn quit(&self) {
        self.key(Signal::SIGQUIT);
    }

    fn key(&self, signal: Signal) {
        if self.tty.key(signal) {
            self.send(TtyEvent::Key(signal));
        }
    }

    /// Hangs up, as a modem line dropping or a terminal window closing: the controlling
    /// process (the session's leader) gets SIGHUP and SIGCONT and the session loses its
    /// terminal; from then on reads give end of file and writes fail with EIO.
    pub fn hangup(&self) {
        if self.tty.hang_up() {
            self.send(TtyEvent::Hangup);
        }
    }

    /// Whether the terminal was hung up.
    pub fn is_hung_up(&self) -> bool {
        self.tty.is_hung_up()
    }

    /// Everything processes wrote (and the line discipline echoed) since the last call.
    /// Writers waiting for room (the terminal holds [`MAX_OUTPUT`](super::MAX_OUTPUT)
    /// bytes) go on.
    pub fn take_output(&self) -> Vec<u8> {
        self.tty.take_output()
    }

    /// The foreground process group of the session the terminal controls; `None` when it
    /// controls none.
    pub fn foreground(&self) -> Option<Pid> {
        self.tty.owner().1
    }

    /// The session the terminal controls (its id is its leader's pid), if any.
    pub fn session(&self) -> Option<Pid> {
        self.tty.owner().0
    }

    /// The line discipline's mode.
    pub fn mode(&self) -> TtyMode {
        self.tty.mode()
    }

    /// Changes the line discipline's mode (`tcsetattr`); a line being typed when
    /// canonical mode ends becomes input.
    pub fn set_mode(&self, mode: TtyMode) {
        self.tty.set_mode(mode);
    }

    fn send(&self, event: TtyEvent) {
        // A kernel that is gone has no processes left to signal.
        self.kernel.inject(Injected::Tty {
            tty: self.tty.clone(),
            event,
        });
    }
}

impl Clone for TtyHandle {
    fn clone(&self) -> Self {
        TtyHandle::new(self.tty.clone(), self.kernel.clone())
    }
}

impl Drop for TtyHandle {
    fn drop(&mut self) {
        if self.tty.handles.fetch_sub(1, Ordering::AcqRel) == 1 {
            self.hangup();
        }
    }
}

impl std::fmt::Debug for TtyHandle {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TtyHandle")
            .field("id", &self.tty.id())
            .finish_non_exhaustive()
    }
}
