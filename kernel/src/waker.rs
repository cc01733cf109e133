//! Wakers for processes: a kernel id and a slot packed into the waker's data word, so
//! making, cloning and dropping one costs nothing and allocates nothing.
//!
//! A wake on the thread where that kernel runs goes to a thread-local list; a wake from
//! any other thread goes through the kernel's injection queue, found by its id.

use std::cell::{Cell, RefCell};
use std::collections::HashMap;
use std::sync::{Arc, LazyLock, Weak};
use std::task::{RawWaker, RawWakerVTable, Waker};

use parking_lot::RwLock;

use crate::handle::{Injected, Shared};

const _: () = assert!(
    usize::BITS == 64,
    "vproc packs a kernel id and a slot into a waker's data word: it needs 64-bit targets"
);

static KERNELS: LazyLock<RwLock<HashMap<u32, Weak<Shared>>>> =
    LazyLock::new(|| RwLock::new(HashMap::new()));

thread_local! {
    /// The kernel running on this thread (0 when none).
    static RUNNING: Cell<u32> = const { Cell::new(0) };
    /// Slots woken on this thread while `RUNNING` ran.
    static WOKEN: RefCell<Vec<u32>> = const { RefCell::new(Vec::new()) };
    /// Whether `WOKEN` may be non-empty.
    static ANY_WOKEN: Cell<bool> = const { Cell::new(false) };
}

/// Makes a kernel's injection queue reachable by id from wakers on any thread.
pub(crate) fn register(id: u32, shared: &Arc<Shared>) {
    KERNELS.write().insert(id, Arc::downgrade(shared));
}

/// Forgets a kernel that is being dropped.
pub(crate) fn unregister(id: u32) {
    KERNELS.write().remove(&id);
}

/// While alive, wakes for kernel `id` on this thread go to the thread-local list.
pub(crate) struct RunningGuard {
    previous: u32,
}

impl RunningGuard {
    pub(crate) fn enter(id: u32) -> Self {
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

/// Takes the slots woken on this thread, if any.
#[inline]
pub(crate) fn take_local_wakes(into: &mut Vec<u32>) {
    if ANY_WOKEN.get() {
        ANY_WOKEN.set(false);
        WOKEN.with_borrow_mut(|woken| into.append(woken));
    }
}

fn pack(kernel: u32, slot: u32) -> *const () {
    (((kernel as usize) << 32) | slot as usize) as *const ()
}

fn unpack(data: *const ()) -> (u32, u32) {
    let word = data as usize;
    ((word >> 32) as u32, word as u32)
}

fn wake(data: *const ()) {
    let (kernel, slot) = unpack(data);
    if RUNNING.get() == kernel {
        WOKEN.with_borrow_mut(|woken| woken.push(slot));
        ANY_WOKEN.set(true);
        return;
    }
    let shared = KERNELS.read().get(&kernel).and_then(Weak::upgrade);
    if let Some(shared) = shared {
        shared.inject(Injected::Wake(slot));
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

unsafe fn vt_drop(_data: *const ()) {}

static VTABLE: RawWakerVTable = RawWakerVTable::new(vt_clone, vt_wake, vt_wake_by_ref, vt_drop);

/// The waker of the process in `slot` of kernel `kernel`.
#[inline]
pub(crate) fn for_process(kernel: u32, slot: u32) -> Waker {
    // SAFETY: the data word is plain integers, never dereferenced; every vtable function
    // is sound for any data word, and the functions are Send + Sync (they only touch
    // thread-locals and a locked registry), as `Waker` requires.
    unsafe { Waker::from_raw(RawWaker::new(pack(kernel, slot), &VTABLE)) }
}
