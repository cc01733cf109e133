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

/// An event as the ring keeps it: plain data, so writing one over the oldest costs a
/// store and nothing to drop. Exit statuses, which may own a panic message, wait in a
/// side queue by number.
#[derive(Clone, Copy)]
struct Record {
    tick: Tick,
    pid: Pid,
    kind: RecordKind,
}

#[derive(Clone, Copy)]
enum RecordKind {
    Spawned(Pid),
    Transition(ProcState, ProcState),
    Exited(u64),
    Reparented(Pid),
    Reaped(Pid),
}

/// The last events in a bounded ring, and the subscribers.
pub(crate) struct EventLog {
    /// Grows to `capacity`, then `oldest` marks where the next record overwrites.
    ring: Vec<Record>,
    oldest: usize,
    capacity: usize,
    /// Statuses of the exits in the ring, by exit number (at most `capacity`).
    exits: VecDeque<(u64, ExitStatus)>,
    exit_count: u64,
    subscribers: Vec<Subscriber>,
    /// Events waiting for the subscribers, who are called outside the kernel's borrow
    /// (so that they may make calls of their own).
    pending: Vec<Event>,
    /// Whether anything listens: a ring or a subscriber.
    active: bool,
}

impl EventLog {
    pub(crate) fn new(capacity: usize) -> Self {
        EventLog {
            ring: Vec::with_capacity(capacity),
            oldest: 0,
            capacity,
            exits: VecDeque::new(),
            exit_count: 0,
            subscribers: Vec::new(),
            pending: Vec::new(),
            active: capacity > 0,
        }
    }

    /// Whether publishing does anything.
    #[inline(always)]
    pub(crate) fn is_active(&self) -> bool {
        self.active
    }

    pub(crate) fn publish(&mut self, event: Event) {
        if self.capacity == 0 {
            if !self.subscribers.is_empty() {
                self.pending.push(event);
            }
            return;
        }
        if !self.subscribers.is_empty() {
            self.pending.push(event.clone());
        }
        let kind = match event.kind {
            EventKind::Spawned { parent } => RecordKind::Spawned(parent),
            EventKind::Transition { from, to } => RecordKind::Transition(from, to),
            EventKind::Exited(status) => {
                self.exit_count += 1;
                if self.exits.len() == self.capacity {
                    self.exits.pop_front();
                }
                self.exits.push_back((self.exit_count, status));
                RecordKind::Exited(self.exit_count)
            }
            EventKind::Reparented { to } => RecordKind::Reparented(to),
            EventKind::Reaped { by } => RecordKind::Reaped(by),
        };
        self.record(Record {
            tick: event.tick,
            pid: event.pid,
            kind,
        });
    }

    /// The hot path: a state change, with no subscriber to hand an `Event` to.
    #[inline]
    pub(crate) fn publish_transition(
        &mut self,
        tick: Tick,
        pid: Pid,
        from: ProcState,
        to: ProcState,
    ) {
        if !self.subscribers.is_empty() {
            let kind = EventKind::Transition { from, to };
            return self.publish(Event { tick, pid, kind });
        }
        self.record(Record {
            tick,
            pid,
            kind: RecordKind::Transition(from, to),
        });
    }

    #[inline]
    fn record(&mut self, record: Record) {
        if self.ring.len() < self.capacity {
            self.ring.push(record);
        } else if self.capacity > 0 {
            self.ring[self.oldest] = record;
            self.oldest += 1;
            if self.oldest == self.capacity {
                self.oldest = 0;
            }
        }
    }

    pub(crate) fn subscribe(&mut self, subscriber: Subscriber) {
        self.subscribers.push(subscriber);
        self.active = true;
    }

    /// Hands out the events the subscribers have not seen, and the subscribers, to be
    /// called outside the kernel's borrow; `None` when there is nothing to deliver.
    pub(crate) fn take_pending(&mut self) -> Option<(Vec<Event>, Vec<Subscriber>)> {
        if self.pending.is_empty() {
            return None;
        }
        Some((
            std::mem::take(&mut self.pending),
            std::mem::take(&mut self.subscribers),
        ))
    }

    /// Takes the subscribers back after a delivery.
    pub(crate) fn restore(&mut self, mut subscribers: Vec<Subscriber>) {
        subscribers.append(&mut self.subscribers);
        self.subscribers = subscribers;
    }

    /// The events in the ring, oldest first.
    pub(crate) fn recent(&self) -> Vec<Event> {
        let (newer, older) = self.ring.split_at(self.oldest);
        older
            .iter()
            .chain(newer)
            .map(|r| Event {
                tick: r.tick,
                pid: r.pid,
                kind: match r.kind {
                    RecordKind::Spawned(parent) => EventKind::Spawned { parent },
                    RecordKind::Transition(from, to) => EventKind::Transition { from, to },
                    RecordKind::Exited(n) => EventKind::Exited(self.exit_status(n)),
                    RecordKind::Reparented(to) => EventKind::Reparented { to },
                    RecordKind::Reaped(by) => EventKind::Reaped { by },
                },
            })
            .collect()
    }

    fn exit_status(&self, n: u64) -> ExitStatus {
        // The ring holds at most `capacity` events, so the statuses of its exits are
        // among the last `capacity` kept.
        let first = self.exits.front().map_or(n, |(first, _)| *first);
        self.exits[(n - first) as usize].1.clone()
    }
}
