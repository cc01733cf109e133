//! Wakers for processes: a kernel id, a slot and the slot's generation packed into the
//! waker's data word, so making, cloning and dropping one costs nothing and allocates
//! nothing.
//!
//! A wake on the thread where that kernel runs goes to a thread-local list; a wake from
//! any other thread goes through the kernel's injection queue, found by its id. A waker
//! that outlives its process (the generation no longer matches) wakes no one.

use std::cell::{Cell, RefCell};
use std::collections::HashMap;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, LazyLock, Weak};
use std::task::{RawWaker, RawWakerVTable, Waker};

use parking_lot::RwLock;

use crate::handle::{Injected, Shared};

const _: () = assert!(
    usize::BITS == 64,
    "vproc packs a kernel id, a slot and a generation into a waker's data word: it needs \
     64-bit targets"
);

/// Bits of the data word: 16 for the kernel, 24 for the slot, 24 for the generation.
const SLOT_BITS: u32 = 24;
const GENERATION_BITS: u32 = 24;
const SLOT_MASK: u64 = (1 << SLOT_BITS) - 1;
const GENERATION_MASK: u64 = (1 << GENERATION_BITS) - 1;

/// The most processes a kernel can hold at once: slots must fit their 24 bits.
pub(crate) const MAX_SLOTS: usize = 1 << SLOT_BITS;

/// Names a process across threads: which kernel, which slot, which occupant of it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct WakeId {
    pub kernel: u16,
    pub slot: u32,
    /// The slot's generation, cut to 24 bits.
    pub generation: u32,
}

impl WakeId {
    pub(crate) fn new(kernel: u16, slot: u32, generation: u32) -> Self {
        WakeId {
            kernel,
            slot,
            generation: generation & GENERATION_MASK as u32,
        }
    }

    /// Whether this names the occupant of `slot` whose generation is `generation`.
    pub(crate) fn names(&self, generation: u32) -> bool {
        self.generation == generation & GENERATION_MASK as u32
    }

    fn pack(self) -> *const () {
        let word = (u64::from(self.kernel) << (SLOT_BITS + GENERATION_BITS))
            | (u64::from(self.slot) & SLOT_MASK) << GENERATION_BITS
            | u64::from(self.generation);
        word as usize as *const ()
    }

    fn unpack(data: *const ()) -> Self {
        let word = data as usize as u64;
        WakeId {
            kernel: (word >> (SLOT_BITS + GENERATION_BITS)) as u16,
            slot: ((word >> GENERATION_BITS) & SLOT_MASK) as u32,
            generation: (word & GENERATION_MASK) as u32,
        }
    }
}

static NEXT_KERNEL: AtomicU32 = AtomicU32::new(0);

static KERNELS: LazyLock<RwLock<HashMap<u16, Weak<Shared>>>> =
    LazyLock::new(|| RwLock::new(HashMap::new()));

thread_local! {
    /// The kernel running on this thread (0 when none).
    static RUNNING: Cell<u16> = const { Cell::new(0) };
    /// Processes woken on this thread, of whichever kernel ran then.
    static WOKEN: RefCell<Vec<WakeId>> = const { RefCell::new(Vec::new()) };
    /// Whether `WOKEN` may be non-empty.
    static ANY_WOKEN: Cell<bool> = const { Cell::new(false) };
}

/// A fresh kernel id (never 0), registered so that wakers on any thread can reach the
/// kernel's injection queue. Ids wrap after 65,535 kernels; one still alive is skipped.
pub(crate) fn register(shared: &Arc<Shared>) -> u16 {
    let mut kernels = KERNELS.write();
    loop {
        let id = (NEXT_KERNEL.fetch_add(1, Ordering::Relaxed) % u32::from(u16::MAX)) as u16 + 1;
        if kernels.get(&id).is_none_or(|k| k.strong_count() == 0) {
            kernels.insert(id, Arc::downgrade(shared));
            return id;
        }
    }
}

/// Forgets a kernel that is being dropped.
pub(crate) fn unregister(id: u16) {
    KERNELS.write().remove(&id);
}

/// While alive, wakes for kernel `id` on this thread go to the thread-local list.
pub(crate) struct RunningGuard {
    previous: u16,
}

impl RunningGuard {
    pub(crate) fn enter(id: u16) -> Self {
        RunningGuard {
            previous: RUNNING.replace(id),
        }
    }
}

impl Drop for RunningGuard {
    fn drop(&mut self) {
        RUNNING.set(self.previous);
    }
}

/// Moves the wakes of kernel `id` made on this thread into `into`; wakes of other
/// kernels (an inner kernel run by a process) stay for them.
#[inline]
pub(crate) fn take_local_wakes(id: u16, into: &mut Vec<WakeId>) {
    if !ANY_WOKEN.get() {
        return;
    }
    WOKEN.with_borrow_mut(|woken| {
        woken.retain(|w| {
            if w.kernel == id {
                into.push(*w);
                false
            } else {
                true
            }
        });
        ANY_WOKEN.set(!woken.is_empty());
    });
}

fn wake(data: *const ()) {
    let id = WakeId::unpack(data);
    if RUNNING.get() == id.kernel {
        WOKEN.with_borrow_mut(|woken| woken.push(id));
        ANY_WOKEN.set(true);
        return;
    }
    let shared = KERNELS.read().get(&id.kernel).and_then(Weak::upgrade);
    if let Some(shared) = shared {
        shared.inject(Injected::Wake(id));
    }
}

unsafe fn vt_clone(data: *const ()) -> RawWaker {
    RawWaker::new(data, &VTABLE)
}

unsafe fn vt_wake(data: *const ()) {
    wake(data);
}

unsafe fn vt_wake_by_ref(data: *const ()) {
    wake(data);
}

/// Nothing to release: a waker is plain data. The run loop relies on it, and never drops
/// the waker of the process it polls.
unsafe fn vt_drop(_data: *const ()) {}

static VTABLE: RawWakerVTable = RawWakerVTable::new(vt_clone, vt_wake, vt_wake_by_ref, vt_drop);

/// The waker of a process.
#[inline]
pub(crate) fn for_process(id: WakeId) -> Waker {
    // SAFETY: the data word is plain integers, never dereferenced; every vtable function
    // is sound for any data word, and they are Send + Sync (they only touch thread-locals
    // and a locked registry), as `Waker` requires.
    unsafe { Waker::from_raw(RawWaker::new(id.pack(), &VTABLE)) }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_pack_and_unpack() {
        let id = WakeId::new(65_535, (1 << 24) - 1, 0x1ff_ffff);
        let back = WakeId::unpack(id.pack());
        assert_eq!(back, id);
        assert_eq!(back.generation, 0xff_ffff);
        assert!(back.names(0x1ff_ffff));
        assert!(!back.names(0x0ff_fffe));
    }
}
