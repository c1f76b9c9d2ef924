// FakeCluster in a process of its own for the benchmark: one broker. Prints `BOOTSTRAP <servers>`;
// reads `create <topic> [partitions]` lines (answering `CREATED <topic>`; 6 partitions unless given,
// `ERROR ...` for a bad count) and `stall <topic>` lines (answering `STALLED <topic>`: from then on
// Produce requests naming the topic are appended but never answered within any run, while
// ApiVersions, Metadata and InitProducerId are answered as usual); stops when stdin closes.
import { createInterface } from 'node:readline';
import { FakeCluster } from '../src/testing/index.js';

/**
 * How long a stalled Produce response is held: an hour, longer than any run and below the 2^31-1 ms
 * that a Node timer can wait. The connection answers in order, so everything after it on the same
 * connection waits too, as behind a stuck request on a Kafka broker.
 */
const STALL_MS = 3_600_000;

const cluster = new FakeCluster({ brokers: 1, defaultPartitions: 6, defaultReplicationFactor: 1 });
await cluster.start();
console.log(`BOOTSTRAP ${cluster.bootstrapServers}`);
const lines = createInterface({ input: process.stdin });
lines.on('line', (line) => {
  const [command, topic, count] = line.trim().split(/\s+/);
  if (command === 'create' && topic) {
    const partitions = count === undefined ? 6 : Number(count);
    if (!Number.isInteger(partitions) || partitions < 1) {
      console.log(`ERROR create ${topic}: partitions must be a whole number above 0, got '${count}'`);
      return;
    }
    cluster.createTopic({ name: topic, partitions, replicationFactor: 1 });
    console.log(`CREATED ${topic}`);
  } else if (command === 'stall' && topic) {
    cluster.intercept({ api: 'Produce', topic }, { delayMs: STALL_MS }, { times: Number.POSITIVE_INFINITY });
    console.log(`STALLED ${topic}`);
  }
});
lines.on('close', () => {
  void cluster.stop().then(() => process.exit(0));
});
