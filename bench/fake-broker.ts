// FakeCluster in a process of its own for the benchmark: one broker. Prints `BOOTSTRAP <servers>`;
// reads `create <topic>` lines (answering `CREATED <topic>`: 6 partitions); stops when stdin closes.
import { createInterface } from 'node:readline';
import { FakeCluster } from '../src/testing/index.js';

const cluster = new FakeCluster({ brokers: 1, defaultPartitions: 6, defaultReplicationFactor: 1 });
await cluster.start();
console.log(`BOOTSTRAP ${cluster.bootstrapServers}`);
const lines = createInterface({ input: process.stdin });
lines.on('line', (line) => {
  const [command, topic] = line.trim().split(/\s+/);
  if (command === 'create' && topic) {
    cluster.createTopic({ name: topic, partitions: 6, replicationFactor: 1 });
    console.log(`CREATED ${topic}`);
  }
});
lines.on('close', () => {
  void cluster.stop().then(() => process.exit(0));
});
