//! `process-demo`: a narrated tour of vproc.
//!
//! With no arguments it runs the tour: one scene per capability, each on its own kernel,
//! ending with the process table. `process-demo shell` is an interactive shell on a
//! kernel with the host's files; `process-demo sim` is the scheduling simulator.

mod narrate;
mod scenes;
mod shell;
mod sim;
mod timeline;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// The allocator: a simulation of many jobs creates and ends a process, with its program,
/// for each, and mimalloc's size-class pages keep those programs close together and
/// reuse freed memory without giving it back to the system; the simulator runs about a
/// fifth faster on it than on the C library's allocator.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// vproc's demonstration program.
#[derive(Parser)]
#[command(name = "process-demo", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Option<Mode>,
}

#[derive(Subcommand)]
enum Mode {
    /// The narrated tour of what vproc can do (the default).
    Tour,
    /// The scheduling simulator: a workload of jobs as processes under a policy.
    Sim(Box<sim::SimArgs>),
    /// An interactive shell: the host's files under /, every command a virtual process.
    Shell,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command.unwrap_or(Mode::Tour) {
        Mode::Tour => scenes::tour(),
        Mode::Sim(args) => return sim::run(&args),
        Mode::Shell => return shell::run(),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("process-demo: {e}");
            ExitCode::FAILURE
        }
    }
}
