// Partition choice for records without an explicit partition: Java's default (murmur2 of the key,
// uniform sticky for keyless records, KIP-794, adaptive or not), pure murmur2, round-robin, or a
// user function.
import type { LeaderDrainStats } from './leader-drain-stats.js';
import { LoadWeightedChoice, type PartitionLoad } from './load-weighted-choice.js';
import { partitionForKey } from './murmur2.js';

/** What a partitioner function is told about a record. */
export interface PartitionerContext {
  readonly topic: string;
  /** The serialized key, or null. */
  readonly key: Buffer | null;
  readonly partitionCount: number;
  /** Partitions that currently have a leader. */
  readonly availablePartitions: readonly number[];
}

/** A user partitioner: returns a partition from 0 to partitionCount - 1. */
export type PartitionerFunction = (context: PartitionerContext) => number;

/** Chooses partitions; `onBatchFull` lets the sticky partitioner move on (KIP-794). */
export interface Partitioner {
  /** Picks the partition of a record whose key is the first `keyLength` bytes of `key` (default: all). */
  partition(topic: string, key: Buffer | null, partitionCount: number, available: readonly number[], keyLength?: number): number;
  /** Called after `bytes` were appended to `partition` of `topic` for a keyless record. */
  onAppend(topic: string, partition: number, bytes: number): void;
}

/** What the adaptive choice of keyless partitions reads (`partitionerAdaptivePartitioning`). */
export interface AdaptiveLoad {
  readonly load: PartitionLoad;
  readonly drains: LeaderDrainStats;
}

/**
 * Keyed records: murmur2 like Java. Keyless records: stick to one partition until about
 * `batchSize` bytes went to it, then pick another among those with a leader (KIP-794), so that
 * batches fill up instead of spreading one record per partition. The pick is uniform, or, with
 * `adaptive`, weighted towards partitions with shorter queues, leaving out lagging leaders.
 */
export class DefaultPartitioner implements Partitioner {
  private readonly sticky = new Map<string, { partition: number; bytes: number; used: boolean }>();
  private readonly weighted: LoadWeightedChoice | undefined;

  constructor(
    private readonly batchSize: number,
    private readonly random: () => number = Math.random,
    adaptive?: AdaptiveLoad,
  ) {
    this.weighted = adaptive ? new LoadWeightedChoice(adaptive.load, adaptive.drains, random) : undefined;
  }

  partition(topic: string, key: Buffer | null, partitionCount: number, available: readonly number[], keyLength?: number): number {
    if (key !== null) return partitionForKey(key, partitionCount, keyLength);
    let state = this.sticky.get(topic);
    if (!state || state.used || state.partition >= partitionCount) {
      state = { partition: this.pick(topic, partitionCount, available, state?.partition ?? -1), bytes: 0, used: false };
      this.sticky.set(topic, state);
    }
    return state.partition;
  }

  onAppend(topic: string, partition: number, bytes: number): void {
    const state = this.sticky.get(topic);
    if (!state || state.partition !== partition) return;
    state.bytes += bytes;
    if (state.bytes >= Math.max(1, this.batchSize)) state.used = true;
  }

  private pick(topic: string, partitionCount: number, available: readonly number[], previous: number): number {
    const choices = available.length > 0 ? available : undefined;
    // Without a leader anywhere there is no load to weigh: the uniform pick below waits it out.
    if (this.weighted && choices) {
      const chosen = this.weighted.choose(topic, choices);
      if (chosen !== undefined) return chosen;
    }
    const count = choices ? choices.length : partitionCount;
    let index = Math.floor(this.random() * count);
    if (count > 1 && (choices ? choices[index] : index) === previous) index = (index + 1) % count;
    return choices ? choices[index]! : index;
  }
}

/** Every record to the next partition in turn, per topic (keys ignored). */
export class RoundRobinPartitioner implements Partitioner {
  private readonly counters = new Map<string, number>();

  partition(topic: string, _key: Buffer | null, partitionCount: number, available: readonly number[]): number {
    const counter = this.counters.get(topic) ?? 0;
    this.counters.set(topic, counter + 1);
    if (available.length > 0) return available[counter % available.length]!;
    return counter % partitionCount;
  }

  onAppend(): void {}
}

/** Adapts a user function to the Partitioner interface. */
export class FunctionPartitioner implements Partitioner {
  constructor(private readonly choose: PartitionerFunction) {}

  // The producer passes key bytes in a scratch buffer; the user's function gets its own copy.
  partition(topic: string, key: Buffer | null, partitionCount: number, available: readonly number[], keyLength = key?.length ?? 0): number {
    const keyCopy = key === null ? null : Buffer.from(key.subarray(0, keyLength));
    return this.choose({ topic, key: keyCopy, partitionCount, availablePartitions: available });
  }

  onAppend(): void {}
}

/**
 * The partitioner named by the `partitioner` option; `adaptive` (KIP-794's adaptive partitioning)
 * applies to the default partitioner only, as the Java client's applies to its built-in one.
 */
export function createPartitioner(
  option: 'default' | 'murmur2' | 'round-robin' | PartitionerFunction,
  batchSize: number,
  adaptive?: AdaptiveLoad,
): Partitioner {
  if (typeof option === 'function') return new FunctionPartitioner(option);
  if (option === 'round-robin') return new RoundRobinPartitioner();
  // 'murmur2' differs from 'default' only for keyless records, which murmur2 alone cannot place:
  // they go round-robin, as Java's legacy DefaultPartitioner did before KIP-480.
  if (option === 'murmur2') return new Murmur2Partitioner();
  return new DefaultPartitioner(batchSize, Math.random, adaptive);
}

/** Keys by murmur2; keyless records round-robin. */
class Murmur2Partitioner implements Partitioner {
  private readonly roundRobin = new RoundRobinPartitioner();

  partition(topic: string, key: Buffer | null, partitionCount: number, available: readonly number[], keyLength?: number): number {
    return key === null ? this.roundRobin.partition(topic, key, partitionCount, available) : partitionForKey(key, partitionCount, keyLength);
  }

  onAppend(): void {}
}
