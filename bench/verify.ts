// Counts what topics hold (the sum of their partitions' high watermarks, through ListOffsets, one
// request per leader), so that a run that lost or duplicated records is reported as failed rather
// than counted.
import { Cluster } from '../src/cluster/cluster.js';

export async function countRecords(bootstrap: string, topics: string | readonly string[]): Promise<bigint> {
  const names = typeof topics === 'string' ? [topics] : topics;
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
    cluster.addTopics(names);
    await cluster.refreshMetadata();
    // Leader -> topic -> partitions.
    const byLeader = new Map<number, Map<string, number[]>>();
    for (const name of names) {
      const info = cluster.metadata.topics.get(name);
      if (!info) throw new Error(`topic ${name} not found`);
      for (const partition of info.partitions) {
        const topicsOfLeader = byLeader.get(partition.leader) ?? new Map<string, number[]>();
        byLeader.set(partition.leader, topicsOfLeader);
        const partitions = topicsOfLeader.get(name) ?? [];
        topicsOfLeader.set(name, partitions);
        partitions.push(partition.partition);
      }
    }
    let total = 0n;
    for (const [leader, topicsOfLeader] of byLeader) {
      const connection = await cluster.connectionTo(leader);
      const response = await connection.request('ListOffsets', {
        replicaId: -1,
        isolationLevel: 0,
        topics: [...topicsOfLeader].map(([name, partitions]) => ({
          name,
          partitions: partitions.map((partitionIndex) => ({ partitionIndex, timestamp: -1n, currentLeaderEpoch: -1, maxNumOffsets: 1 })),
        })),
      });
      for (const topic of response.topics) {
        for (const answer of topic.partitions) {
          if (answer.errorCode !== 0) throw new Error(`ListOffsets for ${topic.name}/${answer.partitionIndex} failed with error code ${answer.errorCode}`);
          total += answer.offset ?? answer.oldStyleOffsets?.[0] ?? 0n;
        }
      }
    }
    return total;
  } finally {
    cluster.close();
  }
}
