//! Spawning: a child's slot, descriptors, signal state and group, from a `Command`.

use std::rc::Rc;

use vproc_ipc::{Errno, PipeReader, PipeWriter};
use vproc_sched::{Requeue, TaskId, TaskParams};

use crate::event::EventKind;
use crate::fd::{FdTable, FileObject, OpenFile};
use crate::process::{Cwd, NIL, Program};
use crate::vfs::Device;
use crate::{Command, Error, Fd, OpenFlags, Pid, ProcState, Stdio, SysResult};

use super::{Core, INIT, nice_value, set_var};

/// The parent's ends of a child's piped standard streams, by stream number.
pub(crate) type StdioEnds = [Option<PipeEnd>; 3];

/// One end of a pipe made for a child's standard stream.
pub(crate) enum PipeEnd {
    /// The parent reads (the child's output).
    Reader(PipeReader),
    /// The parent writes (the child's input).
    Writer(PipeWriter),
}

impl Core {
    /// Creates a process running `make(proc)`, as a child of `parent` (init for the host).
    ///
    /// Takes `command` by reference (moving its name and arguments out): a `Command` is
    /// large, and copying it costs a measurable part of a spawn.
    #[inline]
    pub(crate) fn spawn(
        &mut self,
        parent: u32,
        command: &mut Command,
        make: impl FnOnce(Pid, u32, u32) -> SysResult<Program>,
    ) -> SysResult<Pid> {
        let cwd = self.child_cwd(parent, command)?;
        // A child that inherits its three streams (most do) needs no pipe ends made and
        // none handed back.
        let fds = if command.stdio == [Stdio::Inherit; 3] {
            self.table.get(parent).fds.inherited()
        } else {
            self.child_fds(parent, command)?.0
        };
        self.create(parent, command, cwd, fds, make)
    }

    /// Spawns as [`spawn`](Core::spawn) does, and gives back the parent's ends of the
    /// child's piped standard streams.
    pub(crate) fn spawn_with_stdio(
        &mut self,
        parent: u32,
        command: &mut Command,
        make: impl FnOnce(Pid, u32, u32) -> SysResult<Program>,
    ) -> SysResult<(Pid, StdioEnds)> {
        let cwd = self.child_cwd(parent, command)?;
        let (fds, ends) = self.child_fds(parent, command)?;
        let pid = self.create(parent, command, cwd, fds, make)?;
        Ok((pid, ends))
    }

    /// The working directory of a child of `parent`: the parent's, or the one `command`
    /// names.
    #[inline(always)]
    fn child_cwd(&self, parent: u32, command: &Command) -> SysResult<Cwd> {
        match &command.cwd {
            None => Ok(self.table.get(parent).cwd.clone()),
            Some(dir) => self.child_dir(parent, dir),
        }
    }

    /// A directory a command names for its child, resolved from `parent`'s.
    fn child_dir(&self, parent: u32, dir: &str) -> SysResult<Cwd> {
        Ok(Rc::new(self.directory(parent, dir)?))
    }

