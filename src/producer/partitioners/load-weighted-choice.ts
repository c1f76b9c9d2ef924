// The adaptive choice of the next sticky partition for keyless records (KIP-794): a partition is
// picked with a probability that falls as the queue of batches waiting for it grows, so that
// keyless traffic drifts away from leaders that drain slowly; partitions of a lagging leader (see
// LeaderDrainStats) are left out. Each partition weighs (largest queue + 1 - its queue): the
// partition with the longest queue keeps weight 1, an empty one weighs the most.
import type { LeaderDrainStats } from './leader-drain-stats.js';

/** What the adaptive choice reads of the producer's state. */
export interface PartitionLoad {
  /** Batches of the partition waiting to be sent (in flight ones not counted). */
  queueSize(topic: string, partition: number): number;
  /** The partition's leader broker id, or -1. */
  leaderOf(topic: string, partition: number): number;
}

/** Picks partitions weighted by queue length, leaving out those of lagging leaders. */
export class LoadWeightedChoice {
  // Scratch space, reused across choices: a choice is synchronous and keeps nothing.
  private ids: number[] = [];
  private sizes: number[] = [];
  private cumulative: number[] = [];

  constructor(
    private readonly load: PartitionLoad,
    private readonly drains: LeaderDrainStats,
    private readonly random: () => number,
  ) {}

  /**
   * One of `candidates` for the next records of `topic`, or undefined when the load tells them
   * apart in no way (every queue equally long and no leader lagging, or every leader lagging): a
   * uniform choice is then as good.
   */
  choose(topic: string, candidates: readonly number[]): number | undefined {
    const { ids, sizes, cumulative, load, drains } = this;
    const checkLag = drains.availabilityTimeoutMs > 0;
    let count = 0;
    let excluded = false;
    let largest = 0;
    let smallest = Number.POSITIVE_INFINITY;
    for (const partition of candidates) {
      if (checkLag && drains.isLagging(load.leaderOf(topic, partition))) {
        excluded = true;
        continue;
      }
      const size = load.queueSize(topic, partition);
      ids[count] = partition;
      sizes[count] = size;
      count++;
      if (size > largest) largest = size;
      if (size < smallest) smallest = size;
    }
    if (count === 0 || (!excluded && smallest === largest)) return undefined;
    let total = 0;
    for (let index = 0; index < count; index++) {
      total += largest + 1 - sizes[index]!;
      cumulative[index] = total;
    }
    const draw = Math.floor(this.random() * total);
    // The first entry whose running total exceeds the draw.
    let low = 0;
    let high = count - 1;
    while (low < high) {
      const middle = (low + high) >>> 1;
      if (cumulative[middle]! > draw) high = middle;
      else low = middle + 1;
    }
    return ids[low];
  }
}
