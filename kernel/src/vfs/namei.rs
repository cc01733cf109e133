//! Path resolution: from a path to the absolute, link-free place it names.

use std::rc::Rc;

use vproc_ipc::Errno;

use super::{Backend, FileType, SYMLOOP_MAX, Stat, components, procfs};
use crate::core::Core;
use crate::fd::OpenFile;
use crate::{Error, PATH_MAX, SysResult};

/// The longest file name (one component), as Linux's NAME_MAX.
pub const NAME_MAX: usize = 255;

/// Where a path led.
pub(crate) enum Walked {
    /// To an existing file: its absolute path (no link in it, except the last component
    /// when links were not followed), its status, and for a `/proc/<pid>/fd/N` link that
    /// was followed, the open file it names.
    Found {
        path: Vec<String>,
        stat: Stat,
        magic: Option<Rc<OpenFile>>,
    },
    /// To a name that does not exist, in a directory that does.
    Missing { parent: Vec<String>, name: String },
}

impl Core {
    /// Resolves `path` for the process in `caller` (relative paths start at its working
    /// directory). `follow`: follow a symbolic link in the last component too (a
    /// trailing `/` always does, and then asks for a directory).
    pub(crate) fn walk(&self, caller: u32, path: &str, follow: bool) -> SysResult<Walked> {
        check(path)?;
        let trailing = path.len() > 1 && path.ends_with('/');
        let follow = follow || trailing;
        let mut cur = if path.starts_with('/') {
            Vec::new()
        } else {
            components(&self.table.get(caller).cwd)
        };
        let mut todo = parts(path);
        let mut links = 0;
        loop {
            let Some(name) = todo.pop() else {
                let stat = self.lstat_at(caller, &cur)?;
                return Ok(Walked::Found {
                    path: cur,
                    stat,
                    magic: None,
                });
            };
            if name == ".." {
                cur.pop();
                continue;
            }
            if name.len() > NAME_MAX {
                return Err(Error::new(
                    Errno::ENAMETOOLONG,
                    format!("'{name}' is longer than {NAME_MAX} bytes"),
                ));
            }
            let last = todo.is_empty();
            cur.push(name);
            let stat = match self.lstat_at(caller, &cur) {
                Ok(stat) => stat,
                Err(e) if last && e.errno() == Errno::ENOENT => {
                    let name = cur.pop().unwrap_or_default();
                    return Ok(Walked::Missing { parent: cur, name });
                }
                Err(e) => return Err(e),
            };
            if stat.kind == FileType::Symlink && (!last || follow) {
                if let Some(file) = self.proc_magic(caller, &cur) {
                    if !last {
                        return Err(not_dir(&cur));
                    }
                    let stat = self.stat_open(&file);
                    return Ok(Walked::Found {
                        path: cur,
                        stat,
                        magic: Some(file),
                    });
                }
                links += 1;
                if links > SYMLOOP_MAX {
                    return Err(Error::new(
                        Errno::ELOOP,
                        format!("more than {SYMLOOP_MAX} symbolic links in '{path}'"),
                    ));
                }
                let target = self.readlink_at(caller, &cur)?;
                cur.pop();
                if target.starts_with('/') {
                    cur.clear();
                }
                todo.extend(parts(&target));
                continue;
            }
            if (!last || trailing) && stat.kind != FileType::Directory {
                return Err(not_dir(&cur));
            }
            if last {
                return Ok(Walked::Found {
                    path: cur,
                    stat,
                    magic: None,
                });
            }
        }
    }

    /// The status of the file at `abs` itself.
    pub(crate) fn lstat_at(&self, caller: u32, abs: &[String]) -> SysResult<Stat> {
        let (mount, rel) = self.vfs.locate(abs);
        match &mount.backend {
            Backend::Fs(fs) => fs.lstat(&rel),
            Backend::Proc => procfs::lstat(self, caller, &rel, mount.dev),
        }
    }

    /// The target of the link at `abs`.
    pub(crate) fn readlink_at(&self, caller: u32, abs: &[String]) -> SysResult<String> {
        let (mount, rel) = self.vfs.locate(abs);
        match &mount.backend {
            Backend::Fs(fs) => fs.readlink(&rel),
            Backend::Proc => procfs::readlink(self, caller, &rel),
        }
    }

    /// The open file a `/proc/<pid>/fd/N` link at `abs` names, if it is one.
    fn proc_magic(&self, caller: u32, abs: &[String]) -> Option<Rc<OpenFile>> {
        let (mount, rel) = self.vfs.locate(abs);
        match mount.backend {
            Backend::Proc => procfs::magic(self, caller, &rel),
            Backend::Fs(_) => None,
        }
    }
}

/// Checks a path as every call taking one does.
fn check(path: &str) -> SysResult<()> {
    if path.is_empty() {
        return Err(Error::new(Errno::ENOENT, "the path is empty"));
    }
    if path.len() >= PATH_MAX {
        return Err(Error::new(
            Errno::ENAMETOOLONG,
            format!(
                "the path is {} bytes long; the limit is {PATH_MAX}",
                path.len()
            ),
        ));
    }
    if path.contains('\0') {
        return Err(Error::new(Errno::EINVAL, "the path contains a NUL byte"));
    }
    Ok(())
}

/// The components still to walk, last first (a stack).
fn parts(path: &str) -> Vec<String> {
    path.split('/')
        .filter(|c| !c.is_empty() && *c != ".")
        .rev()
        .map(str::to_string)
        .collect()
}

fn not_dir(abs: &[String]) -> Error {
    Error::new(
        Errno::ENOTDIR,
        format!("{} is not a directory", super::join(abs)),
    )
}
