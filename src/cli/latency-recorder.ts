// Per-record latencies of a perf test: totals (count, bytes, average, maximum) over every record,
// percentiles over a sample of at most MAX_SAMPLES of them (every n-th record, so that memory stays
// bounded for runs of any length), and a window since the last progress report.

const MAX_SAMPLES = 500_000;

export interface LatencyWindow {
  readonly records: number;
  readonly bytes: number;
  readonly elapsedMs: number;
  readonly averageMs: number;
  readonly maxMs: number;
}

export interface LatencyPercentiles {
  readonly p50: number;
  readonly p95: number;
  readonly p99: number;
  readonly p999: number;
}

export class LatencyRecorder {
  private readonly stride: number;
  private readonly samples: Float64Array;
  private sampled = 0;
  private recorded = 0;
  private totalBytes = 0;
  private totalLatency = 0;
  private maxLatency = 0;
  private windowStart: number;
  private windowRecords = 0;
  private windowBytes = 0;
  private windowLatency = 0;
  private windowMax = 0;

  constructor(expectedRecords: number, now = performance.now()) {
    this.stride = Math.max(1, Math.ceil(expectedRecords / MAX_SAMPLES));
    this.samples = new Float64Array(Math.ceil(expectedRecords / this.stride) + 1);
    this.windowStart = now;
  }

  /** Records one acknowledged record. */
  record(latencyMs: number, bytes: number): void {
    if (this.recorded % this.stride === 0 && this.sampled < this.samples.length) this.samples[this.sampled++] = latencyMs;
    this.recorded++;
    this.totalBytes += bytes;
    this.totalLatency += latencyMs;
    if (latencyMs > this.maxLatency) this.maxLatency = latencyMs;
    this.windowRecords++;
    this.windowBytes += bytes;
    this.windowLatency += latencyMs;
    if (latencyMs > this.windowMax) this.windowMax = latencyMs;
  }

  get records(): number {
    return this.recorded;
  }

  get bytes(): number {
    return this.totalBytes;
  }

  get averageMs(): number {
    return this.recorded === 0 ? 0 : this.totalLatency / this.recorded;
  }

  get maxMs(): number {
    return this.maxLatency;
  }

  /** The figures since the previous call (or since the start), and a new window from now. */
  takeWindow(now = performance.now()): LatencyWindow {
    const window = {
      records: this.windowRecords,
      bytes: this.windowBytes,
      elapsedMs: now - this.windowStart,
      averageMs: this.windowRecords === 0 ? 0 : this.windowLatency / this.windowRecords,
      maxMs: this.windowMax,
    };
    this.windowStart = now;
    this.windowRecords = 0;
    this.windowBytes = 0;
    this.windowLatency = 0;
    this.windowMax = 0;
    return window;
  }

  /** Latency percentiles (nearest rank) over the sampled records; zeros when none was recorded. */
  percentiles(): LatencyPercentiles {
    const sorted = this.samples.slice(0, this.sampled).sort();
    const at = (fraction: number) => (sorted.length === 0 ? 0 : sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(fraction * sorted.length) - 1))]!);
    return { p50: at(0.5), p95: at(0.95), p99: at(0.99), p999: at(0.999) };
  }
}
