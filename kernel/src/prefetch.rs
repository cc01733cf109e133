//! Asking the CPU to fetch memory ahead of use: the run loop fetches the entries and the
//! programs of the processes most likely to run next while the present one runs, so that
//! with many processes a dispatch does not wait on main memory.

/// The run loop prefetches from this many processes on: below, the table and the
/// programs fit in the caches and a prefetch would cost more than it saves.
pub(crate) const MIN_PROCESSES: usize = 1024;

/// The size of a cache line on the CPUs that matter here.
#[cfg(target_arch = "x86_64")]
const LINE: usize = 64;

/// Asks for the cache lines of the `bytes` bytes at `at`; a hint that never faults.
#[inline(always)]
pub(crate) fn prefetch(at: *const u8, bytes: usize) {
    #[cfg(target_arch = "x86_64")]
    {
        use std::arch::x86_64::{_MM_HINT_T0, _mm_prefetch};
        // Every line the bytes touch, from the one `at` falls in.
        let first = at.wrapping_sub(at as usize % LINE);
        let mut offset = 0;
        while offset < bytes + at as usize % LINE {
            // SAFETY: prefetching is a hint; it never faults, whatever the address, and
            // `wrapping_add` makes no claim that the address is in bounds.
            unsafe { _mm_prefetch::<_MM_HINT_T0>(first.wrapping_add(offset).cast::<i8>()) };
            offset += LINE;
        }
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = (at, bytes);
}
