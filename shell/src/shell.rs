//! `Shell`: runs command lines on a [`Kernel`], keeping the directory, the variables and
//! the last status from one line to the next.

use std::borrow::Cow;
use std::cell::RefCell;
use std::collections::HashSet;
use std::rc::Rc;

use vproc_ipc::PipeReader;
use vproc_kernel::{
    Command, Errno, Error, Kernel, KernelBuilder, Pid, Signal, Stdio, Stop, SysResult, Tick,
};

use crate::{ShellError, State, coreutils, exec};

/// A shell: the state kept between command lines, and the way to run them.
///
/// Each line runs as a process `sh -c LINE` (a child of init) with its standard output
/// and error piped to the caller and its standard input on `/dev/null`. That process
/// parses the line and runs it: every command as a process of its own (registered by
/// [`Shell::install`]), pipes between them, redirections opened on the kernel's files,
/// builtins in place. When the line is over, the shell keeps what it changed: `cd`,
/// variables, exports, `$?`, and whether `exit` was asked for.
///
/// ```
/// use vproc_kernel::Kernel;
/// use vproc_shell::Shell;
///
/// let mut kernel = Kernel::new(); // in-memory files, virtual clock
/// Shell::install(&mut kernel);
/// let mut shell = Shell::new();
/// shell.run(&mut kernel, "cd /tmp && echo one two > f")?;
/// let out = shell.run(&mut kernel, "cat f | wc -w; nope")?;
/// assert_eq!(out.stdout_lossy(), "2\n");
/// assert_eq!(out.stderr_lossy(), "sh: nope: command not found\n");
/// assert_eq!((out.status, shell.cwd().as_str()), (127, "/tmp"));
/// # Ok::<(), vproc_kernel::Error>(())
/// ```
#[derive(Debug)]
pub struct Shell {
    state: Rc<RefCell<State>>,
}

impl Default for Shell {
    fn default() -> Self {
        Shell::new()
    }
}

/// One of a command line's output streams.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Stream {
    /// Standard output.
    Stdout,
    /// Standard error.
    Stderr,
}

/// What a command line printed, and its status.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Output {
    /// Standard output.
    pub stdout: Vec<u8>,
    /// Standard error.
    pub stderr: Vec<u8>,
    /// The status, as `$?` shows it (128 + n for a process killed by signal n).
    pub status: i32,
}

impl Output {
    /// Standard output as text (invalid UTF-8 replaced).
    pub fn stdout_lossy(&self) -> Cow<'_, str> {
        String::from_utf8_lossy(&self.stdout)
    }

    /// Standard error as text (invalid UTF-8 replaced).
    pub fn stderr_lossy(&self) -> Cow<'_, str> {
        String::from_utf8_lossy(&self.stderr)
    }
}

impl Shell {
    /// A shell in `/` with no variables.
    pub fn new() -> Self {
        Shell {
            state: Rc::new(RefCell::new(State::new("/"))),
        }
    }

    /// A builder for a kernel made for a shell: a real-time clock of [`TICK`](crate::TICK)s
    /// (so `sleep 1` takes a second) on which system calls take no clock time. (With the
    /// kernel's default cost of one tick per call, each call would hold the clock, and so
    /// the wall clock, for a whole tick: a pipeline would crawl at a thousand calls a
    /// second.) Add [`Kernel::mount_host`] for the host's files.
    pub fn kernel_builder() -> KernelBuilder {
        Kernel::builder().real_time(crate::TICK).syscall_cost(0)
    }

    /// Registers the programs the shell runs on `kernel`: `sh` itself (`sh -c LINE`) and
    /// the [`coreutils`](crate::coreutils::UTILITIES).
    pub fn install(kernel: &mut Kernel) {
        coreutils::register(kernel);
        kernel.register("sh", exec::sh_main);
    }

    /// The working directory.
    pub fn cwd(&self) -> String {
        self.state.borrow().cwd.clone()
    }

    /// Sets the working directory of the lines to come (an absolute path; if it does not
    /// exist when a line runs, the line says so and runs in `/`).
    pub fn set_cwd(&mut self, dir: impl Into<String>) {
        self.state.borrow_mut().cwd = dir.into();
    }

    /// The value of a shell variable (`?` is the last status).
    pub fn var(&self, name: &str) -> Option<String> {
        self.state.borrow().get(name)
    }

    /// Sets and exports a variable, as `export NAME=VALUE` does. EINVAL for a name that
    /// is not one (a letter or `_`, then letters, digits, `_`).
    pub fn export(&mut self, name: &str, value: impl Into<String>) -> Result<(), ShellError> {
        if !crate::lex::is_name(name) {
            return Err(ShellError {
                errno: Errno::EINVAL,
                message: format!("'{name}': not a valid identifier"),
            });
        }
        self.state.borrow_mut().set(name, value.into(), true);
        Ok(())
    }

    /// The status of the last command line (`$?`).
    pub fn status(&self) -> i32 {
        self.state.borrow().status
    }

    /// The status `exit` asked the shell to end with, if the last line ran `exit`.
    pub fn exit_requested(&self) -> Option<i32> {
        self.state.borrow().exit
    }

