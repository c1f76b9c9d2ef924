// Time as the client sees it: the system clock in production, a manual clock in unit tests, so that
// timeouts, backoff and renewals can be stepped through without waiting. Every component that reads
// the time or sets a timer takes one, so that one clock drives them all.

/** A timer handle of a {@link Clock}. */
export type ClockTimer = { readonly cancel: () => void };

/** How a timer of a {@link Clock} relates to the process. */
export interface TimerOptions {
  /**
   * Whether the process may exit while the timer waits (Node's `unref`). For timers that only
   * matter while something else holds the process open, such as a request's deadline. Default false.
   */
  readonly unref?: boolean;
}

export interface Clock {
  now(): number;
  /** Runs `callback` after `delayMs`. */
  setTimer(callback: () => void, delayMs: number, options?: TimerOptions): ClockTimer;
  /** Runs `callback` soon, after the current work (setImmediate). */
  soon(callback: () => void): void;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  setTimer(callback, delayMs, options) {
    const timer = setTimeout(callback, delayMs);
    if (options?.unref) timer.unref();
    return { cancel: () => clearTimeout(timer) };
  },
  soon: (callback) => {
    setImmediate(callback);
  },
};
