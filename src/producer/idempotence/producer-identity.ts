// The producer id and epoch of an idempotent (or transactional) producer, from InitProducerId.
// Epoch bumps (KIP-360) start a new epoch for the same id so that every partition can restart
// its sequences at 0 without reusing a (producer id, epoch, sequence) triple.

export const NO_PRODUCER_ID = -1n;
const MAX_EPOCH = 0x7fff;

export class ProducerIdentity {
  producerId = NO_PRODUCER_ID;
  epoch = -1;
  /** Set when some partition needs its sequences restarted under a new epoch. */
  epochBumpRequested = false;
  /** Told each new producer id or epoch (the journal writes it down before any batch uses it). */
  onChange: ((producerId: bigint, epoch: number) => void) | undefined;

  get isKnown(): boolean {
    return this.producerId >= 0n;
  }

  set(producerId: bigint, epoch: number): void {
    this.producerId = producerId;
    this.epoch = epoch;
    this.epochBumpRequested = false;
    this.onChange?.(producerId, epoch);
  }

  /** Forgets the id: the next InitProducerId gets a new one. */
  reset(): void {
    this.producerId = NO_PRODUCER_ID;
    this.epoch = -1;
    this.epochBumpRequested = false;
  }

  /**
   * Bumps the epoch locally, as the Java client does for idempotent producers; returns false when
   * the epoch is exhausted and a new producer id is needed instead.
   */
  bumpEpoch(): boolean {
    this.epochBumpRequested = false;
    if (this.epoch >= MAX_EPOCH) {
      this.reset();
      return false;
    }
    this.epoch++;
    this.onChange?.(this.producerId, this.epoch);
    return true;
  }
}
