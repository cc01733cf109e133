//! Readiness events, as `poll(2)` names them.

use bitflags::bitflags;

bitflags! {
    /// Events `poll` asks about and reports, with Linux's values.
    #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
    pub struct PollEvents: u16 {
        /// Data can be read without blocking (or end of file can be seen).
        const POLLIN = 0x001;
        /// Writing does not block (at least `PIPE_BUF` bytes of room).
        const POLLOUT = 0x004;
        /// An error: for a pipe's write end, no reader is left.
        const POLLERR = 0x008;
        /// Hang-up: for a pipe's read end, no writer is left.
        const POLLHUP = 0x010;
        /// The descriptor is not open (reported only).
        const POLLNVAL = 0x020;
    }
}
