//! Watches: wakers registered for every change of a pipe, for `poll` and `select`.

use std::fmt;
use std::sync::Arc;

use super::shared::Shared;

/// A registered waker; dropping it unregisters.
///
/// The waker is woken at every change of the pipe (data in, data out, an end opened or
/// closed, the capacity changed), as many times as changes happen, until the watch is
/// dropped. Register first, then look at `readiness()`, so that no change is missed.
pub struct Watch {
    shared: Arc<Shared>,
    ticket: Option<u64>,
}

impl Watch {
    pub(super) fn new(shared: Arc<Shared>, waker: &std::task::Waker) -> Self {
        let mut ticket = None;
        shared.lock().watchers.register(&mut ticket, waker);
        Watch { shared, ticket }
    }

    /// Replaces the waker to wake, keeping the registration.
    pub fn set_waker(&mut self, waker: &std::task::Waker) {
        self.shared
            .lock()
            .watchers
            .register(&mut self.ticket, waker);
    }
}

impl Drop for Watch {
    fn drop(&mut self) {
        self.shared.lock().watchers.remove(&mut self.ticket);
    }
}

impl fmt::Debug for Watch {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Watch")
            .field("pipe", &self.shared.id())
            .finish()
    }
}
