//! The shell with a host directory mounted: `ls` and `cat` see the host's files, and a
//! redirection writes a real host file.

use std::path::PathBuf;

use vproc_kernel::Kernel;
use vproc_shell::Shell;

/// A fresh host directory, removed when dropped.
struct TempDir(PathBuf);

impl TempDir {
    fn new() -> Self {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos());
        let name = format!("vproc-shell-host-{}-{nanos}", std::process::id());
        let dir = std::env::temp_dir().join(name);
        std::fs::create_dir(&dir).expect("make a temporary directory");
        TempDir(dir)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

#[test]
fn host_files_through_the_shell() {
    let host = TempDir::new();
    std::fs::write(
        host.0.join("hello.txt"),
        "hello from the host\nsecond line\n",
    )
    .unwrap();
    std::fs::create_dir(host.0.join("sub")).unwrap();

    let mut kernel = Kernel::new();
    kernel
        .mount_host("/tmp", &host.0)
        .expect("mount the host directory");
    Shell::install(&mut kernel);
    let mut shell = Shell::new();
    shell.set_cwd("/tmp");

    let out = shell
        .run(&mut kernel, "ls; cat hello.txt | head -n 1")
        .unwrap();
    assert_eq!(
        (out.stdout_lossy().as_ref(), out.status),
        ("hello.txt\nsub\nhello from the host\n", 0),
        "{}",
        out.stderr_lossy()
    );

    let out = shell
        .run(
            &mut kernel,
            "echo x > sub/file; echo y >> sub/file; ls -l sub",
        )
        .unwrap();
    assert_eq!(out.status, 0, "{}", out.stderr_lossy());
    assert!(
        out.stdout_lossy().ends_with(" 4 file\n"),
        "{}",
        out.stdout_lossy()
    );
    let written = std::fs::read_to_string(host.0.join("sub/file")).unwrap();
    assert_eq!(written, "x\ny\n", "a real host file");

    let out = shell
        .run(&mut kernel, "mv sub/file moved; rm -r sub; cat moved nope")
        .unwrap();
    assert_eq!(out.stdout_lossy(), "x\ny\n");
    assert_eq!(out.stderr_lossy(), "cat: nope: No such file or directory\n");
    assert!(host.0.join("moved").exists() && !host.0.join("sub").exists());
}
