//! Signal numbers and names as on Linux (x86-64 and arm64), and signal sets.

use std::fmt;
use std::str::FromStr;

use bitflags::bitflags;

use crate::{Errno, IpcError};

/// A standard signal, numbered as on Linux (1..=31).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Signal(u8);

/// What a signal does to a process that neither catches nor ignores it (signal(7)).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum DefaultAction {
    /// The process ends, killed by the signal.
    Terminate,
    /// The process ends, killed by the signal, and the status says a core was dumped.
    Core,
    /// Nothing happens.
    Ignore,
    /// The process stops until continued.
    Stop,
    /// A stopped process continues.
    Continue,
}

macro_rules! signals {
    ($($name:ident = $num:literal, $action:ident, $desc:literal;)*) => {
        impl Signal {
            $(
                #[doc = concat!($desc, " (", stringify!($num), ").")]
                pub const $name: Signal = Signal($num);
            )*

            /// Every standard signal, by number.
            pub const ALL: [Signal; 31] = [$(Signal($num)),*];

            /// The signal's name, such as `"SIGTERM"`.
            pub fn name(self) -> &'static str {
                match self.0 {
                    $($num => stringify!($name),)*
                    _ => unreachable!("a Signal always holds 1..=31"),
                }
            }

            /// What the signal does by default.
            #[inline]
            pub fn default_action(self) -> DefaultAction {
                match self.0 {
                    $($num => DefaultAction::$action,)*
                    _ => unreachable!("a Signal always holds 1..=31"),
                }
            }

            /// A short description, as `strsignal` gives.
            pub fn description(self) -> &'static str {
                match self.0 {
                    $($num => $desc,)*
                    _ => unreachable!("a Signal always holds 1..=31"),
                }
            }
        }
    };
}

signals! {
    SIGHUP = 1, Terminate, "Hangup";
    SIGINT = 2, Terminate, "Interrupt";
    SIGQUIT = 3, Core, "Quit";
    SIGILL = 4, Core, "Illegal instruction";
    SIGTRAP = 5, Core, "Trace/breakpoint trap";
    SIGABRT = 6, Core, "Aborted";
    SIGBUS = 7, Core, "Bus error";
    SIGFPE = 8, Core, "Floating point exception";
    SIGKILL = 9, Terminate, "Killed";
    SIGUSR1 = 10, Terminate, "User defined signal 1";
    SIGSEGV = 11, Core, "Segmentation fault";
    SIGUSR2 = 12, Terminate, "User defined signal 2";
    SIGPIPE = 13, Terminate, "Broken pipe";
    SIGALRM = 14, Terminate, "Alarm clock";
    SIGTERM = 15, Terminate, "Terminated";
    SIGSTKFLT = 16, Terminate, "Stack fault";
    SIGCHLD = 17, Ignore, "Child exited";
    SIGCONT = 18, Continue, "Continued";
    SIGSTOP = 19, Stop, "Stopped (signal)";
    SIGTSTP = 20, Stop, "Stopped";
    SIGTTIN = 21, Stop, "Stopped (tty input)";
    SIGTTOU = 22, Stop, "Stopped (tty output)";
    SIGURG = 23, Ignore, "Urgent I/O condition";
    SIGXCPU = 24, Core, "CPU time limit exceeded";
    SIGXFSZ = 25, Core, "File size limit exceeded";
    SIGVTALRM = 26, Terminate, "Virtual timer expired";
    SIGPROF = 27, Terminate, "Profiling timer expired";
    SIGWINCH = 28, Ignore, "Window changed";
    SIGIO = 29, Terminate, "I/O possible";
    SIGPWR = 30, Terminate, "Power failure";
    SIGSYS = 31, Core, "Bad system call";
}

impl Signal {
    /// The signal with this number, if it is a standard signal (1..=31).
    pub fn from_number(number: i32) -> Option<Signal> {
        (1..=31).contains(&number).then_some(Signal(number as u8))
    }

    /// The signal's number.
    pub fn number(self) -> i32 {
        i32::from(self.0)
    }

    /// Whether a process can catch, block or ignore the signal (all but SIGKILL and
    /// SIGSTOP).
    pub fn is_catchable(self) -> bool {
        self != Signal::SIGKILL && self != Signal::SIGSTOP
    }
}

impl fmt::Display for Signal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Signal {
    type Err = IpcError;

    /// Parses `"TERM"`, `"SIGTERM"`, `"sigterm"` or `"15"`; `"IOT"` and `"POLL"` are the
    /// Linux aliases of SIGABRT and SIGIO.
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let trimmed = text.trim();
        if let Ok(number) = trimmed.parse::<i32>() {
            return Signal::from_number(number).ok_or_else(|| {
                IpcError::new(
                    Errno::EINVAL,
                    format!("{number} is not a signal number (1-31)"),
                )
            });
        }
        let upper = trimmed.to_ascii_uppercase();
        let bare = upper.strip_prefix("SIG").unwrap_or(&upper);
        let alias = match bare {
            "IOT" => Some(Signal::SIGABRT),
            "POLL" => Some(Signal::SIGIO),
            "CLD" => Some(Signal::SIGCHLD),
            _ => None,
        };
        alias
            .or_else(|| Signal::ALL.into_iter().find(|s| &s.name()[3..] == bare))
            .ok_or_else(|| IpcError::new(Errno::EINVAL, format!("unknown signal name '{trimmed}'")))
    }
}

