//! The tour's scenes, in the order they play.

mod ctrl_c;
mod deadlock;
mod fifo;
mod handle;
mod handler;
mod panic;
mod pipeline;
mod policies;
mod priorities;
mod procfs;
mod sigchld;
mod stopped;
mod table;
mod tree;
mod zombie;

/// What a scene may fail with.
pub type SceneResult = Result<(), Box<dyn std::error::Error>>;

/// A scene: its title and what plays it.
type Scene = (&'static str, fn() -> SceneResult);

/// Plays every scene.
pub fn tour() -> SceneResult {
    println!("vproc: virtual processes in one program, on a cooperative priority scheduler.");
    println!("Each scene runs on a kernel of its own, with a virtual clock counted in ticks.");
    let scenes: [Scene; 15] = [
        ("A process tree", tree::play),
        ("Priorities, and aging", priorities::play),
        ("One workload, nine policies", policies::play),
        ("A zombie, reaped by init", zombie::play),
        ("A panic, contained", panic::play),
        ("A deadlock, reported", deadlock::play),
        ("Another thread drives the kernel", handle::play),
        ("A pipeline, and its throughput", pipeline::play),
        ("A FIFO rendezvous", fifo::play),
        ("cat /proc/<pid>/status", procfs::play),
        ("A handler catches SIGUSR1", handler::play),
        ("Stopped and continued", stopped::play),
        ("SIGCHLD wakes a parent", sigchld::play),
        ("Ctrl-C on the terminal", ctrl_c::play),
        ("The process table", table::play),
    ];
    for (number, (title, play)) in scenes.into_iter().enumerate() {
        crate::narrate::scene(number + 1, title);
        play()?;
    }
    println!();
    Ok(())
}
