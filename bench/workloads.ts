// The benchmark workloads: W1 many small records, W2 1 KiB records, W3 W1 with lz4.
import type { CompressionType } from '../src/index.js';

export interface Workload {
  readonly name: string;
  readonly records: number;
  readonly valueSize: number;
  readonly keySize: number;
  readonly compression: CompressionType;
}

export const workloads: Readonly<Record<string, Workload>> = {
  W1: { name: 'W1', records: 1_000_000, valueSize: 100, keySize: 16, compression: 'none' },
  W2: { name: 'W2', records: 200_000, valueSize: 1024, keySize: 16, compression: 'none' },
  W3: { name: 'W3', records: 1_000_000, valueSize: 100, keySize: 16, compression: 'lz4' },
};

/** Keys and values are made once, so that clients are measured, not the data generator. */
export function makeData(workload: Workload): { keys: Buffer[]; value: Buffer } {
  const keys = Array.from({ length: 1024 }, (_, index) => Buffer.from(`key-${String(index).padStart(workload.keySize - 4, '0')}`));
  const value = Buffer.alloc(workload.valueSize, 'v');
  return { keys, value };
}
