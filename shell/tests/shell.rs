//! The shell on an in-memory kernel: pipelines, redirections, lists, builtins, expansion
//! and the utilities, each line run as processes on the kernel.

use vproc_kernel::Kernel;
use vproc_shell::{Output, Shell};

fn setup() -> (Kernel, Shell) {
    let mut kernel = Kernel::new();
    Shell::install(&mut kernel);
    (kernel, Shell::new())
}

fn run(kernel: &mut Kernel, shell: &mut Shell, line: &str) -> Output {
    shell.run(kernel, line).expect("the kernel runs the line")
}

/// Runs `line` and checks its standard output, standard error and status.
#[track_caller]
fn check(kernel: &mut Kernel, shell: &mut Shell, line: &str, out: &str, err: &str, status: i32) {
    let o = run(kernel, shell, line);
    assert_eq!(
        (
            o.stdout_lossy().as_ref(),
            o.stderr_lossy().as_ref(),
            o.status
        ),
        (out, err, status),
        "{line}"
    );
}

#[test]
fn a_file_written_then_counted_through_a_pipe() {
    let (mut k, mut sh) = setup();
    check(
        &mut k,
        &mut sh,
        "echo hi > /tmp/a; cat /tmp/a | wc -c",
        "3\n",
        "",
        0,
    );
    check(&mut k, &mut sh, "seq 1 20 | grep 1 | wc -l", "11\n", "", 0);
    check(
        &mut k,
        &mut sh,
        "seq 3 | grep -v 2 | grep -n 3",
        "2:3\n",
        "",
        0,
    );
}

#[test]
fn cd_and_variables_last_from_line_to_line() {
    let (mut k, mut sh) = setup();
    check(&mut k, &mut sh, "cd /tmp && pwd", "/tmp\n", "", 0);
    assert_eq!(sh.cwd(), "/tmp");
    check(
        &mut k,
        &mut sh,
        "pwd; mkdir d; cd d; pwd",
        "/tmp\n/tmp/d\n",
        "",
        0,
    );
    check(&mut k, &mut sh, "cd ..; ls", "d\n", "", 0);
    check(
        &mut k,
        &mut sh,
        "X=1; export Y=2; echo $X${Y}",
        "12\n",
        "",
        0,
    );
    // Only exported variables reach a command's environment.
    check(&mut k, &mut sh, "sh -c 'echo [$X] [$Y]'", "[] [2]\n", "", 0);
    check(
        &mut k,
        &mut sh,
        "Z=3 sh -c 'echo $Z'; echo [$Z]",
        "3\n[]\n",
        "",
        0,
    );
    check(&mut k, &mut sh, "echo '$X' \"$X\" \\$X", "$X 1 $X\n", "", 0);
    check(
        &mut k,
        &mut sh,
        "cd /nope",
        "",
        "sh: cd: /nope: No such file or directory\n",
        1,
    );
    assert_eq!(sh.cwd(), "/tmp", "a failed cd stays");
    // A cd in a pipeline is a subshell's.
    check(&mut k, &mut sh, "cd / | true; pwd", "/tmp\n", "", 0);
}

#[test]
fn lists_follow_statuses() {
    let (mut k, mut sh) = setup();
    check(&mut k, &mut sh, "false || echo no", "no\n", "", 0);
    check(&mut k, &mut sh, "true || echo no", "", "", 0);
    check(&mut k, &mut sh, "false && echo yes; echo $?", "1\n", "", 0);
    check(
        &mut k,
        &mut sh,
        "true && echo yes || echo no",
        "yes\n",
        "",
        0,
    );
    check(
        &mut k,
        &mut sh,
        "false; echo $?; true; echo $?",
        "1\n0\n",
        "",
        0,
    );
    check(&mut k, &mut sh, "false", "", "", 1);
    assert_eq!(sh.status(), 1);
    check(&mut k, &mut sh, "echo $?", "1\n", "", 0);
}

