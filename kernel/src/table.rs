//! The process table: slots, the pid index and the parent/child links.

use crate::Pid;
use crate::pid::PidAllocator;
use crate::process::{HOT_BYTES, NIL, Process};

const PID_FREE: u32 = u32::MAX;
/// A pid whose process is gone but whose status the host has not collected yet.
const PID_HELD: u32 = u32::MAX - 1;

/// Processes by slot (a dense index reused after reaping) and by pid.
pub(crate) struct ProcessTable {
    /// Vacant slots hold a process with pid 0.
    slots: Vec<Process>,
    free: Vec<u32>,
    by_pid: Vec<u32>,
    pids: PidAllocator,
    live: usize,
    /// The kernel's number, which its processes' wakers carry.
    kernel: u16,
}

impl ProcessTable {
    pub(crate) fn new(pid_max: u32) -> Self {
        ProcessTable {
            slots: Vec::new(),
            free: Vec::new(),
            by_pid: Vec::new(),
            pids: PidAllocator::new(pid_max),
            live: 0,
            kernel: 0,
        }
    }

    /// Sets the number of the kernel that owns the table (see [`waker`](Self::waker)).
    pub(crate) fn set_kernel(&mut self, id: u16) {
        self.kernel = id;
    }

    /// The waker of the process in `slot`: the one its calls hand to what they wait on.
    pub(crate) fn waker(&self, slot: u32) -> std::task::Waker {
        let generation = self.get(slot).generation;
        crate::waker::for_process(crate::waker::WakeId::new(self.kernel, slot, generation))
    }

    /// Processes in the table, zombies included.
    pub(crate) fn len(&self) -> usize {
        self.live
    }

    pub(crate) fn pid_max(&self) -> u32 {
        self.pids.pid_max()
    }

    /// The next free pid, or `None` when all are in use.
    pub(crate) fn allocate_pid(&mut self) -> Option<Pid> {
        let by_pid = &self.by_pid;
        self.pids
            .allocate(|pid| by_pid.get(pid as usize).is_some_and(|&s| s != PID_FREE))
    }

    /// A vacant slot for the process `pid` (from `allocate_pid`), marked in use; the
    /// caller fills it in with `Process::fill`.
    #[inline(always)]
    pub(crate) fn claim(&mut self, pid: Pid, vacant: impl FnOnce() -> Process) -> u32 {
        let slot = match self.free.pop() {
            Some(slot) => slot,
            None => self.add_slot(vacant),
        };
        let index = pid.0 as usize;
        if index == self.by_pid.len() {
            // The next pid never used (pids count up until they wrap).
            self.by_pid.push(slot);
        } else {
            self.index_at(index, slot);
        }
        let process = &mut self.slots[slot as usize];
        process.pid = pid;
        process.generation = process.generation.wrapping_add(1);
        self.live += 1;
        slot
    }

    /// Indexes `slot` by the pid `index` (not the next pid never used).
    #[inline(never)]
    fn index_at(&mut self, index: usize, slot: u32) {
        if index > self.by_pid.len() {
            self.by_pid.resize(index + 1, PID_FREE);
        }
        self.by_pid[index] = slot;
    }

    /// Makes room for `additional` processes beyond init without growing the table.
    pub(crate) fn reserve(&mut self, additional: usize) {
        let wanted = additional.saturating_add(1).min(crate::waker::MAX_SLOTS);
        let more = wanted.saturating_sub(self.slots.len());
        vproc_sched::huge_pages::reserve(&mut self.slots, more);
    }

    /// A new slot at the end of the table, `vacant()`.
    #[cold]
    #[inline(never)]
    fn add_slot(&mut self, vacant: impl FnOnce() -> Process) -> u32 {
        debug_assert!(self.slots.len() < crate::waker::MAX_SLOTS);
        // With many processes the table outgrows what the TLB reaches in small pages.
        vproc_sched::huge_pages::reserve(&mut self.slots, 1);
        // Made at the end of the table rather than whole on the stack and copied there
        // (about a hundred bytes of it still pass through the stack, in overlapping
        // pieces the CPU waits on: a known cost of a fresh slot, not of a reused one).
        self.slots.extend(std::iter::once_with(vacant));
        (self.slots.len() - 1) as u32
    }

