// A bound on the records sent and not yet settled. The producer queues what it cannot batch yet
// (waiting for metadata or memory) without blocking the caller, so a loop over a large input must
// stop by itself: admit() waits while the window is full, until half of it has settled, so that
// the producer always has a batch's worth of records to work on.

export class SendWindow {
  private unsettled = 0;
  private waiters: { readonly level: number; readonly resolve: () => void }[] = [];

  constructor(private readonly limit: number) {}

  /** Records admitted and not yet settled. */
  get size(): number {
    return this.unsettled;
  }

  /** Takes a place for one record, waiting while the window is full. */
  async admit(): Promise<void> {
    if (this.unsettled >= this.limit) await this.waitFor(Math.floor(this.limit / 2));
    this.unsettled++;
  }

  /** Gives back the place of a record that settled. */
  settled(): void {
    this.unsettled--;
    if (this.waiters.length === 0) return;
    const ready = this.waiters.filter((waiter) => this.unsettled <= waiter.level);
    if (ready.length === 0) return;
    this.waiters = this.waiters.filter((waiter) => this.unsettled > waiter.level);
    for (const waiter of ready) waiter.resolve();
  }

  /** Resolves once every admitted record has settled. */
  drain(): Promise<void> {
    return this.waitFor(0);
  }

  private waitFor(level: number): Promise<void> {
    if (this.unsettled <= level) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push({ level, resolve }));
  }
}
