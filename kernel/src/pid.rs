//! Process ids.

use std::collections::HashMap;
use std::fmt;
use std::hash::{BuildHasherDefault, Hasher};

/// A process id. Pid 1 is init.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Pid(pub u32);

impl Pid {
    /// The id of init, the first process, which adopts orphans.
    pub const INIT: Pid = Pid(1);

    /// The id as a number.
    pub fn as_u32(self) -> u32 {
        self.0
    }
}

impl fmt::Display for Pid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

/// A map keyed by pid, hashed with one multiplication: pids are small distinct numbers
/// the kernel hands out, which need no defence against chosen collisions (what SipHash,
/// the std default, pays for).
pub(crate) type PidMap<V> = HashMap<Pid, V, BuildHasherDefault<PidHasher>>;

/// 2^64 divided by the golden ratio.
const FIBONACCI: u64 = 0x9E37_79B9_7F4A_7C15;

/// The hasher of [`PidMap`].
#[derive(Default)]
pub(crate) struct PidHasher(u64);

impl Hasher for PidHasher {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        for &byte in bytes {
            self.0 = (self.0.rotate_left(8) ^ u64::from(byte)).wrapping_mul(FIBONACCI);
        }
    }

    fn write_u32(&mut self, n: u32) {
        // Fibonacci hashing: the high bits, which the table's tags use, mix every bit.
        self.0 = (self.0 ^ u64::from(n)).wrapping_mul(FIBONACCI);
    }
}

/// The largest pid_max the kernel accepts, as on 64-bit Linux (`PID_MAX_LIMIT`).
pub const PID_MAX_LIMIT: u32 = 4_194_304;

/// Where pid allocation restarts after it passes pid_max, as on Linux (`RESERVED_PIDS`).
pub const RESERVED_PIDS: u32 = 300;

/// Hands out pids counting up from 1, wrapping at `pid_max` to [`RESERVED_PIDS`] (or to 2
/// when pid_max is that small), and never a pid still in use.
#[derive(Debug)]
pub(crate) struct PidAllocator {
    pid_max: u32,
    next: u32,
}

impl PidAllocator {
    pub(crate) fn new(pid_max: u32) -> Self {
        PidAllocator { pid_max, next: 1 }
    }

    pub(crate) fn pid_max(&self) -> u32 {
        self.pid_max
    }

    fn wrap_to(&self) -> u32 {
        if self.pid_max > RESERVED_PIDS + 1 {
            RESERVED_PIDS
        } else {
            2
        }
    }

    /// The next free pid by `in_use`, or `None` when every pid is taken.
    pub(crate) fn allocate(&mut self, in_use: impl Fn(u32) -> bool) -> Option<Pid> {
        let span = self.pid_max - 1;
        for _ in 0..span {
            let pid = self.next;
            self.next = if pid + 1 >= self.pid_max {
                self.wrap_to()
            } else {
                pid + 1
            };
            if !in_use(pid) {
                return Some(Pid(pid));
            }
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_up_wraps_and_skips_used() {
        let mut a = PidAllocator::new(8);
        let got: Vec<u32> = (0..7).map(|_| a.allocate(|_| false).unwrap().0).collect();
        assert_eq!(got, vec![1, 2, 3, 4, 5, 6, 7]);
        // Wraps to 2 for a small pid_max, skipping pids still in use.
        assert_eq!(a.allocate(|p| p == 2 || p == 3).unwrap().0, 4);
        assert_eq!(a.allocate(|p| p != 6).unwrap().0, 6);
        assert!(a.allocate(|_| true).is_none());
    }

    #[test]
    fn wraps_to_300_like_linux() {
        let mut a = PidAllocator::new(1000);
        for _ in 1..1000 {
            a.allocate(|_| false).unwrap();
        }
        assert_eq!(a.allocate(|_| false).unwrap().0, 300);
    }
}
