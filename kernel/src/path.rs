//! Environment names, checked as the system calls need them, and the path limit.

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
    fn environment_names_are_checked() {
        assert_eq!(check_env_name("A=B").unwrap_err().errno(), Errno::EINVAL);
        assert_eq!(check_env_name("").unwrap_err().errno(), Errno::EINVAL);
        assert!(check_env_name("PATH").is_ok());
    }
}
