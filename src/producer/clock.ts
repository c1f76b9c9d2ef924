// Time as the producer's loop sees it: the system clock in production, a manual clock in unit tests
// so that lingering, backoff and timeouts can be stepped through without waiting.

/** A timer handle of a {@link Clock}. */
export type ClockTimer = { readonly cancel: () => void };

export interface Clock {
  now(): number;
  /** Runs `callback` after `delayMs`. */
  setTimer(callback: () => void, delayMs: number): ClockTimer;
  /** Runs `callback` soon, after the current work (setImmediate). */
  soon(callback: () => void): void;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  setTimer(callback, delayMs) {
    const timer = setTimeout(callback, delayMs);
    return { cancel: () => clearTimeout(timer) };
  },
  soon: (callback) => {
    setImmediate(callback);
  },
};
