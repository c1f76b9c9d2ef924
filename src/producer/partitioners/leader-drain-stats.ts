// When each leader last had batches ready to send, and when it last could take them (KIP-794). The
// sender reports both on every pass; a leader that kept having ready batches it could not take
// (no connection, or every in-flight slot taken by requests it does not answer) for longer than
// partitionerAvailabilityTimeoutMs is lagging, and the adaptive partitioner leaves its partitions
// out. The difference of the two times, not the time since the last drain, is what counts: a
// leader with nothing to send is never lagging, however long ago it last drained.

/** Per-leader ready and drain times, fed by the sender, read by the adaptive partitioner. */
export class LeaderDrainStats {
  private readonly readyAt = new Map<number, number>();
  private readonly drainedAt = new Map<number, number>();

  /** @param availabilityTimeoutMs lag beyond which a leader is left out; 0 leaves none out. */
  constructor(readonly availabilityTimeoutMs: number) {}

  /**
   * The sender found batches ready for `leader` at `now`; `drained` says whether it could send to
   * it (a connection ready, an in-flight slot free).
   */
  onReady(leader: number, now: number, drained: boolean): void {
    this.readyAt.set(leader, now);
    // A leader first seen without being able to drain starts its lag now, not at time zero.
    if (drained || !this.drainedAt.has(leader)) this.drainedAt.set(leader, now);
  }

  /** How long `leader` has had ready batches it could not take, in ms (0 when it could, or is unknown). */
  lagMs(leader: number): number {
    const ready = this.readyAt.get(leader);
    const drained = this.drainedAt.get(leader);
    return ready === undefined || drained === undefined ? 0 : ready - drained;
  }

  /** Whether the partitions of `leader` are left out of the choice of keyless partitions. */
  isLagging(leader: number): boolean {
    return this.availabilityTimeoutMs > 0 && this.lagMs(leader) > this.availabilityTimeoutMs;
  }
}
