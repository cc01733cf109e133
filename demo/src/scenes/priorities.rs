//! Scene: three CPU-bound processes of different nice values; the timeline shows strict
//! priority, and aging giving the least favoured one a slice.

use vproc::kernel::{Command, Kernel};
use vproc::sched::PriorityPolicy;

use super::SceneResult;
use crate::narrate::{say, show};
use crate::timeline::Timeline;

pub fn play() -> SceneResult {
    let policy = PriorityPolicy::default();
    let (quantum, aging) = (policy.quantum(), policy.aging_interval().unwrap_or(0));
    let bound = policy.wait_bound(19, 3).unwrap_or(0);
    say("The default policy: 40 levels (nice -20..19), round-robin inside a level with a");
    say(&format!(
        "{quantum}-tick quantum, and aging: every {aging} ticks a process waits counts as one"
    ));
    say("level better. Three CPU-bound processes start at tick 0:");
    let mut kernel = Kernel::builder().policy(policy).build();
    let timeline = Timeline::record(&mut kernel);
    let jobs = [
        ("urgent", -10, 800),
        ("normal", 0, 2500),
        ("batch", 19, 200),
    ];
    let mut rows = Vec::new();
    for (name, nice, work) in jobs {
        let pid = kernel.spawn_fn(Command::new(name).nice(nice), move |p| async move {
            p.compute(work).await;
        })?;
        say(&format!("  {name:<7} nice {nice:>3}, {work} ticks of CPU"));
        rows.push((pid, format!("{name} ({nice})")));
    }
    kernel.run()?;
    let end = kernel.now();
    show(&timeline.chart(&rows, end, 64));
    let batch = rows[2].0;
    let first = (0..end)
        .find(|&t| timeline.ran(batch, t, t + 1) > 0)
        .unwrap_or(end);
    say("`urgent` runs first and alone; `normal` runs once it is done.");
    say(&format!(
        "`batch` (nice 19) first ran at tick {first}: aging lifted it while `normal` still"
    ));
    say(&format!(
        "had work, within the documented bound (b+1)·A + n·Q = {bound} ticks."
    ));
    Ok(())
}
