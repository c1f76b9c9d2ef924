// A keyed record lands on the partition the Java producer would pick: 10,000 keys (text, binary,
// empty), generated from a fixed seed, are placed by kafka-clients' own code (test/e2e/java/
// PartitionOf.java, compiled with javac against the kafka-clients jar of the Kafka the e2e suite
// resolves from Maven Central) and by this project, for several partition counts, and every hash
// and every partition must agree. The project side is checked at three levels: murmur2 itself, the
// default partitioner fed the way the producer feeds it (string keys written into a larger scratch
// buffer), and the Producer sending to a FakeCluster, where the partition comes back in the
// acknowledgement.
//
// Needs java, javac and mvn; in CI (CI=true) their absence fails the suite instead of skipping it.
import * as assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { Producer } from '../../src/index.js';
import { murmur2, partitionForKey } from '../../src/producer/partitioners/murmur2.js';
import { createPartitioner } from '../../src/producer/partitioners/partitioner.js';
import { FakeCluster } from '../../src/testing/index.js';
import { realKafkaAvailable, resolveKafka } from '../kafka/real-cluster.js';

const run = promisify(execFile);
const KAFKA_CLIENTS = process.env.KAFKA_4_VERSION ?? '4.4.0';
const PARTITION_COUNTS = [1, 2, 3, 6, 7, 12, 100, 1000] as const;
const KEYS = 10_000;
const SOURCE = fileURLToPath(new URL('../../../test/e2e/java/PartitionOf.java', import.meta.url));

async function missingTools(): Promise<string | undefined> {
  try {
    await run('javac', ['-version'], { timeout: 60_000 });
  } catch {
    return 'javac is not installed';
  }
  return realKafkaAvailable();
}

const missing = await missingTools();
if (missing && process.env.CI) throw new Error(`the Java partitioner comparison cannot run in CI: ${missing}`);
const skip = missing ? `${missing}: comparing with the Java client needs java, javac and mvn` : false;

type Key = { readonly kind: 'text'; readonly text: string } | { readonly kind: 'binary'; readonly bytes: Buffer };

// xorshift32: the same keys on every run and every machine.
function generator(seed: number): () => number {
  let state = seed >>> 0 || 1;
  return () => {
    state ^= state << 13;
    state >>>= 0;
    state ^= state >>> 17;
    state ^= state << 5;
    state >>>= 0;
    return state;
  };
}

// Characters of 1 to 4 UTF-8 bytes (astral ones as surrogate pairs); no line breaks, which separate
// the keys on the Java program's input, and no lone surrogates, which have no UTF-8 form.
const ALPHABET = ['a', 'Z', '0', '-', '_', ' ', '/', '\t', 'é', 'ß', 'Ω', 'Ж', '中', '€', '\u2028', '😀', '𝄞'];

/** The keys: the empty ones, every length 0-40 of text and bytes (each remainder mod 4), then random ones. */
function makeKeys(): Key[] {
  const next = generator(0x5eed);
  const keys: Key[] = [
    { kind: 'text', text: '' },
    { kind: 'binary', bytes: Buffer.alloc(0) },
  ];
  while (keys.length < KEYS) {
    const index = keys.length;
    const length = index < 200 ? index % 41 : next() % 64;
    switch (index % 4) {
      case 0:
        keys.push({ kind: 'text', text: `order-${next() % 1_000_000}` });
        break;
      case 1:
        keys.push({ kind: 'text', text: Array.from({ length }, () => ALPHABET[next() % ALPHABET.length]).join('') });
        break;
      default:
        keys.push({ kind: 'binary', bytes: Buffer.from(Array.from({ length }, () => next() & 0xff)) });
    }
  }
  return keys;
}

const keyBytes = (key: Key): Buffer => (key.kind === 'text' ? Buffer.from(key.text, 'utf8') : key.bytes);

/** What kafka-clients computes per key: murmur2, then the partition for each count. */
interface JavaPlacement {
  readonly hash: number;
  readonly partitions: readonly number[];
}

async function placeWithJava(library: string, classes: string, keys: readonly Key[]): Promise<JavaPlacement[]> {
  const input = keys.map((key) => (key.kind === 'text' ? `s${key.text}` : `b${key.bytes.toString('hex')}`)).join('\n');
  const child = spawn('java', ['-Xmx128m', '-cp', `${classes}:${library}/*`, 'PartitionOf', ...PARTITION_COUNTS.map(String)]);
  let out = '';
  let err = '';
  child.stdout.setEncoding('utf8').on('data', (data: string) => (out += data));
  child.stderr.setEncoding('utf8').on('data', (data: string) => (err += data));
  const timer = setTimeout(() => child.kill('SIGKILL'), 120_000);
  const code = await new Promise<number | null>((resolve) => {
    child.once('close', resolve);
    child.stdin.end(`${input}\n`);
  });
  clearTimeout(timer);
  assert.equal(code, 0, `PartitionOf failed: ${err}`);
  const rows = out.trimEnd().split('\n');
  assert.equal(rows.length, keys.length, 'one answer per key');
  return rows.map((row) => {
    const [hash, ...partitions] = row.split(' ').map(Number);
    return { hash: hash!, partitions };
  });
}

