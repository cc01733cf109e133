//! The line discipline: what typed bytes become (input a read takes, echo, signals) and
//! where written bytes wait for the host.
//!
//! In canonical mode (the default, as `ICANON`) typed bytes are edited into a line that
//! a read can take only once it is ended: by a newline (a carriage return counts as one,
//! as `ICRNL`), or by Ctrl-D (`VEOF`), which hands over the line as typed, without a
//! newline, and on an empty line makes the next read return 0 (end of file). Backspace
//! or DEL (`VERASE`) erases the last byte of the line, Ctrl-U (`VKILL`) all of it. One
//! read takes at most one line. In raw mode every byte can be read as soon as it is
//! typed, and one read takes all that is there (up to its size), as `VMIN = 1`,
//! `VTIME = 0`.
//!
//! With signal keys on (`ISIG`), Ctrl-C (`VINTR`), Ctrl-Z (`VSUSP`) and Ctrl-\
//! (`VQUIT`) are not input: they flush the input queue and ask for SIGINT, SIGTSTP or
//! SIGQUIT to the foreground process group. With echo on (`ECHO`), typed bytes are
//! copied to the output, control keys as `^C` (`ECHOCTL`) and an erase as
//! backspace-space-backspace (`ECHOE`).
//!
//! Output is not processed (no `OPOST`/`ONLCR`): the host gets the bytes as written.

use std::collections::VecDeque;

use vproc_ipc::Signal;

/// The most typed bytes a terminal holds for readers (Linux's `N_TTY_BUF_SIZE` less one,
/// `MAX_INPUT`); bytes typed beyond it are dropped, except those that end a line.
pub const MAX_INPUT: usize = 4095;

/// The most written bytes a terminal holds for the host; a writer waits for the host to
/// take some when it is full.
pub const MAX_OUTPUT: usize = 64 * 1024;

const INTR: u8 = 0x03;
const EOF: u8 = 0x04;
const BS: u8 = 0x08;
const KILL: u8 = 0x15;
const SUSP: u8 = 0x1a;
const QUIT: u8 = 0x1c;
const DEL: u8 = 0x7f;

/// How a terminal treats typed bytes, as the few `termios` flags that matter here.
///
/// Canonical mode (the default) reads by lines: typed bytes are edited into a line
/// (backspace or DEL erases a byte, Ctrl-U the line) that a read takes once Enter ends
/// it (a carriage return counts as a newline); Ctrl-D hands over the line as it is, and
/// on an empty line makes the next read return 0, end of file. One read takes at most
/// one line. Raw mode hands every byte over as typed, and a read takes all there is.
/// With `isig`, Ctrl-C, Ctrl-Z and Ctrl-\ are no input: they flush what was typed and
/// send SIGINT, SIGTSTP and SIGQUIT to the foreground group. With `echo`, typed bytes
/// are copied to the output, control keys as `^C`. Written bytes reach the host as they
/// are (no `\n` to `\r\n`). A terminal holds at most [`MAX_INPUT`] typed bytes and
/// [`MAX_OUTPUT`] written ones.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct TtyMode {
    /// Canonical mode (`ICANON`): input is read by lines, edited as typed.
    pub canonical: bool,
    /// Echo typed bytes to the output (`ECHO`).
    pub echo: bool,
    /// Ctrl-C, Ctrl-Z and Ctrl-\ send signals to the foreground group (`ISIG`).
    pub isig: bool,
}

impl Default for TtyMode {
    /// Canonical, echoing, with signal keys: Linux's defaults.
    fn default() -> Self {
        TtyMode {
            canonical: true,
            echo: true,
            isig: true,
        }
    }
}

impl TtyMode {
    /// Raw mode: every byte is input as typed, nothing is echoed, no key signals.
    pub fn raw() -> Self {
        TtyMode {
            canonical: false,
            echo: false,
            isig: false,
        }
    }
}

/// The queues of one terminal.
#[derive(Debug, Default)]
pub(crate) struct Line {
    mode: TtyMode,
    /// Canonical mode: the line being typed.
    editing: Vec<u8>,
    /// What reads take: ended lines (canonical; an empty one is an end of file) or
    /// bytes as typed (raw).
    ready: VecDeque<Vec<u8>>,
    /// Bytes in `ready`.
    ready_len: usize,
    /// Written and echoed bytes the host has not taken.
    output: Vec<u8>,
}

