//! The tour runs to the end and shows every scene.

use std::process::Command;

#[test]
fn the_tour_plays_every_scene() {
    let output = Command::new(env!("CARGO_BIN_EXE_process-demo"))
        .output()
        .expect("run process-demo");
    let text = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "process-demo failed: {}\n{text}",
        String::from_utf8_lossy(&output.stderr)
    );
    for scene in [
        "1. A process tree",
        "2. Priorities, and aging",
        "3. One workload, nine policies",
        "4. A zombie, reaped by init",
        "5. A panic, contained",
        "6. A deadlock, reported",
        "7. Another thread drives the kernel",
        "8. A pipeline, and its throughput",
        "9. A FIFO rendezvous",
        "10. cat /proc/<pid>/status",
        "11. A handler catches SIGUSR1",
        "12. Stopped and continued",
        "13. SIGCHLD wakes a parent",
        "14. Ctrl-C on the terminal",
        "15. The process table",
    ] {
        assert!(
            text.contains(scene),
            "scene '{scene}' missing from:\n{text}"
        );
    }
    // What each scene is about actually happened.
    assert!(text.contains("reaped by pid 1"), "{text}");
    // OSTEP's numbers for the late short jobs: sjf 103.33, stcf 50.
    assert!(text.contains("sjf") && text.contains("103.33"), "{text}");
    assert!(text.contains("panicked: index out of bounds"), "{text}");
    assert!(text.contains("blocked forever"), "{text}");
    assert!(text.contains("killed by SIGTERM"), "{text}");
    // Ctrl-C ended the foreground pipeline; the background job finished.
    assert!(text.contains("^C"), "{text}");
    assert!(
        text.contains("sh: the pipeline was killed by SIGINT"),
        "{text}"
    );
    assert!(text.contains("[1]+ Done (exited with code 0)"), "{text}");
    assert!(
        text.contains("count = 3") && text.contains("status 143"),
        "{text}"
    );
    assert!(text.contains("waitpid: pid 3 stopped by SIGSTOP"), "{text}");
    assert!(text.contains("waitpid: pid 3 continued"), "{text}");
    assert!(text.contains("handler runs for SIGCHLD"), "{text}");
    assert!(text.contains("wait() -> ECHILD"), "{text}");
    assert!(text.contains("statuses left for the host: 0"), "{text}");
    // A contained panic prints nothing on stderr.
    assert!(
        output.stderr.is_empty(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
}

#[test]
fn tour_is_also_a_subcommand_and_help_works() {
    let tour = Command::new(env!("CARGO_BIN_EXE_process-demo"))
        .arg("tour")
        .output()
        .expect("run process-demo tour");
    assert!(tour.status.success());
    let bad = Command::new(env!("CARGO_BIN_EXE_process-demo"))
        .arg("no-such-mode")
        .output()
        .expect("run process-demo");
    assert_eq!(bad.status.code(), Some(2), "clap exits 2 on bad usage");
}
