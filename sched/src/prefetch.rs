//! Asking the CPU to fetch a policy's entry for a task ahead of use, while other work
//! goes on: with many tasks, per-task tables outgrow the caches.

/// Starts fetching `items[index]` (for writing) into the cache; nothing if it is out of
/// bounds. A hint: it never faults and changes nothing.
#[inline(always)]
pub(crate) fn prefetch<T>(items: &[T], index: usize) {
    #[cfg(target_arch = "x86_64")]
    if let Some(item) = items.get(index) {
        use std::arch::x86_64::{_MM_HINT_ET0, _mm_prefetch};
        // SAFETY: prefetching is a hint; it never faults, whatever the address.
        unsafe { _mm_prefetch::<_MM_HINT_ET0>((item as *const T).cast::<i8>()) };
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = (items, index);
}
