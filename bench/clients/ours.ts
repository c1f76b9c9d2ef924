// This package, both ways users send: one send() per record (a bounded window of outstanding
// promises), and send({ topic, messages }) with 1,000 records per call; and one send() per record
// with the default options for the timed workloads (L, O, S).
import { Producer } from '../../src/index.js';
import { markBeforeClient } from '../rss-baseline.js';
import { SendWindow } from '../send-window.js';
import type { RecordSender } from '../timed.js';
import { makeData, type Workload } from '../workloads.js';

/**
 * Records outstanding at most: enough to keep every partition's pipeline full (throughput times
 * round trip is a few thousand records), well below what bufferMemory admits.
 */
const WINDOW_RECORDS = 20_000;

/** `topics`: record i (per record) or call c (1,000 per call) goes to topics[i or c mod topics.length]. */
export async function runOurs(mode: 'records' | 'batches', bootstrap: string, topics: readonly string[], workload: Workload): Promise<void> {
  markBeforeClient();
  const producer = new Producer({ bootstrapServers: bootstrap, compression: workload.compression, clientId: 'bench' });
  await producer.connect();
  const { keys, value } = makeData(workload);
  await producer.send({ topic: topics[0]!, key: keys[0]!, value });
  const total = workload.records - 1;
  const topicCount = topics.length;
  if (mode === 'records') {
    const window = new SendWindow(WINDOW_RECORDS);
    for (let index = 0; index < total; index++) {
      window.track(producer.send({ topic: topics[index % topicCount]!, key: keys[index & 1023]!, value }));
      if (window.full) await window.admit();
    }
    await window.drain();
  } else {
    const window = new SendWindow(WINDOW_RECORDS / 1000);
    for (let index = 0, call = 0; index < total; index += 1000, call++) {
      const messages = [];
      for (let offset = index; offset < Math.min(total, index + 1000); offset++) messages.push({ key: keys[offset & 1023]!, value });
      window.track(producer.send({ topic: topics[call % topicCount]!, messages }));
      if (window.full) await window.admit();
    }
    await window.drain();
  }
  await producer.close();
}

/** One record per send(), every option at its default (lingerMs 5, bufferMemory 32 MiB), for L, O and S. */
export async function oursRecordSender(bootstrap: string, topic: string): Promise<RecordSender> {
  markBeforeClient();
  const producer = new Producer({ bootstrapServers: bootstrap, clientId: 'bench' });
  await producer.connect();
  return {
    lingerMs: 5,
    send: (key, value) => producer.send({ topic, key, value }),
    close: () => producer.close(),
  };
}
