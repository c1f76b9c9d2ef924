// Drives a chaos soak: the real Producer sends numbered records (keyed and keyless, several topics,
// per-record and multi-record sends) to a FakeCluster in seeded chaos mode, with a broker restart,
// lost producer state, batches refused as too large (split) and event-loop stalls longer than the
// request timeout on the way, then audits what was stored against what every promise said.
import { type KafkaError, Producer, type ProducerOptions, type RecordMetadata } from '../../src/index.js';
import { FakeCluster } from '../../src/testing/index.js';
import { blockEventLoop } from '../helpers/event-loop.js';
import { within } from '../helpers/producer-check.js';

export interface SoakConfig {
  readonly seed: number;
  readonly records: number;
  readonly idempotence: boolean;
  readonly producerOptions?: Partial<ProducerOptions>;
}

export interface SoakReport {
  readonly seed: number;
  readonly sent: number;
  readonly acknowledged: number;
  readonly rejected: number;
  readonly rejectedPossiblyPersisted: number;
  readonly stored: number;
  readonly duplicates: number;
  /**
   * Copies the broker could not recognise: a batch stored before the producer state was lost and
   * stored again after it under the same producer epoch and sequence (a resend with an unknown
   * outcome, which is what the client must do). No real broker drops the state of a producer whose
   * batches are still in the log; after that fault no client can tell such a resend from a first
   * send (a pre-2.5 broker accepts an unknown producer's batch at sequence 0). Counted apart.
   */
  readonly duplicatesUnrecognisedAfterStateLoss: number;
  readonly outOfOrder: number;
  /** Resolved records not stored at the offset they reported. */
  readonly misplaced: number;
  /** Rejected records said not persisted, yet stored. */
  readonly storedDespiteNotPersisted: number;
  readonly unsettled: number;
  readonly retries: number;
  readonly faults: Readonly<Record<string, number>>;
  readonly elapsedMs: number;
  /** The first few duplicates, each copy with its stamp, and what the record's promise said. */
  readonly duplicateSamples: readonly string[];
}

const REQUEST_TIMEOUT_MS = 400;

const TOPICS = [
  { name: 'orders', partitions: 8, replicationFactor: 3 },
  { name: 'payments', partitions: 6, replicationFactor: 3 },
  { name: 'audit', partitions: 4, replicationFactor: 3 },
];

interface Outcome {
  metadata?: RecordMetadata;
  error?: KafkaError;
}

/** Record number -> topic, key; every tenth record keyless. */
function recordShape(index: number): { topic: string; key: string | null } {
  const topic = TOPICS[index % TOPICS.length]!.name;
  return { topic, key: index % 10 === 3 ? null : `customer-${(index * 7919) % 997}` };
}

