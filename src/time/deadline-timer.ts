// One timer armed for the earliest of many deadlines. Whoever owns the deadlines arms it with each
// new one; an earlier deadline replaces the armed timer, a later one leaves it (the owner looks at
// its deadlines again when the timer fires, and arms the next). One timer instead of one per
// deadline keeps a busy connection or loop from setting and clearing a timer per request.
import type { Clock, ClockTimer, TimerOptions } from './clock.js';

export class DeadlineTimer {
  private timer: ClockTimer | undefined;
  private armedFor = Number.POSITIVE_INFINITY;
  // Made once, not per arming.
  private readonly fire = (): void => {
    this.timer = undefined;
    this.armedFor = Number.POSITIVE_INFINITY;
    this.onDue();
  };

  /**
   * @param clock Reads the time and sets the timer.
   * @param onDue Called when the armed deadline is reached, after the timer has disarmed (so it may arm again).
   * @param options Passed to each timer (`unref: true` lets the process exit while it waits).
   */
  constructor(
    private readonly clock: Clock,
    private readonly onDue: () => void,
    private readonly options?: TimerOptions,
  ) {}

  /** The deadline the timer is armed for, or Infinity when it is not armed. */
  get due(): number {
    return this.armedFor;
  }

  /** Arms the timer for `due` (a time of the clock) unless it is armed for that or an earlier one. */
  arm(due: number): void {
    // Also ignores NaN and Infinity: neither is a deadline a timer can wait for.
    if (!(due < this.armedFor)) return;
    this.timer?.cancel();
    this.armedFor = due;
    this.timer = this.clock.setTimer(this.fire, Math.max(0, due - this.clock.now()), this.options);
  }

  /** Disarms the timer; onDue is not called until it is armed again. */
  cancel(): void {
    this.timer?.cancel();
    this.timer = undefined;
    this.armedFor = Number.POSITIVE_INFINITY;
  }
}
