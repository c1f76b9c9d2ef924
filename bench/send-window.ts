// Bounds the send() calls a throughput driver keeps outstanding: a sliding window that lets the
// caller go on once half of a full window has settled, so that the client's pipeline never drains
// between groups of calls, as it would with Promise.all over fixed groups. Drivers await only when
// the window is full: an await per send() call would cost the caller more than the call itself.

export class SendWindow {
  private outstanding = 0;
  private resumeAt = 0;
  private waiter: (() => void) | undefined;
  private failure: unknown;

  constructor(private readonly limit: number) {}

  // Made once and shared by every tracked call: a pair of closures per call would be the driver's
  // own cost per record, counted in the client's CPU time and garbage.
  private readonly onFulfilled = (): void => this.settled();
  private readonly onRejected = (error: unknown): void => {
    this.failure ??= error;
    this.settled();
  };

  /** Counts `call` as outstanding until it settles; its first failure is rethrown by admit() or drain(). */
  track(call: Promise<unknown>): void {
    this.outstanding++;
    call.then(this.onFulfilled, this.onRejected);
  }

  /** Whether the window is full: the driver then awaits admit(). */
  get full(): boolean {
    return this.outstanding >= this.limit;
  }

  /** Resolves at once while the window has room, else once half of it has settled. */
  async admit(): Promise<void> {
    if (this.outstanding >= this.limit) await this.until(Math.floor(this.limit / 2));
    if (this.failure !== undefined) throw this.failure;
  }

  /** Resolves once every tracked call has settled. */
  async drain(): Promise<void> {
    if (this.outstanding > 0) await this.until(0);
    if (this.failure !== undefined) throw this.failure;
  }

  private until(outstanding: number): Promise<void> {
    this.resumeAt = outstanding;
    return new Promise((resolve) => {
      this.waiter = resolve;
    });
  }

  private settled(): void {
    this.outstanding--;
    if (this.waiter && this.outstanding <= this.resumeAt) {
      const waiter = this.waiter;
      this.waiter = undefined;
      waiter();
    }
  }
}
