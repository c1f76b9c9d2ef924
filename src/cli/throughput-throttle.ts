// Paces a perf test to a target rate: record i is not sent before start + i / rate. Sleeping only
// when ahead keeps the average on target without a timer per record; a rate <= 0 is unlimited.

export class ThroughputThrottle {
  private readonly start = performance.now();

  constructor(private readonly recordsPerSecond: number) {}

  /** Waits until record `index` is due. */
  async beforeRecord(index: number): Promise<void> {
    if (this.recordsPerSecond <= 0) return;
    const wait = this.start + (index * 1000) / this.recordsPerSecond - performance.now();
    if (wait >= 1) await new Promise((resolve) => setTimeout(resolve, wait));
  }
}