impl Line {
    pub(crate) fn mode(&self) -> TtyMode {
        self.mode
    }

    /// Changes the mode; a line being edited when canonical mode ends becomes input.
    pub(crate) fn set_mode(&mut self, mode: TtyMode) {
        if self.mode.canonical && !mode.canonical && !self.editing.is_empty() {
            let line = std::mem::take(&mut self.editing);
            self.push_ready(line);
        }
        self.mode = mode;
    }

    /// Takes typed bytes; returns the signals their keys ask for, in order.
    pub(crate) fn type_in(&mut self, bytes: &[u8]) -> Vec<Signal> {
        let mut signals = Vec::new();
        for &byte in bytes {
            let key = match byte {
                INTR => Some(Signal::SIGINT),
                SUSP => Some(Signal::SIGTSTP),
                QUIT => Some(Signal::SIGQUIT),
                _ => None,
            };
            match key {
                Some(signal) if self.mode.isig => {
                    self.signal_key(signal);
                    signals.push(signal);
                }
                _ if self.mode.canonical => self.edit(byte),
                _ => self.raw(byte),
            }
        }
        signals
    }

    /// A signal key: the input is flushed (no `NOFLSH`), the key echoed.
    pub(crate) fn signal_key(&mut self, signal: Signal) {
        self.flush_input();
        if self.mode.echo {
            let key: &[u8] = match signal {
                Signal::SIGINT => b"^C",
                Signal::SIGTSTP => b"^Z",
                Signal::SIGQUIT => b"^\\",
                _ => b"",
            };
            self.output.extend_from_slice(key);
        }
    }

    /// Drops every typed byte not yet read.
    pub(crate) fn flush_input(&mut self) {
        self.editing.clear();
        self.ready.clear();
        self.ready_len = 0;
    }

    fn pending(&self) -> usize {
        self.editing.len() + self.ready_len
    }

    fn edit(&mut self, byte: u8) {
        match byte {
            b'\n' | b'\r' => {
                let mut line = std::mem::take(&mut self.editing);
                line.push(b'\n');
                self.push_ready(line);
                self.echo(b"\n");
            }
            EOF => {
                let line = std::mem::take(&mut self.editing);
                self.push_ready(line);
            }
            BS | DEL => {
                if self.editing.pop().is_some() {
                    self.echo(b"\x08 \x08");
                }
            }
            KILL => {
                let erased = std::mem::take(&mut self.editing);
                for _ in 0..erased.len() {
                    self.echo(b"\x08 \x08");
                }
            }
            _ if self.pending() >= MAX_INPUT => {}
            _ => {
                self.editing.push(byte);
                self.echo_byte(byte);
            }
        }
    }

    fn raw(&mut self, byte: u8) {
        if self.pending() >= MAX_INPUT {
            return;
        }
        match self.ready.back_mut() {
            Some(chunk) => chunk.push(byte),
            None => self.ready.push_back(vec![byte]),
        }
        self.ready_len += 1;
        self.echo_byte(byte);
    }

    fn push_ready(&mut self, line: Vec<u8>) {
        self.ready_len += line.len();
        self.ready.push_back(line);
    }

    fn echo(&mut self, bytes: &[u8]) {
        if self.mode.echo {
            self.output.extend_from_slice(bytes);
        }
    }

    /// Echoes a typed byte: a control byte other than tab as `^X` (`ECHOCTL`).
    fn echo_byte(&mut self, byte: u8) {
        if byte < 0x20 && byte != b'\t' {
            self.echo(&[b'^', byte + 0x40]);
        } else {
            self.echo(&[byte]);
        }
    }

    /// The bytes a read could take now: typed input that is ready (in canonical mode,
    /// whole lines only).
    pub(crate) fn available(&self) -> usize {
        self.ready_len
    }

    /// Whether a read would return at once (with data, or with end of file).
    pub(crate) fn readable(&self) -> bool {
        !self.ready.is_empty()
    }

