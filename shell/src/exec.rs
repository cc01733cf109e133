//! Running a command line inside the shell's process: each pipeline's commands as child
//! processes joined by kernel pipes, redirections as opens of the shell, builtins in
//! place, `&&`, `||` and `;` by the statuses that come back.

use vproc_kernel::{Command, Errno, Fd, OpenFlags, Pid, Proc, Stdio, WaitFlags, WaitFor};

use crate::State;
use crate::builtins::{self, Io, is_builtin};
use crate::coreutils::io::warn;
use crate::expand::expand;
use crate::lex::{Part, Word, is_name};
use crate::parse::{Connector, Pipeline, RedirectKind, SimpleCommand, parse};

/// Runs `line` in the shell process `p`, from `state` (which it updates: directory,
/// variables, `$?`, `exit`), and gives the status the line ends with. A syntax error is
/// reported on standard error with status 2, as sh does.
pub(crate) async fn run_line(p: &Proc, line: &str, state: &mut State) -> i32 {
    state.exit = None;
    // The directory may have gone since the last line.
    if p.getcwd() != state.cwd
        && let Err(e) = p.chdir(&state.cwd)
    {
        let why = e.errno().description();
        let cwd = p.getcwd();
        warn(
            p,
            &format!("sh: cannot return to {}: {why}; now in {cwd}", state.cwd),
        )
        .await;
        state.cwd = cwd;
    }
    let script = match parse(line) {
        Ok(script) => script,
        Err(e) => {
            warn(p, &format!("sh: {}", e.message)).await;
            state.status = 2;
            return 2;
        }
    };
    for list in &script.lists {
        state.status = run_pipeline(p, &list.first, state).await;
        for (connector, pipeline) in &list.rest {
            if state.exit.is_some() {
                break;
            }
            let run = match connector {
                Connector::And => state.status == 0,
                Connector::Or => state.status != 0,
            };
            if run {
                state.status = run_pipeline(p, pipeline, state).await;
            }
        }
        if state.exit.is_some() {
            break;
        }
    }
    state.exit.unwrap_or(state.status)
}

/// `sh -c LINE`, as a registered program: runs LINE from the process's own directory and
/// environment (all of it exported).
pub(crate) async fn sh_main(p: Proc) -> i32 {
    match p.args().as_slice() {
        [flag, line, ..] if flag == "-c" => {
            let mut state = State::from_environment(p.getcwd(), p.environ());
            run_line(&p, line, &mut state).await
        }
        _ => {
            let usage = "sh: usage: sh -c COMMAND-LINE (scripts are not read yet)";
            warn(&p, usage).await;
            2
        }
    }
}

/// How a command of a pipeline started.
enum Launched {
    /// As this process.
    Process(Pid),
    /// Not as a process: it is already over, with this status.
    Done(i32),
}

/// Runs a pipeline and gives the status of its last command.
async fn run_pipeline(p: &Proc, pipeline: &Pipeline, state: &mut State) -> i32 {
    let commands = &pipeline.commands;
    // Words expand when their pipeline runs: `cd /tmp; echo $PWD` sees the new directory.
    let mut first = Some(expand_command(p, &commands[0], state));
    if let ([command], Some(words)) = (commands.as_slice(), &first)
        && words.argv.first().is_none_or(|name| is_builtin(name))
    {
        return run_in_place(p, command, words, state).await;
    }
    let last = commands.len() - 1;
    let mut launched = Vec::with_capacity(commands.len());
    let mut stdin: Option<Fd> = None;
    for (n, command) in commands.iter().enumerate() {
        let (next_stdin, stdout) = if n < last {
            match p.pipe2(OpenFlags::CLOEXEC) {
                Ok((r, w)) => (Some(r), Some(w)),
                Err(e) => {
                    warn(p, &format!("sh: pipe: {}", e.errno().description())).await;
                    launched.push(Launched::Done(1));
                    break;
                }
            }
        } else {
            (None, None)
        };
        let words = match first.take() {
            Some(words) => words,
            None => expand_command(p, command, state),
        };
        launched.push(launch(p, command, words, [stdin, stdout, None], state).await);
        // The children hold their own copies now.
        for fd in [stdin, stdout].into_iter().flatten() {
            let _ = p.close(fd);
        }
        stdin = next_stdin;
    }
    if let Some(fd) = stdin {
        let _ = p.close(fd);
    }
    let mut status = 0;
    for started in launched {
        status = match started {
            Launched::Done(status) => status,
            Launched::Process(pid) => {
                match p.waitpid(WaitFor::Pid(pid), WaitFlags::empty()).await {
                    Ok(Some((_, exit))) => exit.shell_code(),
                    Ok(None) | Err(_) => 1,
                }
            }
        };
    }
    status
}