    /// Empties a slot; its pid becomes free, or stays held when `hold_pid`.
    #[inline]
    pub(crate) fn remove(&mut self, slot: u32, hold_pid: bool) {
        let process = &mut self.slots[slot as usize];
        self.by_pid[process.pid.0 as usize] = if hold_pid { PID_HELD } else { PID_FREE };
        process.clear();
        self.free.push(slot);
        self.live -= 1;
    }

    /// Frees a pid held for the host.
    pub(crate) fn release_pid(&mut self, pid: Pid) {
        if let Some(entry) = self.by_pid.get_mut(pid.0 as usize)
            && *entry == PID_HELD
        {
            *entry = PID_FREE;
        }
    }

    #[inline]
    pub(crate) fn slot_of(&self, pid: Pid) -> Option<u32> {
        match self.by_pid.get(pid.0 as usize) {
            Some(&slot) if slot < PID_HELD => Some(slot),
            _ => None,
        }
    }

    #[inline]
    pub(crate) fn get(&self, slot: u32) -> &Process {
        let process = &self.slots[slot as usize];
        debug_assert!(!process.is_vacant(), "slot {slot} holds no process");
        process
    }

    /// Starts fetching the entry of `slot` into the cache: its first bytes, where the
    /// fields a dispatch touches are.
    #[inline]
    pub(crate) fn prefetch(&self, slot: u32) {
        if let Some(process) = self.slots.get(slot as usize) {
            crate::prefetch::prefetch_two_lines((process as *const Process).cast(), HOT_BYTES);
        }
    }

    /// Starts fetching the program future of `slot` (its first two cache lines, or one
    /// if it fits in one); its entry should be in the cache already (from
    /// [`prefetch`](ProcessTable::prefetch)).
    #[inline]
    pub(crate) fn prefetch_program(&self, slot: u32) {
        if let Some(Some(program)) = self.slots.get(slot as usize).map(|p| &p.program) {
            let future: &dyn std::future::Future<Output = u8> = &**program;
            let bytes = std::mem::size_of_val(future);
            let at: *const dyn std::future::Future<Output = u8> = future;
            crate::prefetch::prefetch_two_lines(at.cast(), bytes);
        }
    }

    /// The slot, if it still holds the occupant of that generation.
    #[inline]
    pub(crate) fn owner(&self, slot: u32, generation: u32) -> Option<u32> {
        self.try_get(slot)
            .is_some_and(|p| p.generation == generation)
            .then_some(slot)
    }

    #[inline]
    pub(crate) fn try_get(&self, slot: u32) -> Option<&Process> {
        self.slots.get(slot as usize).filter(|p| !p.is_vacant())
    }

    #[inline]
    pub(crate) fn get_mut(&mut self, slot: u32) -> &mut Process {
        let process = &mut self.slots[slot as usize];
        debug_assert!(!process.is_vacant(), "slot {slot} holds no process");
        process
    }

    /// Every process, by slot order.
    pub(crate) fn iter(&self) -> impl Iterator<Item = (u32, &Process)> {
        self.slots
            .iter()
            .enumerate()
            .filter(|(_, p)| !p.is_vacant())
            .map(|(i, p)| (i as u32, p))
    }

    /// Every slot in use, by slot order.
    pub(crate) fn slots(&self) -> Vec<u32> {
        self.iter().map(|(slot, _)| slot).collect()
    }

    /// Links a live `child` at the end of `parent`'s children.
    pub(crate) fn link_child(&mut self, parent: u32, child: u32) {
        let last = self.get(parent).last_child;
        self.insert_after(parent, last, child);
    }

    /// Moves `child`, which just became a zombie, behind its parent's other zombies, so
    /// zombies come first, in the order they exited.
    pub(crate) fn move_to_zombies(&mut self, child: u32) {
        let (parent, prev) = {
            let c = self.get(child);
            (c.parent, c.prev_sibling)
        };
        let last_zombie = self.get(parent).last_zombie;
        if prev == last_zombie {
            // Right behind the zombies already (the first live child, often the only
            // child): it stays where it is.
            self.get_mut(parent).last_zombie = child;
            return;
        }
        self.unlink_child(child);
        self.insert_after(parent, last_zombie, child);
        self.get_mut(parent).last_zombie = child;
    }

