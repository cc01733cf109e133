//! Events: what the kernel publishes as processes come, change state and go.

use std::collections::VecDeque;

use vproc_sched::Tick;

use crate::{ExitStatus, Pid, ProcState};

/// Something that happened to a process at a tick.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Event {
    /// When.
    pub tick: Tick,
    /// To whom.
    pub pid: Pid,
    /// What.
    pub kind: EventKind,
}

/// What happened.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum EventKind {
    /// The process was created (entering Ready) by `parent`.
    Spawned {
        /// The creator (init for processes the host spawned).
        parent: Pid,
    },
    /// The process changed state.
    Transition {
        /// The state it left.
        from: ProcState,
        /// The state it entered.
        to: ProcState,
    },
    /// The process ended (it is now a zombie).
    Exited(ExitStatus),
    /// The process lost its parent and was adopted by init.
    Reparented {
        /// The new parent.
        to: Pid,
    },
    /// The zombie was reaped by its parent and is gone; its pid may be reused.
    Reaped {
        /// Who reaped it.
        by: Pid,
    },
}

/// A subscriber called with every event, on the kernel's thread.
pub type Subscriber = Box<dyn FnMut(&Event)>;

/// The last events in a bounded ring, and the subscribers.
pub(crate) struct EventLog {
    ring: VecDeque<Event>,
    capacity: usize,
    subscribers: Vec<Subscriber>,
}

impl EventLog {
    pub(crate) fn new(capacity: usize) -> Self {
        EventLog {
            ring: VecDeque::with_capacity(capacity),
            capacity,
            subscribers: Vec::new(),
        }
    }

    #[inline]
    pub(crate) fn publish(&mut self, event: Event) {
        for subscriber in &mut self.subscribers {
            subscriber(&event);
        }
        if self.capacity == 0 {
            return;
        }
        if self.ring.len() == self.capacity {
            self.ring.pop_front();
        }
        self.ring.push_back(event);
    }

    pub(crate) fn subscribe(&mut self, subscriber: Subscriber) {
        self.subscribers.push(subscriber);
    }

    pub(crate) fn recent(&self) -> impl Iterator<Item = &Event> {
        self.ring.iter()
    }
}
