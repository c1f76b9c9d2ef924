// Reads a topic's records back from a real cluster with Fetch requests, partition by partition,
// between given offsets, so the demo can check what the brokers stored.
import { Cluster } from '../cluster/cluster.js';
import { readRecordBatches } from '../records/index.js';

export interface ReadBackRange {
  readonly partition: number;
  readonly fromOffset: bigint;
  /** Exclusive. */
  readonly toOffset: bigint;
}

export interface ReadBackRecord {
  readonly partition: number;
  readonly offset: bigint;
  readonly value: Buffer | null;
}

/** Every record of `topic` in the given offset ranges, in offset order per partition. */
export async function readBack(bootstrapServers: readonly string[], topic: string, ranges: readonly ReadBackRange[]): Promise<ReadBackRecord[]> {
  const cluster = new Cluster({
    bootstrapServers,
    clientId: 'kafka-producer-demo-reader',
    connectTimeoutMs: 10_000,
    requestTimeoutMs: 30_000,
    metadataMaxAgeMs: 300_000,
    reconnectBackoffMs: 50,
    reconnectBackoffMaxMs: 1000,
    allowAutoTopicCreation: false,
    // Fetch v13+ names topics by id; reading by name keeps this reader simple.
    versionCaps: { Fetch: 12 },
  });
  const records: ReadBackRecord[] = [];
  try {
    cluster.addTopics([topic]);
    await cluster.refreshMetadata();
    for (const range of ranges) {
      let offset = range.fromOffset;
      for (let round = 0; offset < range.toOffset && round < 100_000; round++) {
        const leader = cluster.metadata.partition(topic, range.partition)?.leader ?? -1;
        const connection = await cluster.connectionTo(leader);
        const response = await connection.request('Fetch', {
          replicaId: -1,
          maxWaitMs: 100,
          minBytes: 1,
          maxBytes: 16 * 1024 * 1024,
          isolationLevel: 0,
          topics: [{ topic, partitions: [{ partition: range.partition, fetchOffset: offset, partitionMaxBytes: 8 * 1024 * 1024, logStartOffset: -1n, currentLeaderEpoch: -1 }] }],
        });
        const data = response.responses[0]?.partitions[0];
        if (data?.errorCode !== 0) throw new Error(`Fetch of ${topic}-${range.partition} at ${offset} failed with error code ${data?.errorCode}`);
        const batches = data.records ? await readRecordBatches(data.records) : [];
        let advanced = false;
        for (const batch of batches) {
          for (const record of batch.records) {
            if (record.offset < offset || record.offset >= range.toOffset) continue;
            records.push({ partition: range.partition, offset: record.offset, value: record.value });
          }
          const next = batch.baseOffset + BigInt(batch.lastOffsetDelta) + 1n;
          if (next > offset) {
            offset = next;
            advanced = true;
          }
        }
        if (!advanced && data.highWatermark <= offset) break;
      }
    }
  } finally {
    cluster.close();
  }
  return records;
}
