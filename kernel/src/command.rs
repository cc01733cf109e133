//! The Command builder: what to run and with what, as posix_spawn takes it.

use vproc_sched::Tick;

use crate::Stdio;

/// What a new process runs and with what, in the style of `std::process::Command`.
///
/// The environment is exact: a child sees only the variables set here, unless
/// [`env_inherit`](Command::env_inherit) asks for the parent's. The working directory and
/// the nice value are inherited unless set here. There is no fork: a process is always
/// created running a program from its start, as `posix_spawn` does.
///
/// ```
/// use vproc_kernel::Command;
/// let cmd = Command::new("grep").arg("-n").arg("main").env("LANG", "C").cwd("/src").nice(5);
/// assert_eq!(cmd.get_program(), "grep");
/// assert_eq!(cmd.get_args(), ["-n", "main"]);
/// ```
#[derive(Clone, Debug)]
pub struct Command {
    pub(crate) program: crate::process::Name,
    pub(crate) args: Vec<String>,
    pub(crate) env: Vec<(String, String)>,
    pub(crate) inherit_env: bool,
    pub(crate) cwd: Option<String>,
    pub(crate) nice: Option<i32>,
    pub(crate) length: Option<Tick>,
    pub(crate) tickets: Option<u32>,
    /// Standard input, output and error.
    pub(crate) stdio: [Stdio; 3],
    /// The process group to start in (`Pid(0)`: a new one, led by the child).
    pub(crate) pgroup: Option<crate::Pid>,
    /// Start a new session.
    pub(crate) setsid: bool,
    /// Signals the child starts with at their default actions.
    pub(crate) sigdefault: vproc_ipc::SigSet,
    /// The host will not wait for the child: it is reaped as it exits.
    pub(crate) unwaited: bool,
}

impl Command {
    /// A command running `program`: a name registered with `Kernel::register`, or, for
    /// `spawn_fn`, just the name the process shows.
    pub fn new(program: impl Into<compact_str::CompactString>) -> Self {
        Command {
            program: program.into(),
            args: Vec::new(),
            env: Vec::new(),
            inherit_env: false,
            cwd: None,
            nice: None,
            length: None,
            tickets: None,
            stdio: [Stdio::Inherit; 3],
            pgroup: None,
            setsid: false,
            sigdefault: vproc_ipc::SigSet::empty(),
            unwaited: false,
        }
    }

    /// Sets the child's standard input (descriptor 0); inherited by default.
    pub fn stdin(mut self, stdio: Stdio) -> Self {
        self.stdio[0] = stdio;
        self
    }

    /// Sets the child's standard output (descriptor 1); inherited by default.
    pub fn stdout(mut self, stdio: Stdio) -> Self {
        self.stdio[1] = stdio;
        self
    }

    /// Sets the child's standard error (descriptor 2); inherited by default.
    pub fn stderr(mut self, stdio: Stdio) -> Self {
        self.stdio[2] = stdio;
        self
    }

    /// Sets all three standard streams to the virtual terminal `tty` (one open file, as
    /// a login opens the terminal once and duplicates it). With
    /// [`new_session`](Command::new_session) the terminal becomes the new session's
    /// controlling terminal.
    pub fn terminal(mut self, tty: crate::TtyId) -> Self {
        self.stdio = [Stdio::Tty(tty); 3];
        self
    }

    /// Starts the child in process group `pgid` of the parent's session, or with
    /// `Pid(0)` in a new group it leads (posix_spawn's `POSIX_SPAWN_SETPGROUP`). The
    /// spawn fails with EPERM if no such group is in the session.
    pub fn process_group(mut self, pgid: crate::Pid) -> Self {
        self.pgroup = Some(pgid);
        self
    }

    /// Starts the child as the leader of a new session and group, without a
    /// controlling terminal (`POSIX_SPAWN_SETSID`), unless one of its standard streams
    /// is a [`Stdio::Tty`] that controls no session: that terminal becomes the
    /// session's, with the child's group in the foreground.
    pub fn new_session(mut self) -> Self {
        self.setsid = true;
        self
    }

    /// Starts the child with the signals of `set` at their default actions, though the
    /// parent ignores them (posix_spawn's `POSIX_SPAWN_SETSIGDEF`): a job-control shell
    /// ignores SIGTTOU, SIGTSTP and SIGINT, its jobs must not.
    pub fn signal_default(mut self, set: vproc_ipc::SigSet) -> Self {
        self.sigdefault = set;
        self
    }

    /// Says that the host will not wait for this process, when the host spawns it: as
    /// the child of a parent that ignores SIGCHLD, it leaves no exit status behind and
    /// its pid is free again as it exits ([`Kernel::exit_status`](crate::Kernel::exit_status)
    /// says ECHILD for it, at any time). A process that spawns a child decides this for
    /// itself, with its SIGCHLD disposition; this applies to spawns by the host only.
    pub fn unwaited(mut self) -> Self {
        self.unwaited = true;
        self
    }

    /// Adds an argument (`argv[1]` and on).
    pub fn arg(mut self, arg: impl Into<String>) -> Self {
        self.args.push(arg.into());
        self
    }

    /// Adds arguments.
    pub fn args<I, S>(mut self, args: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.args.extend(args.into_iter().map(Into::into));
        self
    }

    /// Sets an environment variable for the child (after any inherited ones).
    pub fn env(mut self, key: impl Into<String>, value: impl Into<String>) -> Self {
        self.env.push((key.into(), value.into()));
        self
    }

    /// Starts the child's environment from the parent's instead of from nothing.
    pub fn env_inherit(mut self) -> Self {
        self.inherit_env = true;
        self
    }

    /// Sets the child's working directory (absolute, or relative to the parent's).
    pub fn cwd(mut self, dir: impl Into<String>) -> Self {
        self.cwd = Some(dir.into());
        self
    }

    /// Sets the child's nice value (-20..=19; anything else fails the spawn with EINVAL).
    pub fn nice(mut self, nice: i32) -> Self {
        self.nice = Some(nice);
        self
    }

    /// Declares the child's expected CPU length in ticks, for policies that use it.
    pub fn expected_length(mut self, ticks: Tick) -> Self {
        self.length = Some(ticks);
        self
    }

    /// Gives the child lottery or stride tickets.
    pub fn tickets(mut self, tickets: u32) -> Self {
        self.tickets = Some(tickets);
        self
    }

    /// The program name.
    pub fn get_program(&self) -> &str {
        &self.program
    }

    /// The arguments.
    pub fn get_args(&self) -> &[String] {
        &self.args
    }
}
