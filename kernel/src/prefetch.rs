//! Asking the CPU to fetch memory ahead of use: the run loop fetches the entries and the
//! programs of the processes most likely to run next while the present one runs, so that
//! with many processes a dispatch does not wait on main memory.

/// The run loop prefetches from this many processes on: below, the table and the
/// programs fit in the caches and a prefetch would cost more than it saves.
pub(crate) const MIN_PROCESSES: usize = 1024;

/// The size of a cache line on the CPUs that matter here.
const LINE: usize = 64;

/// Asks for the cache line `at` falls in; a hint that never faults.
#[inline(always)]
pub(crate) fn prefetch_line(at: *const u8) {
    #[cfg(target_arch = "x86_64")]
    {
        use std::arch::x86_64::{_MM_HINT_T0, _mm_prefetch};
        // SAFETY: prefetching is a hint; it never faults, whatever the address (and
        // the callers' `wrapping_add` makes no claim that it is in bounds).
        unsafe { _mm_prefetch::<_MM_HINT_T0>(at.cast::<i8>()) };
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = at;
}

/// Asks for the first two cache lines of the `bytes` bytes at `at` (one, if they fit in
/// one): a hint that never faults, in at most two instructions and no loop.
#[inline(always)]
pub(crate) fn prefetch_two_lines(at: *const u8, bytes: usize) {
    prefetch_line(at);
    if at as usize % LINE + bytes > LINE {
        prefetch_line(at.wrapping_add(LINE));
    }
}
