// Checks shared by the producer's integration and soak tests: what a partition stored must be
// exactly the acknowledged records in call order, with no duplicate and no gap.
import * as assert from 'node:assert/strict';
import type { FakeCluster } from '../../src/testing/index.js';

/** The values one partition stored (control records excluded), in offset order. */
export function storedValues(cluster: FakeCluster, topic: string, partition: number): string[] {
  return cluster.records(topic, partition).map((record) => record.value?.toString() ?? '<null>');
}

/** Asserts that `partition` stored exactly `expected`, in that order. */
export function assertStoredExactly(cluster: FakeCluster, topic: string, partition: number, expected: readonly string[]): void {
  const stored = storedValues(cluster, topic, partition);
  const duplicates = stored.length - new Set(stored).size;
  assert.equal(duplicates, 0, `${topic}-${partition}: ${duplicates} duplicate(s)`);
  assert.deepEqual(stored, expected, `${topic}-${partition}: stored records equal the call order`);
}

/** Sends `count` records round-robin over `partitions`, returning the expected values per partition. */
export function sendNumbered(
  send: (partition: number, value: string) => Promise<unknown>,
  prefix: string,
  count: number,
  partitions: number,
): { expected: string[][]; promises: Promise<unknown>[] } {
  const expected: string[][] = Array.from({ length: partitions }, () => []);
  const promises: Promise<unknown>[] = [];
  for (let index = 0; index < count; index++) {
    const partition = index % partitions;
    const value = `${prefix}-${index}`;
    expected[partition]!.push(value);
    promises.push(send(partition, value));
  }
  return { expected, promises };
}

/** Resolves after `ms` milliseconds. */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** `promise`'s outcome, or a rejection naming `what` when it is still pending after `ms`: a call that hangs fails the test. */
export async function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const limit = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} still pending after ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([promise, limit]);
  } finally {
    clearTimeout(timer);
  }
}
