//! The virtual coreutils: small programs registered on a kernel by name.
//!
//! Each one is an ordinary program: it reads descriptor 0, writes 1 and 2, and makes
//! every other call through its [`Proc`](vproc_kernel::Proc), so pipelines are real
//! processes joined by kernel pipes and redirections are real opens. Errors are worded as
//! coreutils word them (`cat: /nope: No such file or directory`). A utility whose output
//! has no reader left stops at the EPIPE error with status 141, what a shell shows for
//! SIGPIPE (which does not exist yet).

mod cat;
mod files;
mod grep;
mod head;
pub(crate) mod io;
mod ls;
mod misc;
mod wc;

use vproc_kernel::Kernel;

pub(crate) use misc::echo_text;

/// The names of the utilities [`register`] installs.
pub const UTILITIES: &[&str] = &[
    "cat", "echo", "false", "grep", "head", "ls", "mkdir", "mkfifo", "mv", "ps", "rm", "rmdir",
    "seq", "sleep", "touch", "true", "wc", "yes",
];

/// Registers every utility on `kernel`, by name.
pub fn register(kernel: &mut Kernel) {
    kernel.register("cat", cat::main);
    kernel.register("echo", misc::echo);
    kernel.register("false", misc::r#false);
    kernel.register("grep", grep::main);
    kernel.register("head", head::main);
    kernel.register("ls", ls::main);
    kernel.register("mkdir", files::mkdir);
    kernel.register("mkfifo", files::mkfifo);
    kernel.register("mv", files::mv);
    kernel.register("ps", misc::ps);
    kernel.register("rm", files::rm);
    kernel.register("rmdir", files::rmdir);
    kernel.register("seq", misc::seq);
    kernel.register("sleep", misc::sleep);
    kernel.register("touch", files::touch);
    kernel.register("true", misc::r#true);
    kernel.register("wc", wc::main);
    kernel.register("yes", misc::yes);
}
