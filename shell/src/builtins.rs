//! The builtins: commands the shell runs itself, because they change the shell (`cd`,
//! `exit`, `export`) or are too common to spawn for (`echo`, `pwd`).
//!
//! A builtin alone on a line runs inside the shell process, with its redirections as
//! descriptors of the shell; in a pipeline it runs in a child process of its own (a
//! subshell, as in sh: `cd /tmp | true` changes nothing).

use vproc_kernel::{Fd, Proc};

use crate::State;
use crate::coreutils::echo_text;
use crate::lex::is_name;
use crate::quote;

/// The names of the builtins.
pub const BUILTINS: &[&str] = &["cd", "echo", "exit", "export", "pwd"];

/// Whether `name` is a builtin.
pub(crate) fn is_builtin(name: &str) -> bool {
    BUILTINS.contains(&name)
}

/// The descriptors a builtin reads and writes.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Io {
    /// Where output goes.
    pub stdout: Fd,
    /// Where errors go.
    pub stderr: Fd,
}

impl Io {
    /// Descriptors 1 and 2.
    pub const STD: Io = Io {
        stdout: Fd::STDOUT,
        stderr: Fd::STDERR,
    };
}

/// Runs the builtin `argv[0]` (which [`is_builtin`]) and gives its status.
pub(crate) async fn run(p: &Proc, state: &mut State, argv: &[String], io: Io) -> i32 {
    let Some((name, args)) = argv.split_first() else {
        return 0;
    };
    match name.as_str() {
        "cd" => cd(p, state, args, io).await,
        "echo" => write(p, io, "echo", &echo_text(args)).await,
        "exit" => exit(p, state, args, io).await,
        "export" => export(p, state, args, io).await,
        "pwd" => write(p, io, "pwd", &format!("{}\n", p.getcwd())).await,
        _ => complain(p, io, &format!("{name}: not a builtin")).await,
    }
}

/// Writes `text` to the builtin's output: 0, or 1 with a message.
async fn write(p: &Proc, io: Io, name: &str, text: &str) -> i32 {
    match p.write(io.stdout, text.as_bytes()).await {
        Ok(_) => 0,
        Err(e) => {
            let why = e.errno().description();
            complain(p, io, &format!("{name}: write error: {why}")).await
        }
    }
}

/// `sh: message` on the builtin's error output; status 1.
async fn complain(p: &Proc, io: Io, message: &str) -> i32 {
    let _ = p
        .write(io.stderr, format!("sh: {message}\n").as_bytes())
        .await;
    1
}

/// `cd [DIR]`: to DIR, `$HOME` without one, `$OLDPWD` for `-` (printed). Sets `PWD`
/// and `OLDPWD`.
async fn cd(p: &Proc, state: &mut State, args: &[String], io: Io) -> i32 {
    let (target, show) = match args {
        [] => match state.get("HOME") {
            Some(home) => (home, false),
            None => return complain(p, io, "cd: HOME not set").await,
        },
        [dash] if dash == "-" => match state.get("OLDPWD") {
            Some(old) => (old, true),
            None => return complain(p, io, "cd: OLDPWD not set").await,
        },
        [dir] => (dir.clone(), false),
        _ => return complain(p, io, "cd: too many arguments").await,
    };
    if let Err(e) = p.chdir(&target) {
        let why = e.errno().description();
        return complain(p, io, &format!("cd: {target}: {why}")).await;
    }
    let old = std::mem::replace(&mut state.cwd, p.getcwd());
    state.set("OLDPWD", old, false);
    state.set("PWD", state.cwd.clone(), false);
    if show {
        return write(p, io, "cd", &format!("{}\n", state.cwd)).await;
    }
    0
}

/// `exit [N]`: ends the shell with N (the last status without one).
async fn exit(p: &Proc, state: &mut State, args: &[String], io: Io) -> i32 {
    let code = match args {
        [] => state.status,
        [n] => match n.parse::<i64>() {
            Ok(n) => (n & 0xff) as i32,
            Err(_) => {
                complain(p, io, &format!("exit: {n}: numeric argument required")).await;
                2
            }
        },
        _ => return complain(p, io, "exit: too many arguments").await,
    };
    state.exit = Some(code);
    code
}

/// `export [NAME[=VALUE]]...`: exports variables; with no operand, lists them.
async fn export(p: &Proc, state: &mut State, args: &[String], io: Io) -> i32 {
    if args.is_empty() {
        let list: String = state
            .environment()
            .iter()
            .map(|(name, value)| format!("export {name}={}\n", quote(value)))
            .collect();
        return write(p, io, "export", &list).await;
    }
    let mut status = 0;
    for arg in args {
        let (name, value) = match arg.split_once('=') {
            Some((name, value)) => (name, Some(value)),
            None => (arg.as_str(), None),
        };
        if !is_name(name) {
            status = complain(p, io, &format!("export: '{arg}': not a valid identifier")).await;
            continue;
        }
        match value {
            Some(value) => state.set(name, value.to_string(), true),
            None => {
                state.export(name);
            }
        }
    }
    status
}
