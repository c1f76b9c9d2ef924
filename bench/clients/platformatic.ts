// @platformatic/kafka: idempotent producer, acks all, 1,000 records per send(). Its idempotent
// producer gives concurrent send() calls overlapping sequences (the broker refuses them as out of
// order), so its sends are awaited one at a time.
import { ProduceAcks, Producer } from '@platformatic/kafka';
import { markBeforeClient } from '../rss-baseline.js';
import type { RecordSender } from '../timed.js';
import { makeData, type Workload } from '../workloads.js';

/** `topics`: call c (1,000 records) goes to topics[c mod topics.length]. */
export async function runPlatformatic(bootstrap: string, topics: readonly string[], workload: Workload): Promise<void> {
  markBeforeClient();
  const producer = new Producer({
    clientId: 'bench',
    bootstrapBrokers: bootstrap.split(','),
    idempotent: true,
    acks: ProduceAcks.ALL,
    ...(workload.compression === 'lz4' ? { compression: 'lz4' as const } : {}),
  });
  const { keys, value } = makeData(workload);
  let outstanding: Promise<unknown>[] = [];
  for (let index = 0, call = 0; index < workload.records; index += 1000, call++) {
    const topic = topics[call % topics.length]!;
    const messages = [];
    for (let offset = index; offset < Math.min(workload.records, index + 1000); offset++) messages.push({ topic, key: keys[offset & 1023]!, value });
    outstanding.push(producer.send({ messages }));
    if (outstanding.length >= 1) {
      await Promise.all(outstanding);
      outstanding = [];
    }
  }
  await Promise.all(outstanding);
  await producer.close();
}

/**
 * One record per send(), for L, O and S. @platformatic/kafka has no linger (each send() is a request
 * of its own), and, as above, each call starts only once the previous one settled: calls made
 * meanwhile wait in a chain here, as they would in an application using it.
 */
export async function platformaticRecordSender(bootstrap: string, topic: string): Promise<RecordSender> {
  markBeforeClient();
  const producer = new Producer({ clientId: 'bench', bootstrapBrokers: bootstrap.split(','), idempotent: true, acks: ProduceAcks.ALL });
  let previous: Promise<unknown> = Promise.resolve();
  return {
    lingerMs: undefined,
    send: (key, value) => {
      const sending = previous.then(() => producer.send({ messages: [{ topic, key, value }] }));
      previous = sending.catch(() => undefined);
      return sending;
    },
    close: () => producer.close(),
  };
}
