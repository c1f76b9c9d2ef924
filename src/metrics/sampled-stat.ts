// Time-windowed statistics with the Java client's sampling: values fall into samples of up to
// `windowMs` each; a measurement combines the samples that saw an event within the last
// `samples * windowMs` (plus the one that was current when that span began, as Java keeps one
// extra). Rates divide the sum over those samples by the time they span, which is at least
// `samples - 1` whole windows, so that a burst right after a quiet spell (or at start) is not read
// as a huge rate. Every statistic of one sample set (count, sum, max) comes from the same samples,
// so an average can never exceed the maximum. Time is passed in by the caller (ms), which keeps
// the statistics exact under a test's manual clock.

/** How values are sampled: Java's `metrics.sample.window.ms` and `metrics.num.samples`. */
export interface SampleWindows {
  readonly windowMs: number;
  readonly samples: number;
}

/** Count, sum and maximum of the values recorded over a window of samples. */
export interface SampledValues {
  readonly count: number;
  readonly sum: number;
  /** The largest value; NaN when no value was recorded. */
  readonly max: number;
}

/** One stream of values sampled over time: its rate, average and maximum over the recent windows. */
export class SampledStat {
  private readonly windowMs: number;
  private readonly samples: number;
  // One slot more than `samples`: a sample that began before the span but saw an event inside it
  // still counts (the span's samples would otherwise lose their oldest events at each turn).
  private readonly starts: Float64Array;
  private readonly lastEvents: Float64Array;
  private readonly counts: Float64Array;
  private readonly sums: Float64Array;
  private readonly maxes: Float64Array;
  private current = 0;
  /** Slots in use so far; the ring is filled lazily, so a stat never recorded has none. */
  private used = 0;

  constructor(windows: SampleWindows) {
    this.windowMs = windows.windowMs;
    this.samples = windows.samples;
    const slots = windows.samples + 1;
    this.starts = new Float64Array(slots);
    this.lastEvents = new Float64Array(slots);
    this.counts = new Float64Array(slots);
    this.sums = new Float64Array(slots);
    this.maxes = new Float64Array(slots);
  }

  /** Records `value` at time `now` (ms). */
  record(value: number, now: number): void {
    let slot = this.current;
    if (this.used === 0) {
      this.reset(0, now);
      this.used = 1;
      slot = 0;
    } else if (now - this.starts[slot]! >= this.windowMs) {
      slot = (slot + 1) % this.starts.length;
      if (slot >= this.used) this.used = slot + 1;
      this.reset(slot, now);
      this.current = slot;
    }
    const count = this.counts[slot]!;
    this.counts[slot] = count + 1;
    this.sums[slot]! += value;
    if (count === 0 || value > this.maxes[slot]!) this.maxes[slot] = value;
    this.lastEvents[slot] = now;
  }

  /** Count, sum and maximum over the retained samples at `now`. */
  values(now: number): SampledValues {
    this.purge(now);
    let count = 0;
    let sum = 0;
    let max = Number.NaN;
    for (let slot = 0; slot < this.used; slot++) {
      const slotCount = this.counts[slot]!;
      if (slotCount === 0) continue;
      count += slotCount;
      sum += this.sums[slot]!;
      const slotMax = this.maxes[slot]!;
      if (!(slotMax <= max)) max = slotMax;
    }
    return { count, sum, max };
  }

  /** The average value over the retained samples (never above {@link max}); NaN when none was recorded. */
  avg(now: number): number {
    const { count, sum, max } = this.values(now);
    // Floating-point sums of equal fractions can land a hair above count * max.
    return count === 0 ? Number.NaN : Math.min(sum / count, max);
  }

  /** The largest value over the retained samples; NaN when none was recorded. */
  max(now: number): number {
    return this.values(now).max;
  }

  /** The sum over the retained samples divided by the time they span, per second. */
  rate(now: number): number {
    return (this.values(now).sum * 1000) / this.spanMs(now);
  }

  /**
   * The time the retained samples span at `now`, in ms: from the oldest one's start, and at least
   * `samples - 1` whole windows (the missing ones count as quiet), and at least 1 ms.
   */
  spanMs(now: number): number {
    this.purge(now);
    if (this.used === 0) {
      this.reset(0, now);
      this.used = 1;
    }
    let oldest = this.starts[0]!;
    for (let slot = 1; slot < this.used; slot++) oldest = Math.min(oldest, this.starts[slot]!);
    let span = now - oldest;
    const fullWindows = Math.floor(span / this.windowMs);
    const minimum = this.samples - 1;
    if (fullWindows < minimum) span += (minimum - fullWindows) * this.windowMs;
    return Math.max(1, span);
  }

  // A sample whose last event is older than the span no longer counts: it restarts, empty, now.
  private purge(now: number): void {
    const expireAge = this.samples * this.windowMs;
    for (let slot = 0; slot < this.used; slot++) {
      if (now - this.lastEvents[slot]! >= expireAge) this.reset(slot, now);
    }
  }

  private reset(slot: number, now: number): void {
    this.starts[slot] = now;
    this.lastEvents[slot] = now;
    this.counts[slot] = 0;
    this.sums[slot] = 0;
    this.maxes[slot] = 0;
  }
}

/** A windowed rate and the cumulative total of the same values (Java's Meter). */
export class Meter {
  /** Everything recorded since the start, never windowed. */
  total = 0;
  private readonly stat: SampledStat;

  constructor(windows: SampleWindows) {
    this.stat = new SampledStat(windows);
  }

  record(value: number, now: number): void {
    this.total += value;
    this.stat.record(value, now);
  }

  /** Per second over the retained samples. */
  rate(now: number): number {
    return this.stat.rate(now);
  }
}