bitflags! {
    /// A set of signals (a `sigset_t`): bit `n - 1` stands for signal `n`.
    #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
    pub struct SigSet: u32 {
        /// Every standard signal.
        const ALL = 0x7fff_ffff;
    }
}

impl SigSet {
    #[inline]
    fn bit(signal: Signal) -> SigSet {
        SigSet::from_bits_retain(1 << (signal.0 - 1))
    }

    /// The set holding just `signal`.
    pub fn of(signal: Signal) -> SigSet {
        SigSet::bit(signal)
    }

    /// Adds `signal` (sigaddset).
    #[inline]
    pub fn insert_signal(&mut self, signal: Signal) {
        self.insert(SigSet::bit(signal));
    }

    /// Removes `signal` (sigdelset).
    #[inline]
    pub fn remove_signal(&mut self, signal: Signal) {
        self.remove(SigSet::bit(signal));
    }

    /// Whether `signal` is in the set (sigismember).
    #[inline]
    pub fn contains_signal(self, signal: Signal) -> bool {
        self.contains(SigSet::bit(signal))
    }

    /// The lowest-numbered signal in the set, which Linux delivers first.
    pub fn first(self) -> Option<Signal> {
        // Bits beyond the 31 signals (`from_bits_retain` keeps them) name no signal.
        let bits = (self & SigSet::ALL).bits();
        (bits != 0).then(|| Signal(bits.trailing_zeros() as u8 + 1))
    }

    /// The signals in the set, lowest number first.
    pub fn signals(self) -> impl Iterator<Item = Signal> {
        Signal::ALL
            .into_iter()
            .filter(move |&s| self.contains_signal(s))
    }
}

impl FromIterator<Signal> for SigSet {
    fn from_iter<I: IntoIterator<Item = Signal>>(iter: I) -> Self {
        let mut set = SigSet::empty();
        for signal in iter {
            set.insert_signal(signal);
        }
        set
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn numbers_match_linux() {
        assert_eq!(Signal::SIGHUP.number(), 1);
        assert_eq!(Signal::SIGKILL.number(), 9);
        assert_eq!(Signal::SIGCHLD.number(), 17);
        assert_eq!(Signal::SIGWINCH.number(), 28);
        assert_eq!(Signal::SIGSYS.number(), 31);
        for (i, s) in Signal::ALL.iter().enumerate() {
            assert_eq!(s.number(), i as i32 + 1);
        }
    }

    #[test]
    fn parses_names_numbers_and_aliases() {
        assert_eq!("sigint".parse::<Signal>().unwrap(), Signal::SIGINT);
        assert_eq!(" KILL ".parse::<Signal>().unwrap(), Signal::SIGKILL);
        assert_eq!("IOT".parse::<Signal>().unwrap(), Signal::SIGABRT);
        assert_eq!("0".parse::<Signal>().unwrap_err().errno, Errno::EINVAL);
        assert_eq!("32".parse::<Signal>().unwrap_err().errno, Errno::EINVAL);
        let err = "SIGFOO".parse::<Signal>().unwrap_err();
        assert_eq!(err.to_string(), "EINVAL: unknown signal name 'SIGFOO'");
    }

    #[test]
    fn default_actions_follow_signal_7() {
        assert_eq!(Signal::SIGTERM.default_action(), DefaultAction::Terminate);
        assert_eq!(Signal::SIGSEGV.default_action(), DefaultAction::Core);
        assert_eq!(Signal::SIGCHLD.default_action(), DefaultAction::Ignore);
        assert_eq!(Signal::SIGTSTP.default_action(), DefaultAction::Stop);
        assert_eq!(Signal::SIGCONT.default_action(), DefaultAction::Continue);
        assert!(!Signal::SIGKILL.is_catchable());
        assert!(!Signal::SIGSTOP.is_catchable());
        assert!(Signal::SIGTERM.is_catchable());
    }

    proptest! {
        #[test]
        fn name_and_number_round_trip(n in 1..=31i32) {
            let s = Signal::from_number(n).unwrap();
            prop_assert_eq!(s.name().parse::<Signal>().unwrap(), s);
            prop_assert_eq!(s.number().to_string().parse::<Signal>().unwrap(), s);
        }

        #[test]
        fn stray_bits_name_no_signal(bits in any::<u32>()) {
            let set = SigSet::from_bits_retain(bits);
            for s in set.first().into_iter().chain(set.signals()) {
                prop_assert!((1..=31).contains(&s.number()), "{}", s.name());
            }
        }

        #[test]
        fn sets_behave_like_sets(members in proptest::collection::btree_set(1..=31i32, 0..31)) {
            let set: SigSet = members.iter().map(|&n| Signal::from_number(n).unwrap()).collect();
            let back: Vec<i32> = set.signals().map(Signal::number).collect();
            prop_assert_eq!(&back, &members.iter().copied().collect::<Vec<_>>());
            prop_assert_eq!(set.first().map(Signal::number), members.first().copied());
        }
    }
}
