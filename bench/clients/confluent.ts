// @confluentinc/kafka-javascript through its KafkaJS-compatible API (librdkafka underneath):
// idempotent, acks=all, librdkafka's defaults otherwise (linger.ms 5, batch.size 1,000,000 bytes),
// 1,000 records per send() call. It is not a dependency of this package: its install compiles
// librdkafka natively, which would break `npm ci` on machines without a C toolchain. It is loaded
// from CKJS_PATH (the package's folder) when set, else resolved as an ordinary package.
import { createRequire } from 'node:module';
import { resolve } from 'node:path';
import { markBeforeClient } from '../rss-baseline.js';
import { SendWindow } from '../send-window.js';
import { makeData, type Workload } from '../workloads.js';

// The subset of its typings used here, declared locally, since the package is not installed in
// this repository for tsc to read.
interface CkjsProducer {
  connect(): Promise<void>;
  send(record: { topic: string; messages: { key: Buffer; value: Buffer }[] }): Promise<unknown>;
  disconnect(): Promise<void>;
}

interface CkjsKafka {
  producer(config: { kafkaJS: { idempotent: boolean; acks: number; compression: string } }): CkjsProducer;
}

interface CkjsModule {
  readonly librdkafkaVersion: string;
  readonly KafkaJS: {
    readonly Kafka: new (config: { kafkaJS: { clientId: string; brokers: string[]; logLevel: number } }) => CkjsKafka;
    readonly CompressionTypes: { readonly None: string; readonly LZ4: string };
    readonly logLevel: { readonly NOTHING: number };
  };
}

/**
 * Calls outstanding at once. librdkafka holds at most queue.buffering.max.messages (default
 * 100,000) records not yet acknowledged and refuses more (QUEUE_FULL); 50 calls of 1,000 stay
 * under it.
 */
const WINDOW = 50;

/** Loads the package (native code included); throws when it is not installed or does not load. */
export function loadConfluent(): CkjsModule {
  const path = process.env.CKJS_PATH;
  return createRequire(import.meta.url)(path ? resolve(path) : '@confluentinc/kafka-javascript') as CkjsModule;
}

/** Whether the package loads here, with its librdkafka version, or why not (one line). */
export function confluentAvailability(): { ok: true; version: string } | { ok: false; reason: string } {
  try {
    return { ok: true, version: loadConfluent().librdkafkaVersion };
  } catch (error) {
    return { ok: false, reason: error instanceof Error ? (error.message.split('\n')[0] ?? error.name) : String(error) };
  }
}

/** `topics`: call c (1,000 records) goes to topics[c mod topics.length]. */
export async function runConfluent(bootstrap: string, topics: readonly string[], workload: Workload): Promise<void> {
  const { Kafka, CompressionTypes, logLevel } = loadConfluent().KafkaJS;
  markBeforeClient();
  const kafka = new Kafka({ kafkaJS: { clientId: 'bench', brokers: bootstrap.split(','), logLevel: logLevel.NOTHING } });
  const compression = workload.compression === 'lz4' ? CompressionTypes.LZ4 : CompressionTypes.None;
  const producer = kafka.producer({ kafkaJS: { idempotent: true, acks: -1, compression } });
  await producer.connect();
  const { keys, value } = makeData(workload);
  const window = new SendWindow(WINDOW);
  for (let index = 0, call = 0; index < workload.records; index += 1000, call++) {
    const messages = [];
    for (let offset = index; offset < Math.min(workload.records, index + 1000); offset++) messages.push({ key: keys[offset & 1023]!, value });
    window.track(producer.send({ topic: topics[call % topics.length]!, messages }));
    if (window.full) await window.admit();
  }
  await window.drain();
  await producer.disconnect();
}
