// What the end-to-end tests produced, read back from real brokers by kcat (librdkafka: CRC-checked,
// read_committed where transactions are involved), and the checks every such test makes: every
// acknowledged record stored exactly once, where it was acknowledged, in call order per partition;
// nothing rejected as not written (an error without possiblyPersisted) stored.
import * as assert from 'node:assert/strict';
import type { KafkaError, RecordMetadata } from '../../src/index.js';
import { kcat } from '../helpers/kcat-process.js';

/** One record as kcat read it. */
export interface Read {
  readonly partition: number;
  readonly offset: bigint;
  readonly key: string;
  readonly value: string;
  /** -1 for a null value. */
  readonly valueSize: number;
  readonly timestamp: number;
  readonly headers: string;
}

/**
 * Everything in `topic`, read by kcat with CRC checks; `committed` reads with read_committed;
 * `security` adds the librdkafka settings of a TLS or SASL listener.
 */
export async function readWithKcat(bootstrapServers: string, topic: string, committed = false, security: Readonly<Record<string, string>> = {}): Promise<Read[]> {
  const args = ['-C', '-b', bootstrapServers, '-t', topic, '-o', 'beginning', '-e', '-q', '-X', 'check.crcs=true'];
  if (committed) args.push('-X', 'isolation.level=read_committed');
  for (const [name, value] of Object.entries(security)) args.push('-X', `${name}=${value}`);
  args.push('-f', '%p\t%o\t%k\t%S\t%T\t%h\t%s\n');
  const result = await kcat(args, undefined, 120_000);
  assert.equal(result.code, 0, `kcat failed: ${result.err}`);
  return result.out
    .split('\n')
    .filter((line) => line.length > 0)
    .map((line) => {
      const [partition, offset, key, valueSize, timestamp, headers, ...value] = line.split('\t');
      return { partition: Number(partition), offset: BigInt(offset!), key: key!, valueSize: Number(valueSize), timestamp: Number(timestamp), headers: headers!, value: value.join('\t') };
    });
}

// The number at the end of a `<prefix>/<number>` value, or undefined for another value.
function numberIn(value: string, prefix: string): number | undefined {
  if (!value.startsWith(`${prefix}/`)) return undefined;
  const number = Number(value.slice(prefix.length + 1));
  return Number.isInteger(number) ? number : undefined;
}

/** The demo's records (`<run id>/<number>`): each number once, increasing per partition, `count` of them. */
export function assertDemoRecords(records: readonly Read[], count: number): void {
  const numbers = new Set<number>();
  const lastByPartition = new Map<number, number>();
  for (const record of records) {
    const number = Number(record.value.slice(record.value.lastIndexOf('/') + 1));
    assert.ok(!numbers.has(number), `record ${number} stored once`);
    numbers.add(number);
    const last = lastByPartition.get(record.partition) ?? -1;
    assert.ok(number > last, `partition ${record.partition}: record ${number} after ${last}`);
    lastByPartition.set(record.partition, number);
  }
  assert.equal(numbers.size, count, 'kcat read back every record');
}

/**
 * The outcome of every record a test sends, by number: its value is `<prefix>/<number>`, numbers
 * are sent in increasing order, and each send's promise is tracked until it settles.
 */
export class Ledger {
  readonly prefix: string;
  private readonly acknowledged = new Map<number, RecordMetadata>();
  private readonly rejected = new Map<number, KafkaError>();
  private readonly pending = new Set<number>();
  private highest = -1;

  constructor(name: string) {
    this.prefix = `${name}-${Date.now().toString(36)}-${process.pid}`;
  }

  /** The value of record `number`. */
  value(number: number): string {
    return `${this.prefix}/${number}`;
  }

