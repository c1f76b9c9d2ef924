// The broker's own response time, for L: one single-record Produce request per record (acks=all,
// idempotent: producer id, epoch and a sequence per partition, as a producer's batch carries),
// written with this package's protocol layer on one connection per leader, partitions in turn. No
// batching, no linger and no producer machinery: what a client adds on top of this is its own.
import { Cluster } from '../../src/cluster/cluster.js';
import type { Connection } from '../../src/network/connection.js';
import { RecordBatchBuilder, stampRecordBatch } from '../../src/records/index.js';
import type { RecordSender } from '../timed.js';

export async function rawProduceSender(bootstrap: string, topic: string): Promise<RecordSender> {
  const cluster = new Cluster({
    bootstrapServers: bootstrap.split(','),
    clientId: 'bench-raw',
    connectTimeoutMs: 5000,
    requestTimeoutMs: 30_000,
    metadataMaxAgeMs: 300_000,
    reconnectBackoffMs: 50,
    reconnectBackoffMaxMs: 500,
    allowAutoTopicCreation: false,
  });
  cluster.addTopics([topic]);
  await cluster.refreshMetadata();
  const info = cluster.metadata.topics.get(topic);
  if (!info || info.partitions.length === 0) throw new Error(`topic ${topic} not found`);
  const leaders: Connection[] = [];
  for (const partition of info.partitions) leaders.push(await cluster.connectionTo(partition.leader));
  const identity = await (await cluster.anyConnection()).request('InitProducerId', {
    transactionalId: null,
    transactionTimeoutMs: 2 ** 31 - 1,
    producerId: -1n,
    producerEpoch: -1,
  });
  if (identity.errorCode !== 0) throw new Error(`InitProducerId failed with error code ${identity.errorCode}`);
  const partitions = info.partitions.map((partition) => partition.partition);
  const sequences = partitions.map(() => 0);
  let next = 0;
  return {
    lingerMs: undefined,
    send: async (key, value) => {
      const slot = next++ % partitions.length;
      const partition = partitions[slot]!;
      const builder = new RecordBatchBuilder({ initialCapacity: 256 });
      builder.append(Date.now(), key, value);
      const batch = builder.build();
      stampRecordBatch(batch, { producerId: identity.producerId, producerEpoch: identity.producerEpoch, baseSequence: sequences[slot]!++, transactional: false });
      const response = await leaders[slot]!.request('Produce', {
        transactionalId: null,
        acks: -1,
        timeoutMs: 30_000,
        topicData: [{ name: topic, partitionData: [{ index: partition, records: batch }] }],
      });
      const errorCode = response.responses[0]?.partitionResponses[0]?.errorCode ?? -1;
      if (errorCode !== 0) throw new Error(`Produce to ${topic}/${partition} failed with error code ${errorCode}`);
    },
    close: async () => cluster.close(),
  };
}
