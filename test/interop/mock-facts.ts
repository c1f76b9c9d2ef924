// What the mock cluster of each librdkafka version the interop suite runs against does where the
// tests depend on it, as found on the wire: mock-behaviour.test.ts pins each fact there, except the
// trailing bytes, which producer-interop.test.ts pins through the producer's debug log. A librdkafka
// version without an entry fails the suites that need its facts: they are found and written here
// first.

export interface MockFacts {
  /** The ApiVersions v0 answer: API key -> [min, max]. */
  readonly apiRanges: Readonly<Record<number, readonly [number, number]>>;
  /** Whether Metadata lists a broker that is down (2.0.2) or leaves it out. */
  readonly listsDownBrokers: boolean;
  /** Bytes of ListOffsets v4+ leader_epoch: 8 (2.0.2, the spec says 4) or 4. */
  readonly listOffsetsLeaderEpochBytes: 4 | 8;
  /**
   * What EndTxn writes to each partition added to the transaction: nothing (2.0.2), or a COMMIT or
   * ABORT control batch whose CRC field is 0 (2.15).
   */
  readonly transactionMarkers: 'none' | 'without-crc';
  /** Bytes after the last field of its Metadata responses: 1 where it writes the top-level tags twice. */
  readonly metadataTrailingBytes: number;
}

const FACTS: Readonly<Record<string, MockFacts>> = {
  '2.0.2': {
    apiRanges: {
      0: [0, 7], // Produce
      1: [0, 11], // Fetch
      2: [0, 5], // ListOffsets
      3: [0, 2], // Metadata
      8: [0, 7], // OffsetCommit
      9: [0, 5], // OffsetFetch
      10: [0, 2], // FindCoordinator
      11: [0, 5], // JoinGroup
      12: [0, 3], // Heartbeat
      13: [0, 1], // LeaveGroup
      14: [0, 3], // SyncGroup
      18: [0, 2], // ApiVersions
      22: [0, 4], // InitProducerId (flexible from v2)
      24: [0, 1], // AddPartitionsToTxn
      25: [0, 1], // AddOffsetsToTxn
      26: [0, 1], // EndTxn
      28: [0, 2], // TxnOffsetCommit
    },
    listsDownBrokers: true,
    listOffsetsLeaderEpochBytes: 8,
    transactionMarkers: 'none',
    metadataTrailingBytes: 0,
  },
  '2.15.1': {
    apiRanges: {
      0: [0, 10], // Produce (flexible from v9)
      1: [0, 16], // Fetch
      2: [0, 7], // ListOffsets
      3: [0, 12], // Metadata (flexible from v9)
      8: [0, 9], // OffsetCommit
      9: [0, 6], // OffsetFetch
      10: [0, 3], // FindCoordinator (flexible from v3)
      11: [0, 6], // JoinGroup
      12: [0, 5], // Heartbeat
      13: [0, 4], // LeaveGroup
      14: [0, 4], // SyncGroup
      18: [0, 2], // ApiVersions
      22: [0, 4], // InitProducerId
      23: [2, 2], // OffsetForLeaderEpoch
      24: [0, 1], // AddPartitionsToTxn
      25: [0, 1], // AddOffsetsToTxn
      26: [0, 1], // EndTxn
      28: [0, 3], // TxnOffsetCommit
      68: [1, 1], // ConsumerGroupHeartbeat
      71: [0, 0], // GetTelemetrySubscriptions
      72: [0, 0], // PushTelemetry
      76: [1, 1], // ShareGroupHeartbeat
      78: [1, 1], // ShareFetch
      79: [1, 1], // ShareAcknowledge
    },
    listsDownBrokers: false,
    listOffsetsLeaderEpochBytes: 4,
    transactionMarkers: 'without-crc',
    metadataTrailingBytes: 1,
  },
};

/** The recorded facts of `version`'s mock; throws for a version nobody has looked at yet. */
export function mockFacts(version: string): MockFacts {
  const facts = FACTS[version];
  if (!facts) throw new Error(`no recorded mock facts for librdkafka ${version}: find them on the wire and add them to test/interop/mock-facts.ts`);
  return facts;
}