export async function runSoak(config: SoakConfig): Promise<SoakReport> {
  const started = Date.now();
  const cluster = new FakeCluster({ brokers: 3, topics: TOPICS });
  await cluster.start();
  const producer = new Producer({
    bootstrapServers: cluster.bootstrapServers,
    idempotence: config.idempotence,
    ...(config.idempotence ? {} : { acks: 'all' as const }),
    requestTimeoutMs: REQUEST_TIMEOUT_MS,
    deliveryTimeoutMs: 60_000,
    retryBackoffMs: 5,
    retryBackoffMaxMs: 100,
    reconnectBackoffMs: 5,
    reconnectBackoffMaxMs: 100,
    lingerMs: 1,
    // Small batches make many requests, so that the per-request fault rates below bite often.
    batchSize: 1024,
    ...config.producerOptions,
  });
  const outcomes: Outcome[] = new Array(config.records);
  const chaos = cluster.chaos({
    seed: config.seed,
    dropResponseRate: 0.01,
    errorRate: 0.02,
    errorCodes: [6, 19, 7, 20, 56],
    disconnectRate: 0.01,
    closeAfterAppendRate: 0.01,
    leaderMoveEveryMs: 150,
  });
  // A run of Produce requests refused as too large, from a quarter of the way on: their batches
  // are split (a batch of one record cannot be, and fails).
  const tooLarge = cluster.intercept({ api: 'Produce' }, { error: 10 }, { after: Math.floor(config.records / 400), times: 8 });
  // Each partition's log end when the producer state was lost: copies on both sides of it may be
  // ones the broker could no longer recognise.
  let logEndsAtStateLoss = new Map<string, bigint>();
  try {
    const window: Promise<unknown>[] = [];
    const restartAt = Math.floor(config.records / 3);
    const loseStateAt = Math.floor((2 * config.records) / 3);
    // The application blocks the event loop longer than the request timeout, twice.
    const stallsAt = [Math.floor(config.records / 4), Math.floor((3 * config.records) / 4)];
    let index = 0;
    while (index < config.records) {
      if (index === restartAt) {
        const broker = 2;
        await cluster.stopBroker(broker);
        setTimeout(() => void cluster.startBroker(broker), 300);
      }
      // The harsh mode, the client's worst case: state lost mid-stream while the batches stay in the
      // log (no real broker does that), answered with UNKNOWN_PRODUCER_ID as before Kafka 2.5. (A
      // Kafka 2.5+ broker with no state accepts the next batch whatever the sequence; mid-stream,
      // with batches in flight, no client can then keep order: docs/delivery-guarantees.md.)
      if (index === loseStateAt) {
        logEndsAtStateLoss = logEnds(cluster);
        cluster.loseProducerStateKeepingLog(undefined, { unknownProducerId: true });
      }
      if (stallsAt.length > 0 && index >= stallsAt[0]!) {
        stallsAt.shift();
        blockEventLoop(REQUEST_TIMEOUT_MS + 200);
      }
      // One slice in five goes as multi-record calls (one per topic, 100 records), the rest record by record.
      if (index % 5000 < 1000 && index % 100 === 0) {
        const end = Math.min(config.records, index + 100);
        const byTopic = new Map<string, number[]>();
        for (let number = index; number < end; number++) {
          const { topic } = recordShape(number);
          byTopic.set(topic, [...(byTopic.get(topic) ?? []), number]);
        }
        for (const [topic, numbers] of byTopic) window.push(sendMany(producer, topic, numbers, outcomes));
        index = end;
      } else {
        window.push(sendOne(producer, index, outcomes));
        index++;
      }
      if (window.length >= 20_000) await Promise.all(window.splice(0, 10_000));
    }
    await within(Promise.all(window), 120_000, 'a send()');
  } finally {
    chaos.stop();
    tooLarge.remove();
  }
  const retries = producer.metrics()['record-retry-total'] ?? 0;
  await producer.close();
  const faults = { ...(chaos.stats as unknown as Record<string, number>), tooLarge: tooLarge.hits };
  const report = audit(cluster, outcomes, config, { retries, faults, started, logEndsAtStateLoss });
  await cluster.stop();
  return report;
}

function sendMany(producer: Producer, topic: string, numbers: readonly number[], outcomes: Outcome[]): Promise<void> {
  const messages = numbers.map((number) => ({ key: recordShape(number).key, value: `${number}` }));
  return producer.send({ topic, messages }).then(
    (metadata) => {
      metadata.forEach((entry, position) => {
        outcomes[numbers[position]!] = { metadata: entry };
      });
    },
    (error: unknown) => {
      // A multi-record call rejects as a whole with its first failure; its records are audited
      // with that error (a record said not persisted must not be stored).
      for (const number of numbers) outcomes[number] = { error: error as KafkaError };
    },
  );
}

function sendOne(producer: Producer, index: number, outcomes: Outcome[]): Promise<void> {
  const { topic, key } = recordShape(index);
  return producer.send({ topic, key, value: `${index}` }).then(
    (metadata) => {
      outcomes[index] = { metadata };
    },
    (error: unknown) => {
      outcomes[index] = { error: error as KafkaError };
    },
  );
}

function logEnds(cluster: FakeCluster): Map<string, bigint> {
  const ends = new Map<string, bigint>();
  for (const topic of TOPICS) {
    for (let partition = 0; partition < topic.partitions; partition++) {
      const last = cluster.batches(topic.name, partition).at(-1);
      ends.set(`${topic.name}/${partition}`, last === undefined ? 0n : last.lastOffset + 1n);
    }
  }
  return ends;
}

interface RunFacts {
  readonly retries: number;
  readonly faults: Record<string, number>;
  readonly started: number;
  readonly logEndsAtStateLoss: ReadonlyMap<string, bigint>;
}

interface StoredCopy {
  readonly offset: bigint;
  readonly producerEpoch: number;
  readonly sequence: number;
}

