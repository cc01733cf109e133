//! A process's program as the kernel polls it: the closure given to spawn, run on the
//! first poll (so spawning runs no program code), then the future it returned.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use crate::process::Program;
use crate::{ExitValue, Proc};

/// Wraps a program closure into the future the kernel polls.
pub(crate) fn program_of<F, Fut>(program: F, proc: Proc) -> Program
where
    F: FnOnce(Proc) -> Fut + 'static,
    Fut: Future + 'static,
    Fut::Output: ExitValue,
{
    Box::pin(Lazy::Start(program, proc))
}

/// The closure and its `Proc` until the first poll, then the closure's future. An enum
/// keeps the two in the same bytes, where an `async` block keeps the closure's space
/// beside the future's: 64 bytes more for each job of the simulator.
enum Lazy<F, Fut> {
    Start(F, Proc),
    Run(Fut),
    Done,
}

impl<F, Fut> Future for Lazy<F, Fut>
where
    F: FnOnce(Proc) -> Fut,
    Fut: Future,
    Fut::Output: ExitValue,
{
    type Output = u8;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<u8> {
        // SAFETY: the future in `Run` is pinned with `self`: it is polled in place and
        // dropped in place (by the assignment of `Done` or the enum's drop), never moved.
        // Only the closure and its `Proc`, which are never pinned, are moved out.
        let this = unsafe { self.get_unchecked_mut() };
        if matches!(this, Lazy::Start(..)) {
            let Lazy::Start(program, proc) = std::mem::replace(this, Lazy::Done) else {
                unreachable!("checked just above");
            };
            *this = Lazy::Run(program(proc));
        }
        let Lazy::Run(future) = this else {
            panic!("a program polled after it ended");
        };
        // SAFETY: see above; `future` is not moved while pinned.
        let polled = unsafe { Pin::new_unchecked(future) }.poll(cx);
        match polled {
            Poll::Ready(value) => {
                // The future ends here, as an `async` block's would: dropped in place.
                *this = Lazy::Done;
                Poll::Ready(value.exit_code())
            }
            Poll::Pending => Poll::Pending,
        }
    }
}
