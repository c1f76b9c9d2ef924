// KafkaJS 2.2.4: idempotent producer, acks -1. KafkaJS allows an idempotent producer only one
// request in flight, so that is what it runs with; lz4 through the kafkajs-compatible codec of
// this package's registry (KafkaJS ships none).
import { createRequire } from 'node:module';
import { resolveCodec } from '../../src/records/index.js';
import { markBeforeClient } from '../rss-baseline.js';
import { SendWindow } from '../send-window.js';
import type { RecordSender } from '../timed.js';
import { makeData, type Workload } from '../workloads.js';

// KafkaJS is CommonJS whose named exports Node's ESM loader cannot see.
const { CompressionCodecs, CompressionTypes, Kafka, logLevel } = createRequire(import.meta.url)('kafkajs') as typeof import('kafkajs');

/** `topics`: call c (1,000 records) goes to topics[c mod topics.length]. */
export async function runKafkajs(bootstrap: string, topics: readonly string[], workload: Workload): Promise<void> {
  if (workload.compression === 'lz4') {
    const codec = await resolveCodec('lz4');
    CompressionCodecs[CompressionTypes.LZ4] = () => codec;
  }
  markBeforeClient();
  const kafka = new Kafka({ clientId: 'bench', brokers: bootstrap.split(','), logLevel: logLevel.NOTHING });
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
  const { keys, value } = makeData(workload);
  const compression = workload.compression === 'lz4' ? CompressionTypes.LZ4 : CompressionTypes.None;
  const window = new SendWindow(100);
  for (let index = 0, call = 0; index < workload.records; index += 1000, call++) {
    const messages = [];
    for (let offset = index; offset < Math.min(workload.records, index + 1000); offset++) messages.push({ key: keys[offset & 1023]!, value });
    window.track(producer.send({ topic: topics[call % topics.length]!, acks: -1, compression, messages }));
    if (window.full) await window.admit();
  }
  await window.drain();
  await producer.disconnect();
}

/**
 * One record per send(), for L, O and S. KafkaJS has no linger: each send() call becomes a request of
 * its own as soon as the one in flight is answered.
 */
export async function kafkajsRecordSender(bootstrap: string, topic: string): Promise<RecordSender> {
  markBeforeClient();
  const kafka = new Kafka({ clientId: 'bench', brokers: bootstrap.split(','), logLevel: logLevel.NOTHING });
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
  return {
    lingerMs: undefined,
    send: (key, value) => producer.send({ topic, acks: -1, messages: [{ key, value }] }),
    close: () => producer.disconnect(),
  };
}
