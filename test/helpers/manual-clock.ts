// A clock for unit tests: time moves only when the test says so, and due timers run in order.
import type { Clock, ClockTimer } from '../../src/time/clock.js';

interface Timer {
  due: number;
  callback: () => void;
  cancelled: boolean;
}

export class ManualClock implements Clock {
  private time: number;
  private timers: Timer[] = [];
  private immediate: (() => void)[] = [];

  constructor(start = 1_000_000) {
    this.time = start;
  }

  now(): number {
    return this.time;
  }

  setTimer(callback: () => void, delayMs: number): ClockTimer {
    const timer: Timer = { due: this.time + Math.max(0, delayMs), callback, cancelled: false };
    this.timers.push(timer);
    return { cancel: () => (timer.cancelled = true) };
  }

  soon(callback: () => void): void {
    this.immediate.push(callback);
  }

  /** Runs what was scheduled to run soon, and what that schedules, a bounded number of rounds. */
  async settle(): Promise<void> {
    for (let round = 0; round < 50; round++) {
      await new Promise((resolve) => setImmediate(resolve));
      const callbacks = this.immediate.splice(0);
      if (callbacks.length === 0) return;
      for (const callback of callbacks) callback();
    }
  }

  /** Moves time forward by `ms`, running every timer that falls due, in order. */
  async advance(ms: number): Promise<void> {
    const target = this.time + ms;
    for (let round = 0; round < 10_000; round++) {
      await this.settle();
      const next = this.timers.filter((timer) => !timer.cancelled && timer.due <= target).sort((left, right) => left.due - right.due)[0];
      if (!next) break;
      this.time = Math.max(this.time, next.due);
      next.cancelled = true;
      next.callback();
    }
    this.timers = this.timers.filter((timer) => !timer.cancelled);
    this.time = target;
    await this.settle();
  }
}