  /** Follows the send of record `number`; the returned promise never rejects. */
  track(number: number, send: Promise<RecordMetadata>): Promise<void> {
    assert.ok(number > this.highest, `records are tracked in increasing order (${number} after ${this.highest})`);
    this.highest = number;
    this.pending.add(number);
    return send.then(
      (metadata) => {
        this.pending.delete(number);
        this.acknowledged.set(number, metadata);
      },
      (error: unknown) => {
        this.pending.delete(number);
        this.rejected.set(number, error as KafkaError);
      },
    );
  }

  get acknowledgedCount(): number {
    return this.acknowledged.size;
  }

  get pendingCount(): number {
    return this.pending.size;
  }

  /** Every rejection so far, by record number. */
  get rejections(): ReadonlyMap<number, KafkaError> {
    return this.rejected;
  }

  /** Where record `number` was acknowledged, if it was. */
  metadataOf(number: number): RecordMetadata | undefined {
    return this.acknowledged.get(number);
  }

  /** Checks that every send settled and that `stored` holds none of this ledger's records (an aborted transaction's). */
  assertNoneStored(stored: readonly Read[]): void {
    assert.equal(this.pending.size, 0, `every send settled (${this.pending.size} pending)`);
    const visible = stored.filter((record) => numberIn(record.value, this.prefix) !== undefined);
    assert.deepEqual(visible.map((record) => `${record.partition}/${record.offset}: ${record.value}`), [], 'none of these records is visible');
  }

  /**
   * Checks what `stored` (everything read back from the topic) holds of this ledger's records:
   * every send settled; no record stored twice; per partition, stored records in increasing number
   * (call order); every acknowledged record stored at the partition and offset it was acknowledged
   * with; no record rejected as not written stored. Returns the counts, for the test's own checks.
   */
  assertStored(stored: readonly Read[]): { acknowledged: number; rejected: number; possiblyPersisted: number; stored: number } {
    assert.equal(this.pending.size, 0, `every send settled (${this.pending.size} pending)`);
    const storedAt = new Map<number, Read>();
    const byPartition = new Map<number, { offset: bigint; number: number }[]>();
    for (const record of stored) {
      const number = numberIn(record.value, this.prefix);
      if (number === undefined) continue;
      const first = storedAt.get(number);
      assert.ok(!first, `record ${number} stored once (at ${first?.partition}/${first?.offset} and ${record.partition}/${record.offset})`);
      storedAt.set(number, record);
      let entries = byPartition.get(record.partition);
      if (!entries) byPartition.set(record.partition, (entries = []));
      entries.push({ offset: record.offset, number });
    }
    for (const [partition, entries] of byPartition) {
      entries.sort((left, right) => (left.offset < right.offset ? -1 : left.offset > right.offset ? 1 : 0));
      for (let index = 1; index < entries.length; index++) {
        const [before, after] = [entries[index - 1]!, entries[index]!];
        assert.ok(before.number < after.number, `partition ${partition}: record ${after.number} (offset ${after.offset}) stored after ${before.number} (offset ${before.offset}), in call order`);
      }
    }
    for (const [number, metadata] of this.acknowledged) {
      const record = storedAt.get(number);
      assert.ok(record, `acknowledged record ${number} (partition ${metadata.partition}, offset ${metadata.offset}) is stored`);
      assert.equal(record.partition, metadata.partition, `record ${number} stored in the partition it was acknowledged for`);
      if (metadata.offset >= 0n) assert.equal(record.offset, metadata.offset, `record ${number} stored at the offset it was acknowledged with`);
    }
    let possiblyPersisted = 0;
    for (const [number, error] of this.rejected) {
      if (error.possiblyPersisted) {
        possiblyPersisted++;
        continue;
      }
      const record = storedAt.get(number);
      assert.ok(!record, `record ${number} was rejected as not written (${error.message}) but is stored at ${record?.partition}/${record?.offset}`);
    }
    return { acknowledged: this.acknowledged.size, rejected: this.rejected.size, possiblyPersisted, stored: storedAt.size };
  }
}
