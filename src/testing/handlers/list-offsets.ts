// ListOffsets: latest (-1: high watermark, or last stable offset for read_committed), earliest (-2,
// and -4 earliest-local), max timestamp (-3), or the first offset whose record timestamp is at
// least the one asked, never below the log start offset; answered by the partition leader only.
import type { ListOffsetsResponseListOffsetsPartitionResponse } from '../../protocol/index.js';
import { ErrorCode } from '../error-codes.js';
import type { PartitionLog } from '../partition-log.js';
import type { Handler } from './handler.js';

const LATEST = -1n;
const EARLIEST = -2n;
const MAX_TIMESTAMP = -3n;
const READ_COMMITTED = 1;

/** Answers ListOffsets. */
export const handleListOffsets: Handler<'ListOffsets'> = (context, request) => {
  const { runtime, brokerId, faults, version } = context;
  const readCommitted = (request.isolationLevel ?? 0) === READ_COMMITTED;
  const topics = request.topics.map((wanted) => ({
    name: wanted.name,
    partitions: wanted.partitions.map((asked): ListOffsetsResponseListOffsetsPartitionResponse => {
      const answer = (errorCode: number, offset = -1n, timestamp = -1n, leaderEpoch = -1) => ({
        partitionIndex: asked.partitionIndex,
        errorCode,
        oldStyleOffsets: errorCode === ErrorCode.NONE && version === 0 ? [offset] : [],
        timestamp,
        offset,
        leaderEpoch,
      });
      const injected = faults.partitionError(wanted.name, asked.partitionIndex);
      if (injected !== undefined) return answer(injected);
      const partition = runtime.topology.partition(wanted.name, asked.partitionIndex);
      if (!partition) return answer(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
      if (partition.leader !== brokerId) return answer(ErrorCode.NOT_LEADER_OR_FOLLOWER);
      const requestedEpoch = asked.currentLeaderEpoch ?? -1;
      if (requestedEpoch > partition.leaderEpoch) return answer(ErrorCode.UNKNOWN_LEADER_EPOCH);
      if (requestedEpoch >= 0 && requestedEpoch < partition.leaderEpoch) return answer(ErrorCode.FENCED_LEADER_EPOCH);
      const { log } = partition;
      const upTo = readCommitted ? log.lastStableOffset : log.highWatermark;
      const found = lookUp(log, asked.timestamp, upTo);
      return answer(ErrorCode.NONE, found.offset, found.timestamp, found.offset >= 0n ? partition.leaderEpoch : -1);
    }),
  }));
  return { response: { throttleTimeMs: 0, topics } };
};

function lookUp(log: PartitionLog, timestamp: bigint, upTo: bigint): { offset: bigint; timestamp: bigint } {
  if (timestamp === LATEST) return { offset: upTo, timestamp: -1n };
  if (timestamp === EARLIEST || timestamp === -4n || timestamp === -5n) return { offset: log.logStartOffset, timestamp: -1n };
  let best: { offset: bigint; timestamp: bigint } | undefined;
  for (const batch of log.batches) {
    if (batch.baseOffset >= upTo) break;
    if (batch.info.control) continue;
    if (timestamp !== MAX_TIMESTAMP && BigInt(batch.info.maxTimestamp) < timestamp) continue;
    for (const record of batch.records) {
      const recordTimestamp = BigInt(record.timestamp);
      const offset = batch.baseOffset + BigInt(record.offsetDelta);
      if (offset < log.logStartOffset) continue;
      if (timestamp === MAX_TIMESTAMP) {
        if (!best || recordTimestamp > best.timestamp) best = { offset, timestamp: recordTimestamp };
      } else if (recordTimestamp >= timestamp) {
        return { offset, timestamp: recordTimestamp };
      }
    }
  }
  return best ?? { offset: -1n, timestamp: -1n };
}
