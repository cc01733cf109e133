//! The vproc shell: command lines run on a vproc kernel.
//!
//! A [`Shell`] runs a command line as a process `sh -c LINE` on a
//! [`Kernel`](vproc_kernel::Kernel). That process parses the line ([`parse`]) and runs
//! it as a POSIX shell would: each command of a pipeline is a process of its own, joined
//! to the next by a kernel pipe; `<`, `>`, `>>`, `2>`, `2>&1` are opens and
//! duplications of real descriptors; `;`, `&&` and `||` follow the statuses; `$VAR`,
//! `${VAR}`, `$?`, `$$` and `~` expand. The builtins are `cd`, `pwd`, `echo`, `export`
//! and `exit`; the other commands are the virtual [`coreutils`] (`ls`, `cat`, `grep`,
//! `wc`, `head`, …), ordinary programs that use only system calls, registered on the
//! kernel by [`Shell::install`]. The shell keeps the working directory, the variables
//! and `$?` from one line to the next.
//!
//! ```
//! use vproc_kernel::Kernel;
//! use vproc_shell::Shell;
//!
//! let mut kernel = Kernel::new(); // in-memory files and a virtual clock
//! Shell::install(&mut kernel);
//! let mut shell = Shell::new();
//!
//! let out = shell.run(&mut kernel, "seq 1 20 | grep 1 | wc -l")?;
//! assert_eq!((out.stdout_lossy().as_ref(), out.status), ("11\n", 0));
//!
//! shell.run(&mut kernel, "cd /tmp; export GREETING=hello; echo $GREETING > note")?;
//! let out = shell.run(&mut kernel, "cat note missing 2>&1 || echo status $?")?;
//! assert_eq!(
//!     out.stdout_lossy(),
//!     "hello\ncat: missing: No such file or directory\nstatus 1\n"
//! );
//! # Ok::<(), vproc_kernel::Error>(())
//! ```
//!
//! Not yet: job control (`&`, `fg`, `jobs`), signals beyond Ctrl-C's SIGINT to the
//! running line, globbing, field splitting of expanded values, subshells, here-documents,
//! functions and control flow (`if`, `for`, `while`).
//!
//! For callers that need only words, [`split_words`] cuts a line as sh does (on the same
//! scanner as the parser) and [`quote`] is its inverse:
//!
//! ```
//! use vproc_shell::{quote, split_words};
//!
//! let words = split_words(r#"grep -n "two words" 'a $b' c\ d # a comment"#)?;
//! assert_eq!(words, ["grep", "-n", "two words", "a $b", "c d"]);
//! assert_eq!(split_words(&quote("it's"))?, ["it's"]);
//! # Ok::<(), vproc_shell::ShellError>(())
//! ```

#![warn(missing_docs)]

mod builtins;
pub mod coreutils;
mod error;
mod exec;
mod expand;
mod lex;
mod parse;
mod shell;
mod state;
mod words;

use std::time::Duration;

pub use builtins::BUILTINS;
pub use error::ShellError;
pub use lex::{Op, Part, RedirectOp, Token, Word};
pub use parse::{AndOr, Connector, Pipeline, Redirect, RedirectKind, Script, SimpleCommand, parse};
pub use shell::{Output, Running, Shell, Stream};
pub(crate) use state::State;
pub use words::{quote, split_words};

/// The length of a tick the shell assumes: `sleep 1` sleeps `1 s / TICK` ticks. A kernel
/// for a shell runs on a real-time clock of this tick: see [`Shell::kernel_builder`].
pub const TICK: Duration = Duration::from_millis(1);
