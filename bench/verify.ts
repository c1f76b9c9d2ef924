// Counts what a topic holds (the sum of its partitions' high watermarks, through ListOffsets), so
// that a run that lost or duplicated records is reported as failed rather than counted.
import { Cluster } from '../src/cluster/cluster.js';

export async function countRecords(bootstrap: string, topic: string): Promise<bigint> {
  const cluster = new Cluster({
    bootstrapServers: bootstrap.split(','),
    clientId: 'bench-verify',
    connectTimeoutMs: 5000,
    requestTimeoutMs: 10_000,
    metadataMaxAgeMs: 60_000,
    reconnectBackoffMs: 50,
    reconnectBackoffMaxMs: 500,
    allowAutoTopicCreation: false,
    // librdkafka 2.0.2's mock writes ListOffsets v4+ answers with an 8-byte leader epoch.
    versionCaps: { ListOffsets: 3 },
  });
  try {
    cluster.addTopics([topic]);
    await cluster.refreshMetadata();
    const info = cluster.metadata.topics.get(topic);
    if (!info) throw new Error(`topic ${topic} not found`);
    let total = 0n;
    for (const partition of info.partitions) {
      const connection = await cluster.connectionTo(partition.leader);
      const response = await connection.request('ListOffsets', {
        replicaId: -1,
        isolationLevel: 0,
        topics: [{ name: topic, partitions: [{ partitionIndex: partition.partition, timestamp: -1n, currentLeaderEpoch: -1, maxNumOffsets: 1 }] }],
      });
      const answer = response.topics[0]?.partitions[0];
      total += answer?.offset ?? answer?.oldStyleOffsets?.[0] ?? 0n;
    }
    return total;
  } finally {
    cluster.close();
  }
}