#[test]
fn redirections() {
    let (mut k, mut sh) = setup();
    let missing = "cat: /nope: No such file or directory\n";
    check(&mut k, &mut sh, "cat /nope 2> /tmp/err", "", "", 1);
    check(&mut k, &mut sh, "cat /tmp/err", missing, "", 0);
    check(
        &mut k,
        &mut sh,
        "echo one > /tmp/f; echo two >> /tmp/f; cat /tmp/f",
        "one\ntwo\n",
        "",
        0,
    );
    check(
        &mut k,
        &mut sh,
        "echo three > /tmp/f; cat < /tmp/f",
        "three\n",
        "",
        0,
    );
    // 2>&1 after > sends both to the file; before it, errors go where output went.
    check(
        &mut k,
        &mut sh,
        "cat /tmp/f /nope > /tmp/both 2>&1",
        "",
        "",
        1,
    );
    check(
        &mut k,
        &mut sh,
        "cat /tmp/both",
        &format!("three\n{missing}"),
        "",
        0,
    );
    check(&mut k, &mut sh, "cat /nope 2>&1 > /tmp/out", missing, "", 1);
    check(&mut k, &mut sh, "cat /nope 2>&1 | wc -l", "1\n", "", 0);
    // Builtins honour redirections too, and a line of only a redirection makes a file.
    check(
        &mut k,
        &mut sh,
        "pwd > /tmp/p; > /tmp/empty; wc -c /tmp/p /tmp/empty",
        "2 /tmp/p\n0 /tmp/empty\n2 total\n",
        "",
        0,
    );
    check(
        &mut k,
        &mut sh,
        "echo x > /no/such/dir",
        "",
        "sh: /no/such/dir: No such file or directory\n",
        1,
    );
    check(
        &mut k,
        &mut sh,
        "cat < /nope",
        "",
        "sh: /nope: No such file or directory\n",
        1,
    );
}

#[test]
fn a_missing_command_is_127() {
    let (mut k, mut sh) = setup();
    check(
        &mut k,
        &mut sh,
        "nope",
        "",
        "sh: nope: command not found\n",
        127,
    );
    check(&mut k, &mut sh, "nope 2>/dev/null; echo $?", "127\n", "", 0);
    check(
        &mut k,
        &mut sh,
        "nope | echo after",
        "after\n",
        "sh: nope: command not found\n",
        0,
    );
}

#[test]
fn yes_stops_when_head_has_had_enough() {
    let (mut k, mut sh) = setup();
    check(&mut k, &mut sh, "yes | head -n 3", "y\ny\ny\n", "", 0);
    check(&mut k, &mut sh, "yes no | head -n 2 | wc -l", "2\n", "", 0);
    // Nothing is left behind: every process ended, every descriptor and pipe closed.
    let live = k.live_objects();
    assert_eq!((live.processes, live.descriptors, live.pipes), (1, 0, 0));
}

#[test]
fn syntax_errors_and_exit() {
    let (mut k, mut sh) = setup();
    check(
        &mut k,
        &mut sh,
        "echo a |",
        "",
        "sh: syntax error: unexpected end of line\n",
        2,
    );
    check(
        &mut k,
        &mut sh,
        "echo 'open",
        "",
        "sh: unterminated ' quote\n",
        2,
    );
    check(
        &mut k,
        &mut sh,
        "echo bye; exit 3; echo never",
        "bye\n",
        "",
        3,
    );
    assert_eq!(sh.exit_requested(), Some(3));
    check(&mut k, &mut sh, "echo again", "again\n", "", 0);
    assert_eq!(sh.exit_requested(), None);
}

