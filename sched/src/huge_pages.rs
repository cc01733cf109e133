//! Big per-task tables in huge pages: with a million tasks a table indexed by task spans
//! megabytes, more than the CPU's TLB reaches in 4 KiB pages, and lookups that jump
//! around it wait on page walks. Backed by 2 MiB pages, it takes a few TLB entries.
//!
//! On Linux, [`reserve`] grows a `Vec` into a fresh buffer and asks the kernel for
//! transparent huge pages there (`madvise(MADV_HUGEPAGE)`) before anything is written to
//! it, so that the first touch faults whole huge pages in; the old contents are then
//! moved over. Elsewhere, and where the system does not offer huge pages, it is an
//! ordinary `reserve`.
//!
//! ```
//! let mut table: Vec<u64> = Vec::new();
//! vproc_sched::huge_pages::reserve(&mut table, 1_000_000);
//! assert!(table.capacity() >= 1_000_000);
//! ```

/// The size of a huge page on the machines that matter here.
const HUGE_PAGE: usize = 2 << 20;

/// Makes room for `additional` more elements in `table` (doubling at least, as `Vec`
/// does), in a buffer whose whole huge pages the system is asked to back with huge pages
/// once it spans two or more.
#[inline]
pub fn reserve<T>(table: &mut Vec<T>, additional: usize) {
    let needed = table.len().saturating_add(additional);
    if needed > table.capacity() {
        grow(table, needed);
    }
}

/// Moves `table` into a new buffer with room for `needed` elements at least.
#[cold]
#[inline(never)]
fn grow<T>(table: &mut Vec<T>, needed: usize) {
    let capacity = needed.max(table.capacity().saturating_mul(2)).max(8);
    let mut grown: Vec<T> = Vec::with_capacity(capacity);
    advise(
        grown.as_mut_ptr().cast(),
        capacity.saturating_mul(size_of::<T>()),
    );
    grown.append(table);
    *table = grown;
}

/// Asks for huge pages in the whole huge pages of the `bytes` at `at`, not yet touched.
#[cfg(target_os = "linux")]
fn advise(at: *mut u8, bytes: usize) {
    let start = (at as usize).next_multiple_of(HUGE_PAGE);
    let end = (at as usize).saturating_add(bytes) / HUGE_PAGE * HUGE_PAGE;
    if end < start + 2 * HUGE_PAGE {
        return;
    }
    // SAFETY: the range lies inside an allocation this module owns, and MADV_HUGEPAGE
    // changes how the kernel backs the memory, never its contents. A refusal (no
    // transparent huge pages here) leaves ordinary pages, which is fine.
    let _ = unsafe {
        rustix::mm::madvise(
            start as *mut std::ffi::c_void,
            end - start,
            rustix::mm::Advice::LinuxHugepage,
        )
    };
}

#[cfg(not(target_os = "linux"))]
fn advise(_at: *mut u8, _bytes: usize) {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_the_contents_and_grows_geometrically() {
        let mut table: Vec<u32> = (0..1000).collect();
        let before = table.capacity();
        let more = before - table.len() + 1;
        reserve(&mut table, more);
        assert!(table.capacity() >= 2 * before);
        assert_eq!(table, (0..1000).collect::<Vec<_>>());
        let grown = table.capacity();
        reserve(&mut table, 1);
        assert_eq!(table.capacity(), grown, "room enough: no new buffer");
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn a_big_table_is_advised_for_huge_pages() {
        // 16 MiB: the whole huge pages inside it carry the advice (the `hg` flag of
        // /proc/self/smaps), whatever the system's huge page setting, if its kernel has
        // transparent huge pages at all.
        if !std::path::Path::new("/sys/kernel/mm/transparent_hugepage").exists() {
            return;
        }
        let mut table: Vec<u64> = Vec::new();
        reserve(&mut table, 2 << 20);
        let at = table.as_ptr() as usize;
        let smaps = std::fs::read_to_string("/proc/self/smaps").expect("smaps is readable");
        let mut in_table = false;
        let mut advised = false;
        for line in smaps.lines() {
            if let Some((range, _)) = line.split_once(' ')
                && let Some((low, high)) = range.split_once('-')
                && let (Ok(low), Ok(high)) = (
                    usize::from_str_radix(low, 16),
                    usize::from_str_radix(high, 16),
                )
            {
                in_table = low <= at + HUGE_PAGE * 2 && at + HUGE_PAGE * 2 < high;
            } else if in_table && line.starts_with("VmFlags:") {
                advised = line.split_whitespace().any(|flag| flag == "hg");
            }
        }
        assert!(advised, "no mapping of the table is advised MADV_HUGEPAGE");
    }
}
