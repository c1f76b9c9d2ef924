// This package, both ways users send: one send() per record (a bounded window of outstanding
// promises), and send({ topic, messages }) with 1,000 records per call.
import { Producer } from '../../src/index.js';
import { makeData, type Workload } from '../workloads.js';

// Records allowed outstanding: what fits in the default bufferMemory (32 MiB) with room to spare,
// since send() refuses records beyond bufferMemory + bufferMemory waiting (docs/configuration.md).
function windowFor(workload: Workload): number {
  return Math.max(1000, Math.min(100_000, Math.floor((24 * 1024 * 1024) / (workload.valueSize + workload.keySize + 64))));
}

export async function runOurs(mode: 'records' | 'batches', bootstrap: string, topic: string, workload: Workload): Promise<void> {
  const producer = new Producer({ bootstrapServers: bootstrap, compression: workload.compression, clientId: 'bench' });
  await producer.connect();
  const { keys, value } = makeData(workload);
  await producer.send({ topic, key: keys[0]!, value });
  let outstanding: Promise<unknown>[] = [];
  const total = workload.records - 1;
  const window = windowFor(workload);
  if (mode === 'records') {
    for (let index = 0; index < total; index++) {
      outstanding.push(producer.send({ topic, key: keys[index & 1023]!, value }));
      if (outstanding.length >= window) {
        await Promise.all(outstanding);
        outstanding = [];
      }
    }
  } else {
    for (let index = 0; index < total; index += 1000) {
      const messages = [];
      for (let offset = index; offset < Math.min(total, index + 1000); offset++) messages.push({ key: keys[offset & 1023]!, value });
      outstanding.push(producer.send({ topic, messages }));
      if (outstanding.length >= window / 1000) {
        await Promise.all(outstanding);
        outstanding = [];
      }
    }
  }
  await Promise.all(outstanding);
  await producer.close();
}