    /// The rest of a spawn, once the child's directory and descriptors are made: checks
    /// the rest of `command`, fills a slot and hands the child to the policy.
    #[inline]
    fn create(
        &mut self,
        parent: u32,
        command: &mut Command,
        cwd: Cwd,
        fds: FdTable,
        make: impl FnOnce(Pid, u32, u32) -> SysResult<Program>,
    ) -> SysResult<Pid> {
        let (blocked, actions, pgid, sid) = {
            let p = self.table.get(parent);
            let actions = p
                .sig
                .child_actions(&self.default_actions, command.sigdefault);
            (p.sig.blocked, actions, p.pgid, p.sid)
        };
        if let Some(group) = command.pgroup
            && group != Pid(0)
            && !command.setsid
            && !self.group_in_session(group, sid)
        {
            return Err(Error::new(
                Errno::EPERM,
                format!("no process group {group} in the session to start the child in"),
            ));
        }
        let (env, nice, umask) = {
            let p = self.table.get(parent);
            let nice = match command.nice {
                // The host is no process: its children start at nice 0, whatever init's.
                None if parent == INIT => 0,
                None => p.nice,
                Some(n) => nice_value(n)?,
            };
            let env = if command.inherit_env {
                p.env.clone()
            } else {
                self.empty_env.clone()
            };
            (env, nice, p.umask)
        };
        let env = if command.env.is_empty() {
            env
        } else {
            let mut env = env;
            let vars = Rc::make_mut(&mut env);
            for (key, value) in &command.env {
                crate::path::check_env_name(key)?;
                set_var(vars, key, value);
            }
            env
        };
        let pid = self.table.allocate_pid().ok_or_else(|| {
            Error::new(
                Errno::EAGAIN,
                format!("all {} pids are in use", self.table.pid_max() - 1),
            )
        })?;
        let params = TaskParams {
            nice,
            length: command.length,
            tickets: command.tickets.unwrap_or(TaskParams::default().tickets),
        };
        let slot = self.claim(pid);
        let now = self.now;
        let process = self.table.get_mut(slot);
        process.fill(
            pid,
            now,
            ProcState::Ready,
            nice,
            std::mem::take(&mut command.program),
            std::mem::take(&mut command.args),
            env,
            cwd,
        );
        process.host_child = parent == INIT && !command.unwaited;
        process.umask = umask;
        std::mem::replace(&mut process.fds, fds).close_all();
        process.sig.start(blocked, actions);
        (process.pgid, process.sid) = if command.setsid {
            (pid, pid)
        } else {
            match command.pgroup {
                Some(Pid(0)) => (pid, sid),
                Some(group) => (group, sid),
                None => (pgid, sid),
            }
        };
        let generation = self.table.get(slot).generation;
        let program = match make(pid, slot, generation) {
            Ok(program) => program,
            Err(e) => {
                // The command gets its name back, for the caller's report.
                let process = self.table.get_mut(slot);
                command.program = std::mem::take(&mut process.name);
                let fds = std::mem::take(&mut process.fds);
                self.table.remove(slot, false);
                drop(fds);
                return Err(e);
            }
        };
        self.table.get_mut(slot).program = Some(program);
        if command.setsid {
            self.take_terminal_of_stdio(slot, command);
        }
        self.table.link_child(parent, slot);
        let parent_pid = self.pid(parent);
        self.publish(pid, EventKind::Spawned { parent: parent_pid });
        self.policy.admit(TaskId(slot), &params, self.now);
        self.policy.enqueue(TaskId(slot), Requeue::New, self.now);
        if self.current != NIL {
            // A child more favoured than its parent may take the CPU from it.
            self.woke_during_dispatch = true;
        }
        Ok(pid)
    }

    /// The descriptor table of a child of `parent`: the parent's descriptors without
    /// close-on-exec, then the standard streams as `command` asks; with the parent's ends
    /// of new pipes.
    fn child_fds(&self, parent: u32, command: &Command) -> SysResult<(FdTable, StdioEnds)> {
        let parent_fds = &self.table.get(parent).fds;
        let mut fds = parent_fds.inherited();
        let mut ends: StdioEnds = [None, None, None];
        let mut tty: Option<Rc<OpenFile>> = None;
        for (n, stdio) in command.stdio.iter().enumerate() {
            let file = match *stdio {
                Stdio::Inherit => continue,
                Stdio::Tty(id) => match &tty {
                    Some(file) if matches!(&file.object, FileObject::Tty(t) if t.id() == id) => {
                        file.clone()
                    }
                    _ => {
                        let object = FileObject::Tty(self.terminals.get(id)?);
                        let file =
                            OpenFile::new(&self.census, object, OpenFlags::RDWR, id.to_string());
                        tty = Some(file.clone());
                        file
                    }
                },
                Stdio::Fd(fd) => parent_fds.get(fd)?.file.clone(),
                Stdio::Null => {
                    let null = FileObject::Device(Device::Null);
                    OpenFile::new(&self.census, null, OpenFlags::RDWR, "/dev/null")
                }
                Stdio::Piped => {
                    let (reader, writer) = vproc_ipc::pipe();
                    let (object, flags) = if n == 0 {
                        ends[n] = Some(PipeEnd::Writer(writer));
                        (FileObject::PipeRead(reader), OpenFlags::RDONLY)
                    } else {
                        ends[n] = Some(PipeEnd::Reader(reader));
                        (FileObject::PipeWrite(writer), OpenFlags::WRONLY)
                    };
                    OpenFile::new(&self.census, object, flags, "")
                }
            };
            // Descriptors 0 to 2 are below the limit: the replaced entry is dropped.
            fds.replace(Fd(n as u32), file, false)?;
        }
        Ok((fds, ends))
    }

    /// A new session leader opened a terminal among its standard streams: the first one
    /// that controls no session becomes its controlling terminal.
    fn take_terminal_of_stdio(&mut self, slot: u32, command: &Command) {
        for stdio in command.stdio {
            // The child's descriptors hold the terminal: it is there.
            if let Stdio::Tty(id) = stdio
                && let Ok(tty) = self.terminals.get(id)
                && self.acquire_ctty(slot, &tty)
            {
                break;
            }
        }
    }
}
