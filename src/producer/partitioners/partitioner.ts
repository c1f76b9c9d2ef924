// Partition choice for records without an explicit partition: Java's default (murmur2 of the key,
// uniform sticky for keyless records, KIP-794), pure murmur2, round-robin, or a user function.
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

/**
 * Keyed records: murmur2 like Java. Keyless records: stick to one partition until about
 * `batchSize` bytes went to it, then pick another at random among those with a leader (KIP-794),
 * so that batches fill up instead of spreading one record per partition.
 */
export class DefaultPartitioner implements Partitioner {
  private readonly sticky = new Map<string, { partition: number; bytes: number; used: boolean }>();

  constructor(
    private readonly batchSize: number,
    private readonly random: () => number = Math.random,
  ) {}

  partition(topic: string, key: Buffer | null, partitionCount: number, available: readonly number[], keyLength?: number): number {
    if (key !== null) return partitionForKey(key, partitionCount, keyLength);
    let state = this.sticky.get(topic);
    if (!state || state.used || state.partition >= partitionCount) {
      state = { partition: this.pick(partitionCount, available, state?.partition ?? -1), bytes: 0, used: false };
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

  private pick(partitionCount: number, available: readonly number[], previous: number): number {
    const choices = available.length > 0 ? available : undefined;
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

/** The partitioner named by the `partitioner` option. */
export function createPartitioner(
  option: 'default' | 'murmur2' | 'round-robin' | PartitionerFunction,
  batchSize: number,
): Partitioner {
  if (typeof option === 'function') return new FunctionPartitioner(option);
  if (option === 'round-robin') return new RoundRobinPartitioner();
  // 'murmur2' differs from 'default' only for keyless records, which murmur2 alone cannot place:
  // they go round-robin, as Java's legacy DefaultPartitioner did before KIP-480.
  if (option === 'murmur2') return new Murmur2Partitioner();
  return new DefaultPartitioner(batchSize);
}

/** Keys by murmur2; keyless records round-robin. */
class Murmur2Partitioner implements Partitioner {
  private readonly roundRobin = new RoundRobinPartitioner();

  partition(topic: string, key: Buffer | null, partitionCount: number, available: readonly number[], keyLength?: number): number {
    return key === null ? this.roundRobin.partition(topic, key, partitionCount, available) : partitionForKey(key, partitionCount, keyLength);
  }

  onAppend(): void {}
}
