// The benchmark workloads: W1 many small records, W2 1 KiB records, W3 W1 with lz4, W1P512 W1 over
// 512 partitions, W1T100 W1 over 100 topics of 6 partitions (throughput: a fixed number of records
// as fast as possible); L single records at a steady rate (latency); O single records at several
// fixed rates, open loop (latency and the rate achieved); S records sent as fast as the client
// takes them to a broker that never answers Produce (memory).
import type { CompressionType } from '../src/index.js';

export interface Workload {
  readonly name: string;
  readonly records: number;
  readonly valueSize: number;
  readonly keySize: number;
  readonly compression: CompressionType;
  /** Partitions of each topic the run's records go to; 6 unless given. */
  readonly partitions?: number;
  /**
   * Topics the run's records are spread over (1 unless given): a client that sends one record per
   * call sends record i to topic i mod topics, one that sends 1,000 records per call sends call c
   * to topic c mod topics (a call of theirs names one topic).
   */
  readonly topics?: number;
}

/** L: one record per send(), sent on a fixed timetable; each record's latency counts from its scheduled time. */
export interface LatencyWorkload extends Workload {
  readonly kind: 'latency';
  readonly seconds: number;
  readonly quickSeconds: number;
  readonly ratePerSecond: number;
  /** Sent at the same rate before the measured records and not counted (connections, JIT). */
  readonly warmupRecords: number;
}

/**
 * O: one record per send(), on a fixed timetable at each of `rates`, open loop: a record is sent
 * when it is due whether or not the ones before it were acknowledged, and its latency counts from
 * when it was due.
 */
export interface OpenLoopWorkload extends Workload {
  readonly kind: 'open-loop';
  readonly seconds: number;
  readonly quickSeconds: number;
  /** Records per second, one measured run per rate. */
  readonly rates: readonly number[];
  /** Sent at the same rate before the measured records and not counted (connections, JIT), in seconds. */
  readonly warmupSeconds: number;
  /** The shortest wait for the last records to settle after the timetable ends; it is as long as the timetable when that is longer. */
  readonly settleWaitMs: number;
}

/** S: one record per send(), as fast as the client takes them, to a broker that never answers Produce. */
export interface StallWorkload extends Workload {
  readonly kind: 'stall';
  readonly seconds: number;
  readonly quickSeconds: number;
  /**
   * Most send() promises outstanding at once. Larger than what this package's default bufferMemory
   * (32 MiB, plus as much again waiting) lets it accept, so that its own bound is what is measured,
   * not the benchmark's.
   */
  readonly window: number;
  readonly sampleEveryMs: number;
  /**
   * RSS at which sending stops early, so that a client whose memory grows without bound is reported
   * rather than killed by the heap limit (Node's default is about 4 GiB here).
   */
  readonly rssCapMb: number;
}

export const workloads: Readonly<Record<string, Workload>> = {
  W1: { name: 'W1', records: 1_000_000, valueSize: 100, keySize: 16, compression: 'none' },
  W2: { name: 'W2', records: 200_000, valueSize: 1024, keySize: 16, compression: 'none' },
  W3: { name: 'W3', records: 1_000_000, valueSize: 100, keySize: 16, compression: 'lz4' },
  // W1's records (the same 1,024 keys, hashed to partitions by each client's default partitioner)
  // over more partitions and topics: more batches open at once, each filling more slowly.
  W1P512: { name: 'W1P512', records: 1_000_000, valueSize: 100, keySize: 16, compression: 'none', partitions: 512 },
  W1T100: { name: 'W1T100', records: 1_000_000, valueSize: 100, keySize: 16, compression: 'none', topics: 100 },
};

/** The partitions of each of a workload's topics. */
export function partitionsOf(workload: Workload): number {
  return workload.partitions ?? 6;
}

/** The topics a run of `workload` writes to: `base` itself, or base-t00, base-t01, ... for a workload over several. */
export function topicNames(base: string, workload: Workload): string[] {
  const count = workload.topics ?? 1;
  if (count === 1) return [base];
  const digits = String(count - 1).length;
  return Array.from({ length: count }, (_, index) => `${base}-t${String(index).padStart(digits, '0')}`);
}

// `records` of the timed workloads is an upper bound on send() calls, so that every loop is bounded
// in count as well as in time.
export const latencyWorkload: LatencyWorkload = {
  kind: 'latency',
  name: 'L',
  records: 60_000,
  valueSize: 100,
  keySize: 16,
  compression: 'none',
  seconds: 10,
  quickSeconds: 3,
  ratePerSecond: 1000,
  warmupRecords: 500,
};

// `records` bounds send() calls per rate (the highest rate for 60 s).
export const openLoopWorkload: OpenLoopWorkload = {
  kind: 'open-loop',
  name: 'O',
  records: 3_000_000,
  valueSize: 100,
  keySize: 16,
  compression: 'none',
  seconds: 10,
  quickSeconds: 3,
  rates: [1000, 10_000, 50_000],
  warmupSeconds: 1,
  settleWaitMs: 5000,
};

export const stallWorkload: StallWorkload = {
  kind: 'stall',
  name: 'S',
  records: 100_000_000,
  valueSize: 100,
  keySize: 16,
  compression: 'none',
  seconds: 30,
  quickSeconds: 8,
  window: 1_000_000,
  sampleEveryMs: 500,
  rssCapMb: 3072,
};

/** The timed workloads by name. */
export const timedWorkloads: Readonly<Record<string, LatencyWorkload | OpenLoopWorkload | StallWorkload>> = {
  L: latencyWorkload,
  O: openLoopWorkload,
  S: stallWorkload,
};

/** Keys and values are made once, so that clients are measured, not the data generator. */
export function makeData(workload: Workload): { keys: Buffer[]; value: Buffer } {
  const keys = Array.from({ length: 1024 }, (_, index) => Buffer.from(`key-${String(index).padStart(workload.keySize - 4, '0')}`));
  const value = Buffer.alloc(workload.valueSize, 'v');
  return { keys, value };
}