    /// What a read of up to `max` bytes takes now: `None` when it must wait, an empty
    /// vector for an end of file (canonical Ctrl-D on an empty line).
    pub(crate) fn read(&mut self, max: usize) -> Option<Vec<u8>> {
        if self.ready.is_empty() {
            return None;
        }
        let mut out = Vec::new();
        if self.mode.canonical {
            let front = self.ready.front_mut()?;
            if front.len() <= max {
                out = self.ready.pop_front().unwrap_or_default();
            } else {
                out.extend(front.drain(..max));
            }
        } else {
            while out.len() < max {
                let Some(front) = self.ready.front_mut() else {
                    break;
                };
                let take = front.len().min(max - out.len());
                out.extend(front.drain(..take));
                if front.is_empty() {
                    self.ready.pop_front();
                }
            }
        }
        self.ready_len -= out.len();
        Some(out)
    }

    /// Room for written bytes.
    pub(crate) fn room(&self) -> usize {
        MAX_OUTPUT.saturating_sub(self.output.len())
    }

    /// Writes what fits of `data`; returns how much did.
    pub(crate) fn write(&mut self, data: &[u8]) -> usize {
        let n = data.len().min(self.room());
        self.output.extend_from_slice(&data[..n]);
        n
    }

    /// Everything written and echoed since the last call.
    pub(crate) fn take_output(&mut self) -> Vec<u8> {
        std::mem::take(&mut self.output)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn quiet() -> Line {
        let mut line = Line::default();
        line.set_mode(TtyMode {
            echo: false,
            ..TtyMode::default()
        });
        line
    }

    #[test]
    fn canonical_input_waits_for_the_end_of_the_line_and_reads_one_line() {
        let mut line = quiet();
        line.type_in(b"ab");
        assert_eq!(line.read(10), None);
        line.type_in(b"c\rde\nf");
        assert_eq!(line.read(10).as_deref(), Some(&b"abc\n"[..]));
        assert_eq!(line.read(1).as_deref(), Some(&b"d"[..]));
        assert_eq!(line.read(10).as_deref(), Some(&b"e\n"[..]));
        assert_eq!(line.read(10), None);
    }

    #[test]
    fn erase_kill_and_end_of_file() {
        let mut line = Line::default();
        line.type_in(b"ax\x7fb\x04");
        assert_eq!(line.read(10).as_deref(), Some(&b"ab"[..]));
        line.type_in(b"zz\x15\x04");
        assert_eq!(line.read(10).as_deref(), Some(&b""[..]), "end of file");
        assert_eq!(line.take_output(), b"ax\x08 \x08bzz\x08 \x08\x08 \x08");
    }

    #[test]
    fn signal_keys_flush_the_input_and_echo() {
        let mut line = Line::default();
        line.type_in(b"ready\nhalf");
        let signals = line.type_in(b"\x03\x1a\x1c");
        assert_eq!(signals, [Signal::SIGINT, Signal::SIGTSTP, Signal::SIGQUIT]);
        assert_eq!(line.read(10), None, "flushed");
        assert_eq!(line.take_output(), b"ready\nhalf^C^Z^\\");
        line.set_mode(TtyMode {
            isig: false,
            ..TtyMode::default()
        });
        assert!(line.type_in(b"\x03\n").is_empty());
        assert_eq!(line.read(10).as_deref(), Some(&b"\x03\n"[..]));
    }

    #[test]
    fn raw_mode_reads_bytes_as_typed() {
        let mut line = Line::default();
        line.type_in(b"par");
        line.set_mode(TtyMode::raw());
        line.type_in(b"t\x03\x04");
        assert_eq!(line.read(2).as_deref(), Some(&b"pa"[..]));
        assert_eq!(line.read(10).as_deref(), Some(&b"rt\x03\x04"[..]));
        assert_eq!(line.read(10), None);
    }

    #[test]
    fn input_and_output_are_bounded() {
        let mut line = quiet();
        line.type_in(&vec![b'x'; MAX_INPUT + 10]);
        line.type_in(b"\n");
        assert_eq!(line.read(usize::MAX).map(|l| l.len()), Some(MAX_INPUT + 1));
        assert_eq!(line.write(&vec![0; MAX_OUTPUT + 1]), MAX_OUTPUT);
        assert_eq!(line.room(), 0);
        assert_eq!(line.take_output().len(), MAX_OUTPUT);
        assert_eq!(line.room(), MAX_OUTPUT);
    }
}
