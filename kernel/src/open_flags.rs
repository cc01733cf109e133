//! Flags of `open`, `fcntl` and `pipe2`, with Linux's values.

use bitflags::bitflags;

bitflags! {
    /// How a file is opened (`open(2)` flags). The access mode is
    /// [`RDONLY`](OpenFlags::RDONLY) (no bit), [`WRONLY`](OpenFlags::WRONLY) or
    /// [`RDWR`](OpenFlags::RDWR).
    #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
    pub struct OpenFlags: u32 {
        /// Open for reading only (the absence of `WRONLY` and `RDWR`).
        const RDONLY = 0;
        /// Open for writing only.
        const WRONLY = 0o1;
        /// Open for reading and writing.
        const RDWR = 0o2;
        /// Create the file if it does not exist.
        const CREAT = 0o100;
        /// With `CREAT`: fail with EEXIST if the file exists.
        const EXCL = 0o200;
        /// Truncate a regular file to length 0.
        const TRUNC = 0o1000;
        /// Every write goes to the end of the file.
        const APPEND = 0o2000;
        /// Calls that would block fail with EAGAIN instead.
        const NONBLOCK = 0o4000;
        /// Fail with ENOTDIR unless the path names a directory.
        const DIRECTORY = 0o200000;
        /// Fail with ELOOP if the last component is a symbolic link.
        const NOFOLLOW = 0o400000;
        /// Set close-on-exec on the new descriptor.
        const CLOEXEC = 0o2000000;
    }
}

impl OpenFlags {
    /// Whether reading is allowed.
    pub fn readable(self) -> bool {
        !self.contains(OpenFlags::WRONLY)
    }

    /// Whether writing is allowed.
    pub fn writable(self) -> bool {
        self.intersects(OpenFlags::WRONLY | OpenFlags::RDWR)
    }
}
