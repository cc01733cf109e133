//! vproc: an in-process kernel of virtual processes.
//!
//! This facade re-exports the crates that make up vproc:
//!
//! * [`sched`]: scheduling policies behind one `Policy` trait;
//! * [`ipc`]: signals and inter-process communication objects;
//! * [`kernel`]: the process table, system calls, executor and clock;
//! * [`shell`]: the command shell that runs on a kernel.
//!
//! ```
//! use vproc::kernel::{Command, Kernel, Stop};
//!
//! let mut kernel = Kernel::new();
//! let pid = kernel.spawn_fn(Command::new("hello"), |p| async move {
//!     p.sleep(100).await;
//!     if p.now() >= 100 { 0 } else { 1 }
//! })?;
//! assert_eq!(kernel.run()?, Stop::AllExited);
//! assert!(kernel.exit_status(pid)?.is_some_and(|status| status.success()));
//! # Ok::<(), vproc::kernel::Error>(())
//! ```

pub use vproc_ipc as ipc;
pub use vproc_kernel as kernel;
pub use vproc_sched as sched;
pub use vproc_shell as shell;