    fn insert_after(&mut self, parent: u32, prev: u32, child: u32) {
        let next = if prev == NIL {
            self.get(parent).first_child
        } else {
            self.get(prev).next_sibling
        };
        {
            let c = self.get_mut(child);
            c.parent = parent;
            c.prev_sibling = prev;
            c.next_sibling = next;
        }
        if prev == NIL {
            self.get_mut(parent).first_child = child;
        } else {
            self.get_mut(prev).next_sibling = child;
        }
        if next == NIL {
            self.get_mut(parent).last_child = child;
        } else {
            self.get_mut(next).prev_sibling = child;
        }
    }

    /// Unlinks `child` from its parent's list of children.
    pub(crate) fn unlink_child(&mut self, child: u32) {
        let (parent, prev, next) = {
            let c = self.get(child);
            (c.parent, c.prev_sibling, c.next_sibling)
        };
        if parent == NIL {
            return;
        }
        if prev == NIL {
            self.get_mut(parent).first_child = next;
        } else {
            self.get_mut(prev).next_sibling = next;
        }
        if next == NIL {
            self.get_mut(parent).last_child = prev;
        } else {
            self.get_mut(next).prev_sibling = prev;
        }
        {
            let p = self.get_mut(parent);
            if p.last_zombie == child {
                p.last_zombie = prev;
            }
        }
        let c = self.get_mut(child);
        c.prev_sibling = NIL;
        c.next_sibling = NIL;
    }
}

#[cfg(test)]
mod tests {
    use std::rc::Rc;

    use super::*;
    use crate::signal::SigActions;

    /// A table of a parent (slot 0) and `children` children (slots 1 and on), linked in
    /// creation order.
    fn family(children: u32) -> ProcessTable {
        let mut table = ProcessTable::new(64);
        let (env, cwd, actions) = (
            Rc::new(Vec::new()),
            Rc::new(String::from("/")),
            Rc::new(SigActions::default()),
        );
        for n in 0..=children {
            let slot = table.claim(Pid(n + 1), || {
                Process::vacant(env.clone(), cwd.clone(), actions.clone())
            });
            if slot != 0 {
                table.link_child(0, slot);
            }
        }
        table
    }

    /// The parent's children, first to last, checked against the backward links.
    fn children(table: &ProcessTable) -> Vec<u32> {
        let mut forward = Vec::new();
        let mut next = table.get(0).first_child;
        while next != NIL {
            forward.push(next);
            next = table.get(next).next_sibling;
        }
        let mut backward = Vec::new();
        let mut prev = table.get(0).last_child;
        while prev != NIL {
            backward.push(prev);
            prev = table.get(prev).prev_sibling;
        }
        backward.reverse();
        assert_eq!(forward, backward);
        forward
    }

    #[test]
    fn zombies_come_first_in_exit_order_then_live_children_in_creation_order() {
        let mut table = family(4);
        // The last child exits first: it moves to the front.
        table.move_to_zombies(4);
        assert_eq!(children(&table), [4, 1, 2, 3]);
        // The first live child is right behind the zombies: it stays.
        table.move_to_zombies(1);
        assert_eq!(children(&table), [4, 1, 2, 3]);
        assert_eq!(table.get(0).last_zombie, 1);
        table.move_to_zombies(3);
        assert_eq!(children(&table), [4, 1, 3, 2]);
        // Reaping the last zombie leaves the one before it last.
        table.unlink_child(3);
        assert_eq!(children(&table), [4, 1, 2]);
        assert_eq!(table.get(0).last_zombie, 1);
        table.move_to_zombies(2);
        assert_eq!(children(&table), [4, 1, 2]);
        assert_eq!(table.get(0).last_zombie, 2);
    }

    #[test]
    fn an_only_child_becomes_a_zombie_in_place() {
        let mut table = family(1);
        table.move_to_zombies(1);
        assert_eq!(children(&table), [1]);
        assert_eq!(table.get(0).last_zombie, 1);
        table.unlink_child(1);
        assert_eq!(children(&table), Vec::<u32>::new());
        assert_eq!(table.get(0).last_zombie, NIL);
    }
}
