// The benchmark workloads: W1 many small records, W2 1 KiB records, W3 W1 with lz4 (throughput:
// a fixed number of records as fast as possible); L single records at a steady rate (latency);
// S records sent as fast as the client takes them to a broker that never answers Produce (memory).
import type { CompressionType } from '../src/index.js';

export interface Workload {
  readonly name: string;
  readonly records: number;
  readonly valueSize: number;
  readonly keySize: number;
  readonly compression: CompressionType;
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
};

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
export const timedWorkloads: Readonly<Record<string, LatencyWorkload | StallWorkload>> = { L: latencyWorkload, S: stallWorkload };

/** Keys and values are made once, so that clients are measured, not the data generator. */
export function makeData(workload: Workload): { keys: Buffer[]; value: Buffer } {
  const keys = Array.from({ length: 1024 }, (_, index) => Buffer.from(`key-${String(index).padStart(workload.keySize - 4, '0')}`));
  const value = Buffer.alloc(workload.valueSize, 'v');
  return { keys, value };
}
