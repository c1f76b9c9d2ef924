// Decides when a batch's bytes become final. An uncompressed batch is sealed at drain, so that it
// keeps taking records until the moment it is written. A compressed one must be sealed before it
// is ready: on the spot when the codec allows it for the batch's size, else off the event loop, the
// batch becoming ready on a later pass. A pass run on a send() call's stack writes what is ready and
// leaves compressing off the event loop to the pass scheduled once the caller yields, which measured
// faster than starting it while the caller still appends.
import type { BatchCompressor } from '../compression.js';
import type { ProducerBatch } from './producer-batch.js';

export class BatchSealer {
  private deferOffLoop = false;

  /**
   * `onSealed`: a batch compressed off the event loop is ready; `onFailed`: compressing it failed
   * (the batch is to be failed).
   */
  constructor(
    private readonly compressor: BatchCompressor | undefined,
    private readonly onSealed: (batch: ProducerBatch) => void,
    private readonly onFailed: (batch: ProducerBatch, error: unknown) => void,
  ) {}

  /**
   * Whether `batch`, ready by linger, may be drained now: uncompressed batches always (sealed when
   * drained), compressed ones once sealed. May seal on the spot, or start compressing off the event
   * loop and answer false.
   */
  mayDrain(batch: ProducerBatch): boolean {
    if (batch.isSealed) return true;
    const compressor = this.compressor;
    if (!compressor) return true;
    if (batch.isSealing) return false;
    try {
      if (compressor.sealNow(batch)) return true;
    } catch (error) {
      this.onFailed(batch, error);
      return false;
    }
    if (this.deferOffLoop) return false;
    compressor.seal(batch).then(
      () => this.onSealed(batch),
      (error: unknown) => this.onFailed(batch, error),
    );
    return false;
  }

  /** Seals a batch being drained; false when it cannot be written yet (its compression is not done). */
  sealForDrain(batch: ProducerBatch): boolean {
    if (batch.isSealed) return true;
    if (batch.isSealing || this.compressor) return false;
    batch.seal();
    return true;
  }

  /** Runs `work` (a sender pass on a send() call's stack) without starting compression off the event loop. */
  withoutOffLoopWork(work: () => void): void {
    const outer = this.deferOffLoop;
    this.deferOffLoop = true;
    try {
      work();
    } finally {
      this.deferOffLoop = outer;
    }
  }
}