/// Runs a command alone on its pipeline in the shell itself: a builtin, or a command
/// with no command word (assignments, which stay; redirections, which only open).
async fn run_in_place(p: &Proc, command: &SimpleCommand, words: &Words, state: &mut State) -> i32 {
    let streams = match Streams::open(p, [None; 3], command, state).await {
        Ok(streams) => streams,
        Err(status) => return status,
    };
    let status = if words.argv.is_empty() {
        for (name, value) in &words.assignments {
            state.set(name, value.clone(), false);
        }
        0
    } else {
        let io = Io {
            stdout: streams.fd(1),
            stderr: streams.fd(2),
        };
        builtins::run(p, state, &words.argv, io).await
    };
    streams.close(p);
    status
}

/// Starts one command of a pipeline, its standard streams from `base` (`None`: the
/// shell's own) and then its redirections.
async fn launch(
    p: &Proc,
    command: &SimpleCommand,
    words: Words,
    base: [Option<Fd>; 3],
    state: &State,
) -> Launched {
    let Words { assignments, argv } = words;
    let streams = match Streams::open(p, base, command, state).await {
        Ok(streams) => streams,
        Err(status) => return Launched::Done(status),
    };
    let Some(name) = argv.first().cloned() else {
        streams.close(p);
        return Launched::Done(0);
    };
    let mut spec = Command::new(name.clone())
        .args(argv[1..].to_vec())
        .stdin(streams.stdio(0))
        .stdout(streams.stdio(1))
        .stderr(streams.stdio(2));
    for (key, value) in state.environment().into_iter().chain(assignments.clone()) {
        spec = spec.env(key, value);
    }
    let spawned = if is_builtin(&name) {
        // A builtin in a pipeline runs in a subshell: a process of its own.
        let mut sub = state.clone();
        for (key, value) in assignments {
            sub.set(&key, value, true);
        }
        p.spawn_fn_child(spec, move |c| async move {
            builtins::run(&c, &mut sub, &argv, Io::STD).await
        })
    } else {
        p.spawn_child(spec)
    };
    let launched = match spawned {
        Ok(child) => Launched::Process(child.pid),
        Err(e) => {
            let (message, status) = if e.errno() == Errno::ENOENT {
                (format!("sh: {name}: command not found\n"), 127)
            } else {
                (format!("sh: {name}: {}\n", e.errno().description()), 126)
            };
            let _ = p.write(streams.fd(2), message.as_bytes()).await;
            Launched::Done(status)
        }
    };
    streams.close(p);
    launched
}

/// A command's words once expanded.
struct Words {
    /// Its leading `NAME=value` words.
    assignments: Vec<(String, String)>,
    /// The command name and its arguments (none: only assignments and redirections).
    argv: Vec<String>,
}

/// Expands a command's words.
fn expand_command(p: &Proc, command: &SimpleCommand, state: &State) -> Words {
    let pid = p.pid();
    let lookup = |name: &str| match name {
        "$" => Some(pid.to_string()),
        _ => state.get(name),
    };
    let mut assignments = Vec::new();
    let mut argv = Vec::new();
    for word in &command.words {
        if argv.is_empty()
            && let Some((name, value)) = assignment(word)
        {
            assignments.push((name, expand(&value, &lookup).unwrap_or_default()));
            continue;
        }
        argv.extend(expand(word, &lookup));
    }
    Words { assignments, argv }
}

