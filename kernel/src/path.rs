//! Paths and environment names, checked and normalized as the system calls need them.

use vproc_ipc::Errno;

use crate::{Error, SysResult};

/// The longest path accepted, as Linux's PATH_MAX.
pub const PATH_MAX: usize = 4096;

/// Resolves `path` against `cwd` into an absolute path without `.`, `..` or doubled `/`.
/// `..` at the root stays at the root, as in Unix.
pub(crate) fn resolve(cwd: &str, path: &str) -> SysResult<String> {
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
    let mut parts: Vec<&str> = Vec::new();
    let start = if path.starts_with('/') { "" } else { cwd };
    for part in start.split('/').chain(path.split('/')) {
        match part {
            "" | "." => {}
            ".." => {
                parts.pop();
            }
            name => parts.push(name),
        }
    }
    let mut out = String::with_capacity(path.len() + cwd.len());
    for part in &parts {
        out.push('/');
        out.push_str(part);
    }
    if out.is_empty() {
        out.push('/');
    }
    Ok(out)
}

/// Checks an environment variable name as `setenv` does.
pub(crate) fn check_env_name(name: &str) -> SysResult<()> {
    if name.is_empty() || name.contains('=') || name.contains('\0') {
        return Err(Error::new(
            Errno::EINVAL,
            format!("'{name}' is not a valid environment variable name"),
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resolves_like_a_shell() {
        assert_eq!(resolve("/home/ann", "src").unwrap(), "/home/ann/src");
        assert_eq!(
            resolve("/home/ann", "../bob/./x//y").unwrap(),
            "/home/bob/x/y"
        );
        assert_eq!(resolve("/home", "/../..").unwrap(), "/");
        assert_eq!(resolve("/", ".").unwrap(), "/");
        assert_eq!(resolve("/", "").unwrap_err().errno(), Errno::ENOENT);
        assert_eq!(check_env_name("A=B").unwrap_err().errno(), Errno::EINVAL);
    }
}