describe(`keyed partitioning equals the Java client's (kafka-clients ${KAFKA_CLIENTS})`, { skip }, () => {
  const keys = makeKeys();
  let java: JavaPlacement[];
  let work: string;

  before(async () => {
    const library = await resolveKafka(KAFKA_CLIENTS);
    work = mkdtempSync(join(tmpdir(), 'partition-of-'));
    await run('javac', ['-cp', `${library}/*`, '-d', work, SOURCE], { timeout: 120_000 });
    java = await placeWithJava(library, work, keys);
  });

  after(() => {
    if (work) rmSync(work, { recursive: true, force: true });
  });

  it('the keys cover text, binary and empty keys of every length remainder', () => {
    assert.equal(keys.length, KEYS);
    const kinds = new Set(keys.map((key) => `${key.kind}:${keyBytes(key).length % 4}`));
    assert.deepEqual([...kinds].sort(), ['binary:0', 'binary:1', 'binary:2', 'binary:3', 'text:0', 'text:1', 'text:2', 'text:3']);
    assert.ok(keys.some((key) => keyBytes(key).length === 0 && key.kind === 'text'));
    assert.ok(keys.some((key) => keyBytes(key).length === 0 && key.kind === 'binary'));
    assert.ok(keys.some((key) => key.kind === 'text' && /[\u{10000}-\u{10ffff}]/u.test(key.text)), 'astral characters');
  });

  it('murmur2 and partitionForKey give the Java hash and partition for every key and partition count', () => {
    const mismatches: string[] = [];
    keys.forEach((key, index) => {
      const bytes = keyBytes(key);
      if (murmur2(bytes) !== java[index]!.hash) mismatches.push(`key ${index}: murmur2 ${murmur2(bytes)}, Java ${java[index]!.hash}`);
      PARTITION_COUNTS.forEach((count, column) => {
        const ours = partitionForKey(bytes, count);
        if (ours !== java[index]!.partitions[column]) mismatches.push(`key ${index}, ${count} partitions: ${ours}, Java ${java[index]!.partitions[column]}`);
      });
    });
    assert.deepEqual(mismatches.slice(0, 20), [], `${mismatches.length} mismatches`);
  });

  it("the default partitioner, fed keys in a larger scratch buffer as the producer does, places every key as Java's", () => {
    const partitioner = createPartitioner('default', 16_384);
    const scratch = Buffer.alloc(1024, 0xa5);
    const mismatches: string[] = [];
    keys.forEach((key, index) => {
      const length = key.kind === 'text' ? scratch.write(key.text, 0, 'utf8') : key.bytes.copy(scratch);
      PARTITION_COUNTS.forEach((count, column) => {
        const all = Array.from({ length: count }, (_, partition) => partition);
        const ours = partitioner.partition('keys', scratch, count, all, length);
        if (ours !== java[index]!.partitions[column]) mismatches.push(`key ${index}, ${count} partitions: ${ours}, Java ${java[index]!.partitions[column]}`);
      });
    });
    assert.deepEqual(mismatches.slice(0, 20), [], `${mismatches.length} mismatches`);
  });

  it('the Producer sends every key to the partition Java picks (FakeCluster, acknowledged partition)', { timeout: 300_000 }, async () => {
    const counts = [3, 7, 100];
    const cluster = new FakeCluster({ brokers: 1, topics: counts.map((count) => ({ name: `keys-${count}`, partitions: count })) });
    await cluster.start();
    const producer = new Producer({ bootstrapServers: cluster.bootstrapServers, lingerMs: 1 });
    try {
      const mismatches: string[] = [];
      for (const count of counts) {
        const column = PARTITION_COUNTS.indexOf(count as (typeof PARTITION_COUNTS)[number]);
        const acknowledged = await Promise.all(keys.map((key) => producer.send({ topic: `keys-${count}`, key: key.kind === 'text' ? key.text : key.bytes, value: 'v' })));
        acknowledged.forEach(({ partition }, index) => {
          if (partition !== java[index]!.partitions[column]) mismatches.push(`key ${index}, ${count} partitions: ${partition}, Java ${java[index]!.partitions[column]}`);
        });
      }
      assert.deepEqual(mismatches.slice(0, 20), [], `${mismatches.length} mismatches`);
    } finally {
      await producer.close();
      await cluster.stop();
    }
  });
});
