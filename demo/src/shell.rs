//! `process-demo shell`: an interactive shell whose commands run as virtual processes,
//! on a kernel with the host's file tree mounted at `/`.
//!
//! Lines come from a line editor on a terminal, or one a line from standard input
//! otherwise (no prompt then, so that `echo 'ls | wc -l' | process-demo shell` prints
//! only what the commands print). Each line runs as a process `sh -c LINE`; the kernel
//! runs in slices of [`SLICE`] so that output shows as it comes and Ctrl-C can interrupt
//! the line.

use std::error::Error;
use std::io::{BufRead, IsTerminal, Write};
use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use rustyline::DefaultEditor;
use rustyline::error::ReadlineError;
use vproc::kernel::Kernel;
use vproc::shell::{Shell, Stream, TICK};

/// How long the kernel runs between two looks at the output and at Ctrl-C.
const SLICE: Duration = Duration::from_millis(10);

/// Variables the shell takes from the host's environment.
const IMPORTED: &[&str] = &["HOME", "USER", "LOGNAME", "LANG", "TERM"];

/// Runs the shell until `exit` or the end of the input; the status is the last line's
/// (or exit's).
pub fn run() -> ExitCode {
    match session() {
        Ok(code) => code,
        Err(e) => {
            eprintln!("process-demo shell: {e}");
            ExitCode::FAILURE
        }
    }
}

/// What Ctrl-C does: interrupt the running line, or, between lines, end the program.
#[derive(Default)]
struct CtrlC {
    /// A line is running.
    running: AtomicBool,
    /// Ctrl-C came while it was.
    pressed: AtomicBool,
}

fn session() -> Result<ExitCode, Box<dyn Error>> {
    let mut kernel = Shell::kernel_builder().build();
    kernel.mount_host("/", "/")?;
    Shell::install(&mut kernel);
    let mut shell = Shell::new();
    if let Some(dir) = std::env::current_dir()
        .ok()
        .and_then(|d| d.to_str().map(String::from))
    {
        shell.set_cwd(dir);
    }
    for name in IMPORTED {
        if let Ok(value) = std::env::var(name) {
            shell.export(name, value)?;
        }
    }
    let ctrl_c = Arc::new(CtrlC::default());
    let handler = ctrl_c.clone();
    ctrlc::set_handler(move || {
        if handler.running.load(Ordering::SeqCst) {
            handler.pressed.store(true, Ordering::SeqCst);
        } else {
            // Between lines (reading a pipe or a file), Ctrl-C ends the shell, as it
            // ends any program reading its input.
            std::process::exit(130);
        }
    })?;
    let mut input = Input::new()?;
    if input.is_terminal() {
        println!("vproc shell: the host's files, commands as virtual processes.");
        println!("`exit` or Ctrl-D leaves; `ps` shows the processes of a line.");
    }
    while let Some(line) = input.read(&prompt(&shell))? {
        if line.trim().is_empty() {
            continue;
        }
        ctrl_c.pressed.store(false, Ordering::SeqCst);
        ctrl_c.running.store(true, Ordering::SeqCst);
        let ran = run_line(&mut kernel, &mut shell, &line, &ctrl_c);
        ctrl_c.running.store(false, Ordering::SeqCst);
        ran?;
        if let Some(code) = shell.exit_requested() {
            return Ok(exit_code(code));
        }
    }
    Ok(exit_code(shell.status()))
}

/// Runs one line, printing its output as it comes.
fn run_line(
    kernel: &mut Kernel,
    shell: &mut Shell,
    line: &str,
    ctrl_c: &CtrlC,
) -> Result<(), Box<dyn Error>> {
    let mut running = shell.start(kernel, line)?;
    let ticks = u64::try_from(SLICE.as_nanos() / TICK.as_nanos()).unwrap_or(1);
    let mut stdout = std::io::stdout();
    let mut stderr = std::io::stderr();
    // A closed terminal or pipe is no reason to stop the line: what it prints is lost.
    let mut sink = |stream: Stream, data: &[u8]| {
        let _ = match stream {
            Stream::Stdout => stdout.write_all(data).and_then(|()| stdout.flush()),
            Stream::Stderr => stderr.write_all(data).and_then(|()| stderr.flush()),
        };
    };
    loop {
        if running.step(kernel, Some(ticks), &mut sink)?.is_some() {
            return Ok(());
        }
        if ctrl_c.pressed.swap(false, Ordering::SeqCst) {
            running.interrupt(kernel);
        }
    }
}

/// `vproc:~/src$ `: the directory, with the home directory as `~`.
fn prompt(shell: &Shell) -> String {
    let cwd = shell.cwd();
    let shown = match shell.var("HOME") {
        Some(home) if home != "/" && cwd.starts_with(&home) => match &cwd[home.len()..] {
            rest if rest.is_empty() || rest.starts_with('/') => format!("~{rest}"),
            _ => cwd.clone(),
        },
        _ => cwd.clone(),
    };
    format!("vproc:{shown}$ ")
}

fn exit_code(status: i32) -> ExitCode {
    ExitCode::from(u8::try_from(status & 0xff).unwrap_or(1))
}

/// Where lines come from.
enum Input {
    /// A terminal: a line editor, with history.
    Editor(Box<DefaultEditor>),
    /// Anything else: lines of standard input, with no prompt.
    Lines(std::io::StdinLock<'static>),
}

impl Input {
    fn new() -> Result<Self, Box<dyn Error>> {
        if std::io::stdin().is_terminal() {
            Ok(Input::Editor(Box::new(DefaultEditor::new()?)))
        } else {
            Ok(Input::Lines(std::io::stdin().lock()))
        }
    }

    fn is_terminal(&self) -> bool {
        matches!(self, Input::Editor(_))
    }

    /// The next line; `None` at the end of the input. Ctrl-C at the prompt gives an
    /// empty line (a new prompt), as in sh.
    fn read(&mut self, prompt: &str) -> Result<Option<String>, Box<dyn Error>> {
        match self {
            Input::Editor(editor) => match editor.readline(prompt) {
                Ok(line) => {
                    if !line.trim().is_empty() {
                        editor.add_history_entry(line.as_str())?;
                    }
                    Ok(Some(line))
                }
                Err(ReadlineError::Interrupted) => Ok(Some(String::new())),
                Err(ReadlineError::Eof) => Ok(None),
                Err(e) => Err(e.into()),
            },
            Input::Lines(lines) => {
                let mut line = String::new();
                if lines.read_line(&mut line)? == 0 {
                    return Ok(None);
                }
                if line.ends_with('\n') {
                    line.pop();
                }
                Ok(Some(line))
            }
        }
    }
}
