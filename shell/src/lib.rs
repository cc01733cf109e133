//! The vproc shell: command lines run on a vproc kernel.
//!
//! Here so far: [`split_words`], which cuts a command line into words as a POSIX shell
//! does (quotes, backslashes, comments), and [`quote`], its inverse. The parser, job
//! control and builtins build on it.
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

mod error;
mod words;

pub use error::ShellError;
pub use words::{quote, split_words};