function describeCopy(copy: StoredCopy): string {
  return `offset ${copy.offset} epoch ${copy.producerEpoch} sequence ${copy.sequence}`;
}

interface StoredAudit {
  stored: number;
  duplicates: number;
  duplicatesUnrecognisedAfterStateLoss: number;
  outOfOrder: number;
  readonly storedAt: Map<string, number>;
  readonly everStored: Set<number>;
  readonly duplicateSamples: string[];
}

// Reads every partition's log: duplicates (told apart from copies the broker could not recognise
// after losing the producer state), reordering, and where each record number is stored.
function auditStored(cluster: FakeCluster, outcomes: Outcome[], logEndsAtStateLoss: ReadonlyMap<string, bigint>): StoredAudit {
  const result: StoredAudit = {
    stored: 0,
    duplicates: 0,
    duplicatesUnrecognisedAfterStateLoss: 0,
    outOfOrder: 0,
    storedAt: new Map(),
    everStored: new Set(),
    duplicateSamples: [],
  };
  for (const topic of TOPICS) {
    for (let partition = 0; partition < topic.partitions; partition++) {
      const seen = new Map<number, StoredCopy>();
      const lossEnd = logEndsAtStateLoss.get(`${topic.name}/${partition}`);
      let previous = -1;
      for (const record of cluster.records(topic.name, partition)) {
        result.stored++;
        const number = Number(record.value?.toString());
        const first = seen.get(number);
        if (first) {
          const sameStamp = record.sequence >= 0 && first.producerEpoch === record.producerEpoch && first.sequence === record.sequence;
          if (sameStamp && lossEnd !== undefined && first.offset < lossEnd && record.offset >= lossEnd) {
            result.duplicatesUnrecognisedAfterStateLoss++;
          } else {
            result.duplicates++;
            if (result.duplicateSamples.length < 5) {
              result.duplicateSamples.push(`${topic.name}/${partition} record ${number}: ${describeCopy(first)}; ${describeCopy(record)}; promise: ${describeOutcome(outcomes[number])}`);
            }
          }
        } else {
          if (number < previous) result.outOfOrder++;
          seen.set(number, record);
        }
        result.everStored.add(number);
        previous = Math.max(previous, number);
        result.storedAt.set(`${topic.name}/${partition}/${record.offset}`, number);
      }
    }
  }
  return result;
}

function audit(cluster: FakeCluster, outcomes: Outcome[], config: SoakConfig, facts: RunFacts): SoakReport {
  const { storedAt, everStored, ...log } = auditStored(cluster, outcomes, facts.logEndsAtStateLoss);
  let acknowledged = 0;
  let rejected = 0;
  let rejectedPossiblyPersisted = 0;
  let misplaced = 0;
  let storedDespiteNotPersisted = 0;
  let unsettled = 0;
  outcomes.forEach((outcome, number) => {
    if (!outcome) {
      unsettled++;
    } else if (outcome.metadata) {
      acknowledged++;
      const { topic, partition, offset } = outcome.metadata;
      if (storedAt.get(`${topic}/${partition}/${offset}`) !== number) misplaced++;
    } else {
      rejected++;
      if (outcome.error?.possiblyPersisted) rejectedPossiblyPersisted++;
      else if (everStored.has(number)) storedDespiteNotPersisted++;
    }
  });
  for (let number = outcomes.length; number < config.records; number++) unsettled++;
  return {
    seed: config.seed,
    sent: config.records,
    acknowledged,
    rejected,
    rejectedPossiblyPersisted,
    stored: log.stored,
    duplicates: log.duplicates,
    duplicatesUnrecognisedAfterStateLoss: log.duplicatesUnrecognisedAfterStateLoss,
    outOfOrder: log.outOfOrder,
    misplaced,
    storedDespiteNotPersisted,
    unsettled,
    retries: facts.retries,
    faults: facts.faults,
    elapsedMs: Date.now() - facts.started,
    duplicateSamples: log.duplicateSamples,
  };
}

function describeOutcome(outcome: Outcome | undefined): string {
  if (!outcome) return 'unsettled';
  if (outcome.metadata) return `acknowledged at offset ${outcome.metadata.offset}`;
  return `rejected (${outcome.error?.possiblyPersisted ? 'possibly persisted' : 'not persisted'}): ${outcome.error?.message}`;
}
