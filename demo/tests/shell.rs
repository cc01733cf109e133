//! `process-demo shell` with its standard input piped: no prompt, each line's output, the
//! host's files under /, and `exit`'s status.

use std::io::Write;
use std::path::Path;
use std::process::{Command, Output, Stdio};

/// Runs `process-demo shell` in `dir` with `input` on its standard input.
fn shell(dir: &Path, input: &str) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_process-demo"))
        .arg("shell")
        .current_dir(dir)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run process-demo shell");
    child
        .stdin
        .take()
        .expect("piped")
        .write_all(input.as_bytes())
        .expect("write the input");
    child.wait_with_output().expect("wait for process-demo")
}

fn text(bytes: &[u8]) -> &str {
    std::str::from_utf8(bytes).expect("UTF-8 output")
}

#[test]
fn lines_from_a_pipe_run_and_print_only_their_output() {
    let out = shell(&std::env::temp_dir(), "echo hello | wc -c\nexit\n");
    assert_eq!(text(&out.stdout), "6\n", "{}", text(&out.stderr));
    assert_eq!(text(&out.stderr), "");
    assert_eq!(out.status.code(), Some(0));
}

#[test]
fn the_hosts_files_are_there_and_exit_sets_the_status() {
    let dir = std::env::temp_dir().join(format!("vproc-demo-shell-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("make a temporary directory");
    std::fs::write(dir.join("notes.txt"), "one\ntwo\nthree\n").expect("write a host file");
    let input =
        "ls\ngrep -n t notes.txt\necho made > new.txt\nnope\necho 'open\nexit 3\necho never\n";
    let out = shell(&dir, input);
    let made = std::fs::read_to_string(dir.join("new.txt"));
    let _ = std::fs::remove_dir_all(&dir);
    assert_eq!(text(&out.stdout), "notes.txt\n2:two\n3:three\n");
    assert_eq!(
        text(&out.stderr),
        "sh: nope: command not found\nsh: unterminated ' quote\n"
    );
    assert_eq!(out.status.code(), Some(3));
    assert_eq!(made.expect("the shell wrote a host file"), "made\n");
}

#[test]
fn the_end_of_the_input_ends_with_the_last_status() {
    let out = shell(&std::env::temp_dir(), "false");
    assert_eq!(out.status.code(), Some(1));
    assert!(out.stdout.is_empty());
}
