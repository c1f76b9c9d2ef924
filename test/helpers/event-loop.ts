// Stalls of the event loop, as a long synchronous task in the application would cause: used to
// check that answers which arrived during a stall are read before any request is judged timed out.

import { blockEventLoop } from '../../src/testing/faults/event-loop-stall.js';

export { blockEventLoop };

/**
 * Checks `condition` once per event-loop turn, in the check phase (setImmediate, right after the
 * poll phase); the first time it holds, blocks the loop for `ms`. What a server in this process
 * wrote during that turn's poll phase is then still unread by its clients in this process when the
 * block starts, since they read their sockets in the next turn's poll phase at the earliest.
 */
export async function blockWhen(condition: () => boolean, ms: number, limitMs = 5000): Promise<void> {
  const giveUp = Date.now() + limitMs;
  for (let turn = 0; turn < 10_000_000 && Date.now() < giveUp; turn++) {
    await new Promise<void>((resolve) => setImmediate(resolve));
    if (condition()) {
      blockEventLoop(ms);
      return;
    }
  }
  throw new Error(`blockWhen: the condition did not hold within ${limitMs} ms`);
}
