// An event-loop stall, as a long synchronous task in an application causes: nothing else in the
// process runs meanwhile, timers fall due, and what peers send waits in the sockets.

/** Blocks the event loop for `ms` milliseconds. */
export function blockEventLoop(ms: number): void {
  const until = Date.now() + ms;
  for (let spin = 0; spin < Number.MAX_SAFE_INTEGER && Date.now() < until; spin++) {
    // Busy on purpose: this is the stall.
  }
}
