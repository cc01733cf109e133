//! The vproc shell: command lines run on a vproc kernel.
//!
//! Here so far: [`parse`], which reads a command line as sh does (pipelines, `;`, `&&`,
//! `||`, redirections, quotes, `$` parameters), and [`split_words`], which cuts a line
//! into words only, with [`quote`], its inverse. Both rest on one scanner, so they quote
//! alike. The virtual [`coreutils`] (`ls`, `cat`, `grep`, `wc`, `head`, …) are programs to
//! register on a kernel.
//!
//! ```
//! use vproc_shell::{quote, split_words};
//!
//! let words = split_words(r#"grep -n "two words" 'a $b' c\ d # a comment"#)?;
//! assert_eq!(words, ["grep", "-n", "two words", "a $b", "c d"]);
//! assert_eq!(split_words(&quote("it's"))?, ["it's"]);
//! assert_eq!(vproc_shell::parse("seq 9 | grep 1 > out && cat out")?.lists.len(), 1);
//! # Ok::<(), vproc_shell::ShellError>(())
//! ```

#![warn(missing_docs)]

pub mod coreutils;
mod error;
mod lex;
mod parse;
mod words;

pub use error::ShellError;
pub use lex::{Op, Part, RedirectOp, Token, Word};
pub use parse::{
    AndOr, Connector, Pipeline, Redirect, RedirectKind, Script, SimpleCommand, parse,
};
pub use words::{quote, split_words};

use std::time::Duration;

/// The length of a tick the shell assumes: `sleep 1` sleeps `1 s / TICK` ticks.
pub const TICK: Duration = Duration::from_millis(1);