/// `NAME=value` (the name unquoted): the name, and the value as a word of its own.
fn assignment(word: &Word) -> Option<(String, Word)> {
    let Some(Part::Lit(first)) = word.parts.first() else {
        return None;
    };
    let (name, rest) = first.split_once('=')?;
    if !is_name(name) {
        return None;
    }
    let mut parts = vec![Part::Lit(rest.to_string())];
    parts.extend(word.parts[1..].iter().cloned());
    // A value is a word even when empty: `A=` sets A to "".
    let value = Word {
        parts,
        quoted: true,
    };
    Some((name.to_string(), value))
}

/// A command's standard streams after its redirections.
struct Streams {
    /// Descriptors of the shell for 0, 1 and 2 (`None`: the shell's own of that number).
    fds: [Option<Fd>; 3],
    /// What the redirections opened, to close once the command has started.
    opened: Vec<Fd>,
}

impl Streams {
    /// Applies `command`'s redirections, in order, on top of `base`. On failure the error
    /// is reported (on the command's standard error) and the status is 1.
    async fn open(
        p: &Proc,
        base: [Option<Fd>; 3],
        command: &SimpleCommand,
        state: &State,
    ) -> Result<Streams, i32> {
        let mut streams = Streams {
            fds: base,
            opened: Vec::new(),
        };
        let pid = p.pid();
        let lookup = |name: &str| match name {
            "$" => Some(pid.to_string()),
            _ => state.get(name),
        };
        for redirect in &command.redirects {
            let Some(slot) = usize::try_from(redirect.fd).ok().filter(|fd| *fd <= 2) else {
                let message = format!(
                    "{}: only descriptors 0, 1 and 2 can be redirected yet",
                    redirect.fd
                );
                return Err(streams.fail(p, &message).await);
            };
            let (word, flags) = match &redirect.kind {
                RedirectKind::Dup(from) => {
                    let Some(from) = usize::try_from(*from).ok().filter(|fd| *fd <= 2) else {
                        let message = format!("{from}: bad file descriptor");
                        return Err(streams.fail(p, &message).await);
                    };
                    streams.fds[slot] = Some(streams.fd(from));
                    continue;
                }
                RedirectKind::Read(word) => (word, OpenFlags::RDONLY),
                RedirectKind::Write(word) => (
                    word,
                    OpenFlags::WRONLY | OpenFlags::CREAT | OpenFlags::TRUNC,
                ),
                RedirectKind::Append(word) => (
                    word,
                    OpenFlags::WRONLY | OpenFlags::CREAT | OpenFlags::APPEND,
                ),
            };
            let Some(path) = expand(word, &lookup) else {
                return Err(streams.fail(p, "ambiguous redirect").await);
            };
            match p.open(&path, flags | OpenFlags::CLOEXEC, 0o666).await {
                Ok(fd) => {
                    streams.opened.push(fd);
                    streams.fds[slot] = Some(fd);
                }
                Err(e) => {
                    let message = format!("{path}: {}", e.errno().description());
                    return Err(streams.fail(p, &message).await);
                }
            }
        }
        Ok(streams)
    }

    /// Reports `sh: message` on the command's standard error as set up so far, closes
    /// what was opened, and gives status 1.
    async fn fail(self, p: &Proc, message: &str) -> i32 {
        let _ = p
            .write(self.fd(2), format!("sh: {message}\n").as_bytes())
            .await;
        self.close(p);
        1
    }

    /// The shell's descriptor for stream `n`.
    fn fd(&self, n: usize) -> Fd {
        self.fds[n].unwrap_or(Fd(n as u32))
    }

    /// What a child gets as stream `n`.
    fn stdio(&self, n: usize) -> Stdio {
        match self.fds[n] {
            None => Stdio::Inherit,
            Some(fd) => Stdio::Fd(fd),
        }
    }

    fn close(self, p: &Proc) {
        for fd in self.opened {
            let _ = p.close(fd);
        }
    }
}
