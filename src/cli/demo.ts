// The demo: produces numbered records (to an embedded FakeCluster with faults injected, or to a
// real cluster), reads them back and prints a verification table: sent, acknowledged, stored,
// duplicates, out of order, missing, retries, throughput.
import type { KafkaError } from '../errors/kafka-error.js';
import type { CompressionType } from '../producer/options.js';
import { Producer } from '../producer/producer.js';
import type { RecordMetadata } from '../producer/producer-record.js';
import { FakeCluster } from '../testing/index.js';
import { type DemoFaults, demoTopicSettings, planFaults } from './demo-faults.js';
import { FailureTally } from './failure-tally.js';
import { ProgressBar } from './progress-bar.js';
import { readBack } from './read-back.js';

export interface DemoOptions {
  readonly bootstrapServers: string | undefined;
  readonly records: number;
  readonly topic: string;
  readonly partitions: number;
  readonly compression: CompressionType;
  readonly seed: number;
  /** Faults of the embedded cluster (ignored with a real cluster). */
  readonly faults: DemoFaults;
}

interface Stored {
  readonly partition: number;
  readonly offset: bigint;
  readonly number: number;
}

/** Runs the demo; resolves with the process exit code (0 when the verification passes). */
export async function runDemo(options: DemoOptions): Promise<number> {
  const embedded = options.bootstrapServers === undefined;
  let cluster: FakeCluster | undefined;
  let bootstrapServers = options.bootstrapServers ?? '';
  if (embedded) {
    cluster = new FakeCluster({ brokers: 3, topics: [{ name: options.topic, partitions: options.partitions, replicationFactor: 3, ...demoTopicSettings(options.faults) }] });
    await cluster.start();
    bootstrapServers = cluster.bootstrapServers;
    console.log(`Embedded FakeCluster: 3 brokers at ${bootstrapServers}, topic '${options.topic}' with ${options.partitions} partitions.`);
  } else {
    console.log(`Producing to ${bootstrapServers}, topic '${options.topic}'.`);
  }
  const runId = `${Date.now().toString(36)}-${process.pid}`;
  const faults = cluster ? planFaults(cluster, options.faults, options.seed, options.records) : undefined;
  if (faults) console.log(`Faults (seed ${options.seed}): ${faults.description}.`);
  const producer = new Producer({
    bootstrapServers,
    clientId: 'kafka-producer-demo',
    compression: options.compression,
    ...(embedded ? { requestTimeoutMs: 1000, deliveryTimeoutMs: 60_000, retryBackoffMs: 10, reconnectBackoffMs: 10, batchSize: 4096 } : {}),
  });
  const metadata: (RecordMetadata | undefined)[] = new Array(options.records);
  const errors: (KafkaError | undefined)[] = new Array(options.records);
  const progress = new ProgressBar('producing', options.records);
  let settled = 0;
  const started = Date.now();
  const window: Promise<void>[] = [];
  for (let number = 0; number < options.records; number++) {
    await faults?.beforeRecord(number);
    window.push(
      producer.send({ topic: options.topic, key: `customer-${number % 1000}`, value: `${runId}/${number}` }).then(
        (result) => {
          metadata[number] = result;
          progress.update(++settled);
        },
        (error: unknown) => {
          errors[number] = error as KafkaError;
          progress.update(++settled);
        },
      ),
    );
    if (window.length >= 20_000) await Promise.all(window.splice(0, 10_000));
  }
  await Promise.all(window);
  const elapsedMs = Date.now() - started;
  progress.finish();
  faults?.stop();
  const retries = producer.metrics()['record-retry-total'] ?? 0;
  await producer.close();

  const stored = await readStored(options, cluster, bootstrapServers, metadata, runId);
  const report = verify(options.records, metadata, errors, stored);
  await cluster?.stop();
  printTable([
    ['records sent', String(options.records)],
    ['acknowledged', String(report.acknowledged)],
    ['rejected (possibly written / not written)', `${report.rejected} (${report.possiblyPersisted} / ${report.rejected - report.possiblyPersisted})`],
    ['stored (read back)', String(stored.length)],
    ['duplicates', String(report.duplicates)],
    ['out of order', String(report.outOfOrder)],
    ['acknowledged but missing', String(report.missing)],
    ['rejected as not written, but stored', String(report.wronglyRejected)],
    ['retried records', String(retries)],
    ...(faults ? ([['faults injected', faults.summary()]] as [string, string][]) : []),
    ['throughput', `${Math.round((options.records / elapsedMs) * 1000).toLocaleString('en-US')} records/s (${(elapsedMs / 1000).toFixed(1)} s)`],
  ]);
  const verified = report.duplicates === 0 && report.outOfOrder === 0 && report.missing === 0 && report.wronglyRejected === 0;
  console.log(verified ? 'Verified: every acknowledged record stored exactly once, in order per partition.' : 'VERIFICATION FAILED');
  // Rejected records fail the run, with their errors: a run whose every record was rejected (a
  // codec package missing, a topic refusing writes) verifies trivially, and must not look like a
  // success. The one exception is the harsh faults' own outcome, records rejected as possibly
  // written after the producer state was lost.
  const rejections = new FailureTally();
  let unexpectedRejections = 0;
  for (let number = 0; number < options.records; number++) {
    const error = errors[number];
    if (!error) continue;
    rejections.add(error, `record ${number}`);
    if (!(options.faults === 'harsh' && embedded && error.possiblyPersisted)) unexpectedRejections++;
  }
  for (const line of rejections.lines()) console.error(line);
  if (faults && options.faults === 'harsh' && report.rejected > 0) {
    console.log(
      `With --harsh-faults, records in flight when the producer state was lost can be rejected as possibly written (here ${report.rejected}): the producer could not tell whether the broker had kept them, and said so instead of risking a duplicate. No real broker loses a producer's state while keeping its batches.`,
    );
  }
  if (unexpectedRejections > 0) console.log(`FAILED: ${unexpectedRejections} of ${options.records} records were rejected (errors above).`);
  return verified && unexpectedRejections === 0 ? 0 : 1;
}

