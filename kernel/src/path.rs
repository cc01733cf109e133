//! Paths and environment names, checked and normalized as the system calls need them.

use vproc_ipc::Errno;

use crate::{Error, SysResult};

/// The longest path accepted, as Linux's PATH_MAX.
pub const PATH_MAX: usize = 4096;

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