    /// Starts `line` as a process `sh -c LINE`; the [`Running`] line is driven by
    /// [`Running::step`]. Fails only if the kernel cannot spawn (no pid left).
    pub fn start(&mut self, kernel: &mut Kernel, line: &str) -> SysResult<Running> {
        let mut state = self.state.borrow().clone();
        let shared = self.state.clone();
        let text = line.to_string();
        let mut command = Command::new("sh")
            .args(["-c", line])
            .stdin(Stdio::Null)
            .stdout(Stdio::Piped)
            .stderr(Stdio::Piped);
        for (key, value) in state.environment() {
            command = command.env(key, value);
        }
        let child = kernel.spawn_fn_child(command, move |p| async move {
            let status = exec::run_line(&p, &text, &mut state).await;
            *shared.borrow_mut() = state;
            status
        })?;
        Ok(Running {
            pid: child.pid,
            stdout: child.stdout,
            stderr: child.stderr,
            state: self.state.clone(),
            status: None,
        })
    }

    /// Runs `line` to its end and gives what it printed and its status.
    ///
    /// The kernel runs until the line's process exits. If every process is blocked and
    /// nothing comes out (a deadlock: `cat` of a FIFO nobody writes), the line's
    /// processes are killed (status 137) and a message says so on standard error.
    pub fn run(&mut self, kernel: &mut Kernel, line: &str) -> Result<Output, Error> {
        let mut running = self.start(kernel, line)?;
        let mut output = Output::default();
        loop {
            let mut sink = |stream: Stream, data: &[u8]| match stream {
                Stream::Stdout => output.stdout.extend_from_slice(data),
                Stream::Stderr => output.stderr.extend_from_slice(data),
            };
            if let Some(status) = running.step(kernel, None, &mut sink)? {
                output.status = status;
                return Ok(output);
            }
        }
    }
}

/// A command line that has started: its process, and the host's ends of its output.
#[derive(Debug)]
pub struct Running {
    pid: Pid,
    stdout: Option<PipeReader>,
    stderr: Option<PipeReader>,
    state: Rc<RefCell<State>>,
    status: Option<i32>,
}

impl Running {
    /// The pid of the line's `sh` process.
    pub fn pid(&self) -> Pid {
        self.pid
    }

    /// Runs the kernel for up to `ticks` ticks (`None`: until the line is over or every
    /// process is blocked), handing what the line printed to `sink` as it comes. Gives
    /// the line's status once it is over (and from then on).
    ///
    /// With `None`, a line whose processes are all blocked with nothing to hand over can
    /// never end: it is killed (see [`Shell::run`]). With a limit, such a line just waits,
    /// as in a terminal, until [`interrupt`](Running::interrupt).
    pub fn step(
        &mut self,
        kernel: &mut Kernel,
        ticks: Option<Tick>,
        sink: &mut dyn FnMut(Stream, &[u8]),
    ) -> Result<Option<i32>, Error> {
        if let Some(status) = self.status {
            return Ok(Some(status));
        }
        let stop = match ticks {
            Some(ticks) => kernel.run_for(ticks)?,
            None => kernel.run_until(self.pid)?,
        };
        let moved = self.drain(sink);
        if let Some(exit) = kernel.exit_status(self.pid)? {
            self.drain(sink);
            let status = exit.shell_code();
            self.state.borrow_mut().status = status;
            self.status = Some(status);
            return Ok(Some(status));
        }
        if let Stop::Deadlock(report) = stop
            && !moved
        {
            let message = format!("sh: {report}sh: the line can never end: killed\n");
            sink(Stream::Stderr, message.as_bytes());
            self.signal(kernel, Signal::SIGKILL);
        }
        Ok(None)
    }

    /// Interrupts the line, as Ctrl-C does: SIGINT to its `sh` and every process under it
    /// (there are no process groups yet). The line then ends with status 130.
    pub fn interrupt(&self, kernel: &mut Kernel) {
        self.signal(kernel, Signal::SIGINT);
    }

    /// Sends `signal` to the line's process and all its descendants, deepest first.
    fn signal(&self, kernel: &mut Kernel, signal: Signal) {
        let table = kernel.ps();
        let mut line: Vec<Pid> = vec![self.pid];
        let mut known: HashSet<Pid> = HashSet::from([self.pid]);
        let mut n = 0;
        while n < line.len() {
            let parent = line[n];
            for p in table
                .iter()
                .filter(|p| p.ppid == parent && p.status.is_none())
            {
                if known.insert(p.pid) {
                    line.push(p.pid);
                }
            }
            n += 1;
        }
        for pid in line.into_iter().rev() {
            // One that ended meanwhile is no error.
            let _ = kernel.kill(pid, signal);
        }
    }

    /// Hands over what is in the pipes; whether there was anything.
    fn drain(&mut self, sink: &mut dyn FnMut(Stream, &[u8])) -> bool {
        let mut moved = false;
        for (stream, reader) in [
            (Stream::Stdout, &mut self.stdout),
            (Stream::Stderr, &mut self.stderr),
        ] {
            let Some(pipe) = reader else { continue };
            loop {
                match pipe.try_read(1 << 16) {
                    Ok(data) if data.is_empty() => {
                        // End of file: no writer is left.
                        *reader = None;
                        break;
                    }
                    Ok(data) => {
                        moved = true;
                        sink(stream, &data);
                    }
                    Err(_) => break,
                }
            }
        }
        moved
    }
}
