//! Spawning a child with chosen standard streams, keeping the parent's pipe ends.

use std::future::Future;

use crate::core::{PipeEnd, StdioEnds};
use crate::fd::{FileObject, OpenFile};
use crate::program::program_of;
use crate::{Child, Command, ExitValue, Fd, OpenFlags, Proc, SysResult};

impl Proc {
    /// Starts a child running the registered program `command` names, with its standard
    /// streams as `command` sets them; the parent's ends of [`Stdio::Piped`](crate::Stdio)
    /// streams come back as close-on-exec descriptors.
    pub fn spawn_child(&self, mut command: Command) -> SysResult<Child> {
        let rc = self.core.clone();
        self.syscall(|core, slot| {
            let program = core.registered(&command.program)?;
            let (pid, ends) = core.spawn_with_stdio(slot, &mut command, move |pid, child, g| {
                Ok(program(Proc::new(rc, pid, child, g)))
            })?;
            install_ends(core, slot, pid, ends)
        })
    }

    /// As [`spawn_child`](Proc::spawn_child), running `program`.
    pub fn spawn_fn_child<F, Fut>(&self, mut command: Command, program: F) -> SysResult<Child>
    where
        F: FnOnce(Proc) -> Fut + 'static,
        Fut: Future + 'static,
        Fut::Output: ExitValue,
    {
        let rc = self.core.clone();
        self.syscall(|core, slot| {
            let (pid, ends) = core.spawn_with_stdio(slot, &mut command, move |pid, child, g| {
                Ok(program_of(program, Proc::new(rc, pid, child, g)))
            })?;
            install_ends(core, slot, pid, ends)
        })
    }
}

/// Puts the parent's pipe ends into its table.
fn install_ends(
    core: &mut crate::core::Core,
    slot: u32,
    pid: crate::Pid,
    ends: StdioEnds,
) -> SysResult<Child> {
    let mut fds: [Option<Fd>; 3] = [None; 3];
    for (n, end) in ends.into_iter().enumerate() {
        let Some(end) = end else { continue };
        let (object, flags) = match end {
            PipeEnd::Reader(r) => (FileObject::PipeRead(r), OpenFlags::RDONLY),
            PipeEnd::Writer(w) => (FileObject::PipeWrite(w), OpenFlags::WRONLY),
        };
        let file = OpenFile::new(&core.census, object, flags, "");
        fds[n] = Some(core.table.get_mut(slot).fds.insert(file, true, Fd(0))?);
    }
    Ok(Child {
        pid,
        stdin: fds[0],
        stdout: fds[1],
        stderr: fds[2],
    })
}