async function readStored(
  options: DemoOptions,
  cluster: FakeCluster | undefined,
  bootstrapServers: string,
  metadata: readonly (RecordMetadata | undefined)[],
  runId: string,
): Promise<Stored[]> {
  const prefix = `${runId}/`;
  const parse = (partition: number, offset: bigint, value: Buffer | null): Stored | undefined => {
    const text = value?.toString() ?? '';
    return text.startsWith(prefix) ? { partition, offset, number: Number(text.slice(prefix.length)) } : undefined;
  };
  const stored: Stored[] = [];
  if (cluster) {
    for (let partition = 0; partition < options.partitions; partition++) {
      for (const record of cluster.records(options.topic, partition)) {
        const entry = parse(partition, record.offset, record.value);
        if (entry) stored.push(entry);
      }
    }
    return stored;
  }
  // A real cluster: read each partition between the lowest and highest offsets this run got back.
  const ranges = new Map<number, { fromOffset: bigint; toOffset: bigint }>();
  for (const entry of metadata) {
    if (!entry) continue;
    const range = ranges.get(entry.partition);
    if (!range) ranges.set(entry.partition, { fromOffset: entry.offset, toOffset: entry.offset + 1n });
    else {
      if (entry.offset < range.fromOffset) range.fromOffset = entry.offset;
      if (entry.offset >= range.toOffset) range.toOffset = entry.offset + 1n;
    }
  }
  const records = await readBack(
    bootstrapServers.split(','),
    options.topic,
    [...ranges].map(([partition, range]) => ({ partition, ...range })),
  );
  for (const record of records) {
    const entry = parse(record.partition, record.offset, record.value);
    if (entry) stored.push(entry);
  }
  return stored;
}

function verify(total: number, metadata: readonly (RecordMetadata | undefined)[], errors: readonly (KafkaError | undefined)[], stored: readonly Stored[]) {
  const byPartition = new Map<number, Stored[]>();
  for (const entry of stored) {
    const entries = byPartition.get(entry.partition);
    if (entries) entries.push(entry);
    else byPartition.set(entry.partition, [entry]);
  }
  let duplicates = 0;
  let outOfOrder = 0;
  const storedAt = new Map<string, number>();
  const everStored = new Set<number>();
  for (const [partition, entries] of byPartition) {
    entries.sort((left, right) => (left.offset < right.offset ? -1 : 1));
    let previous = -1;
    const seen = new Set<number>();
    for (const entry of entries) {
      if (seen.has(entry.number)) duplicates++;
      else if (entry.number < previous) outOfOrder++;
      seen.add(entry.number);
      everStored.add(entry.number);
      previous = Math.max(previous, entry.number);
      storedAt.set(`${partition}/${entry.offset}`, entry.number);
    }
  }
  let acknowledged = 0;
  let rejected = 0;
  let possiblyPersisted = 0;
  let missing = 0;
  let wronglyRejected = 0;
  for (let number = 0; number < total; number++) {
    const result = metadata[number];
    if (result) {
      acknowledged++;
      if (storedAt.get(`${result.partition}/${result.offset}`) !== number) missing++;
    } else {
      rejected++;
      if (errors[number]?.possiblyPersisted) possiblyPersisted++;
      else if (everStored.has(number)) wronglyRejected++;
    }
  }
  return { acknowledged, rejected, possiblyPersisted, duplicates, outOfOrder, missing, wronglyRejected };
}

function printTable(rows: readonly [string, string][]): void {
  const width = Math.max(...rows.map(([name]) => name.length));
  const valueWidth = Math.max(...rows.map(([, value]) => value.length));
  const line = `+${'-'.repeat(width + 2)}+${'-'.repeat(valueWidth + 2)}+`;
  console.log(line);
  for (const [name, value] of rows) console.log(`| ${name.padEnd(width)} | ${value.padEnd(valueWidth)} |`);
  console.log(line);
}