#[test]
fn the_utilities() {
    let (mut k, mut sh) = setup();
    check(
        &mut k,
        &mut sh,
        "cd /tmp; mkdir -p a/b; touch a/f; mkfifo a/p; ls a",
        "b\nf\np\n",
        "",
        0,
    );
    let o = run(&mut k, &mut sh, "ls -la a");
    assert_eq!(o.stdout_lossy().lines().count(), 5, "{}", o.stdout_lossy());
    let listing = o.stdout_lossy();
    assert!(
        listing.contains("drwx") && listing.contains(" b\n"),
        "{listing}"
    );
    assert!(
        listing.contains("prw-") && listing.contains(" p\n"),
        "{listing}"
    );
    check(
        &mut k,
        &mut sh,
        "mv a/f a/g; ls a | grep -c g",
        "1\n",
        "",
        0,
    );
    check(
        &mut k,
        &mut sh,
        "rmdir a",
        "",
        "rmdir: failed to remove 'a': Directory not empty\n",
        1,
    );
    check(
        &mut k,
        &mut sh,
        "rm a",
        "",
        "rm: cannot remove 'a': Is a directory\n",
        1,
    );
    check(&mut k, &mut sh, "rm -r a; ls", "", "", 0);
    check(
        &mut k,
        &mut sh,
        "rm -f nothing; rm nothing",
        "",
        "rm: cannot remove 'nothing': No such file or directory\n",
        1,
    );
    check(
        &mut k,
        &mut sh,
        "seq 5 | head -n 2; seq 2 2 6; seq 3 -1 1 | wc -w",
        "1\n2\n2\n4\n6\n3\n",
        "",
        0,
    );
    check(
        &mut k,
        &mut sh,
        "echo a b c | wc",
        "      1       3       6\n",
        "",
        0,
    );
    check(
        &mut k,
        &mut sh,
        "ls /nope",
        "",
        "ls: cannot access '/nope': No such file or directory\n",
        2,
    );
    check(
        &mut k,
        &mut sh,
        "echo Hello | grep -i hello; echo x | grep y",
        "Hello\n",
        "",
        1,
    );
    check(&mut k, &mut sh, "sleep 2; echo slept", "slept\n", "", 0);
    let o = run(&mut k, &mut sh, "ps");
    assert!(
        o.stdout_lossy().contains("sh -c ps"),
        "{}",
        o.stdout_lossy()
    );
}

#[test]
fn output_larger_than_a_pipe_reaches_the_caller() {
    let (mut k, mut sh) = setup();
    let o = run(&mut k, &mut sh, "seq 1 30000");
    assert_eq!(o.status, 0);
    assert_eq!(
        o.stdout.len(),
        168_894,
        "every line of seq, past the pipe's 64 KiB"
    );
    assert!(o.stdout_lossy().ends_with("29999\n30000\n"));
}

#[test]
fn a_line_that_can_never_end_is_killed() {
    let (mut k, mut sh) = setup();
    // Nobody will ever open the FIFO for writing: cat waits forever.
    let o = run(&mut k, &mut sh, "mkfifo /tmp/f; cat /tmp/f");
    assert_eq!(o.status, 137, "SIGKILL");
    let err = o.stderr_lossy();
    assert!(err.contains("deadlock") && err.contains("(cat)"), "{err}");
    assert!(
        err.ends_with("sh: the line can never end: killed\n"),
        "{err}"
    );
    assert_eq!(k.live_objects().processes, 1, "only init is left");
    // The shell goes on.
    check(&mut k, &mut sh, "echo $?", "137\n", "", 0);
}

#[test]
fn an_interrupted_line_ends_with_130() {
    let (mut k, mut sh) = setup();
    let mut ignore = |_: vproc_shell::Stream, _: &[u8]| {};
    // One line that sleeps, one that never blocks (but yields): both stop at the limit.
    for line in ["sleep 1000", "yes | cat > /dev/null"] {
        let mut running = sh.start(&mut k, line).expect("start");
        assert_eq!(
            running.step(&mut k, Some(50), &mut ignore).unwrap(),
            None,
            "{line}"
        );
        running.interrupt(&mut k);
        assert_eq!(
            running.step(&mut k, Some(50), &mut ignore).unwrap(),
            Some(130),
            "{line}"
        );
        assert_eq!(sh.status(), 130);
        let live = k.live_objects();
        assert_eq!(
            (live.processes, live.descriptors, live.pipes),
            (1, 0, 0),
            "{line}"
        );
    }
}
