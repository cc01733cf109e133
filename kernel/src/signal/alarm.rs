//! `alarm`: SIGALRM at a tick, one armed alarm per process.

use vproc_ipc::Signal;
use vproc_sched::Tick;

use crate::Error;
use crate::core::Core;

impl Core {
    /// Arms (or with 0, cancels) the alarm of `slot` for `ticks` from now; returns the
    /// ticks the previous alarm had left (0: none).
    pub(crate) fn set_alarm(&mut self, slot: u32, ticks: Tick) -> Tick {
        let now = self.now;
        let sig = &mut self.table.get_mut(slot).sig;
        let left = if sig.alarm != 0 {
            sig.alarm_at.saturating_sub(now)
        } else {
            0
        };
        sig.alarm = 0;
        if ticks > 0 {
            self.alarm_seq = crate::core::next_seq(self.alarm_seq);
            let at = now.saturating_add(ticks);
            let sig = &mut self.table.get_mut(slot).sig;
            sig.alarm = self.alarm_seq as u32;
            sig.alarm_at = at;
            self.alarms.push(at, self.alarm_seq, slot);
            self.falls_due(at);
        }
        left
    }

    /// Whether the alarm (`at`, `seq`, `slot`) is still the one its process has armed
    /// (an exit cancels it, as on Linux: a zombie's alarm neither fires nor moves the
    /// clock). A process keeps the low 32 bits of its alarm's number: with the tick, they
    /// tell its alarm from any it armed before.
    fn alarm_is_armed(&self, at: Tick, seq: u64, slot: u32) -> bool {
        self.table
            .try_get(slot)
            .is_some_and(|p| p.sig.alarm == seq as u32 && p.sig.alarm_at == at && !p.is_zombie())
    }

    /// The tick of the next armed alarm, dropping cancelled ones.
    pub(crate) fn next_alarm(&mut self) -> Option<Tick> {
        while let Some((at, seq, slot)) = self.alarms.peek() {
            if self.alarm_is_armed(at, seq, slot) {
                return Some(at);
            }
            self.alarms.pop();
        }
        None
    }

    /// Sends SIGALRM for every alarm due by now.
    pub(crate) fn fire_alarms(&mut self) -> Result<(), Error> {
        while let Some((at, seq, slot)) = self.alarms.peek() {
            if at > self.now {
                break;
            }
            self.alarms.pop();
            if self.alarm_is_armed(at, seq, slot) {
                self.table.get_mut(slot).sig.alarm = 0;
                self.send_signal(slot, Signal::SIGALRM)?;
            }
        }
        Ok(())
    }
}
