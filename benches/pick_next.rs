//! Pick-next of the default policy with 10 to 1,000,000 ready tasks: one pick plus the
//! re-queue of the task picked, as a kernel does at every preemption.

use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};
use vproc::sched::{Policy, PriorityPolicy, Requeue, TaskId, TaskParams};

fn bench(c: &mut Criterion) {
    let mut group = c.benchmark_group("pick_next");
    for ready in [10u32, 1_000, 100_000, 1_000_000] {
        let mut policy = PriorityPolicy::default();
        for i in 0..ready {
            // Nice values spread over all 40 levels.
            let nice = (i % 40) as i8 - 20;
            policy.admit(TaskId(i), &TaskParams::with_nice(nice), 0);
            policy.enqueue(TaskId(i), Requeue::New, 0);
        }
        let quantum = policy.quantum();
        let mut now = 0;
        group.bench_with_input(BenchmarkId::from_parameter(ready), &ready, |b, _| {
            b.iter(|| {
                let task = policy.pick_next(now).expect("a ready task");
                now += quantum;
                policy.enqueue(task, Requeue::Preempted, now);
                task
            })
        });
    }
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
