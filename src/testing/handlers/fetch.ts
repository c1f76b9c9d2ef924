// Fetch: stored batches returned byte-exact (so clients' CRC checks pass) from the batch holding the
// fetch offset, up to the high watermark (read_uncommitted) or the last stable offset with the
// aborted transactions (read_committed), within maxBytes; waits for data up to a capped maxWaitMs.
import type { FetchRequestData, FetchResponseFetchableTopicResponse, FetchResponsePartitionData } from '../../protocol/index.js';
import { ErrorCode } from '../error-codes.js';
import type { Handler, RequestContext } from './handler.js';

const READ_COMMITTED = 1;
const EMPTY = Buffer.alloc(0);

/** Answers Fetch; sessions are not kept (every answer has sessionId 0, i.e. full fetches). */
export const handleFetch: Handler<'Fetch'> = async (context, request) => {
  if ((request.sessionId ?? 0) !== 0) {
    return { response: { throttleTimeMs: 0, errorCode: ErrorCode.FETCH_SESSION_ID_NOT_FOUND, sessionId: 0, responses: [] } };
  }
  const waitMs = Math.max(0, Math.min(request.maxWaitMs, context.runtime.options.maxFetchWaitMs));
  const deadline = Date.now() + waitMs;
  for (;;) {
    const { responses, bytes, failed } = readOnce(context, request);
    const remaining = deadline - Date.now();
    if (failed || bytes >= Math.max(request.minBytes, 1) || remaining <= 0 || context.signal.aborted) {
      return { response: { throttleTimeMs: 0, errorCode: ErrorCode.NONE, sessionId: 0, responses } };
    }
    await context.runtime.waitForAppend(remaining, context.signal);
  }
};

function readOnce(context: RequestContext, request: FetchRequestData) {
  const { runtime, brokerId, faults, version } = context;
  const readCommitted = (request.isolationLevel ?? 0) === READ_COMMITTED;
  let budget = request.maxBytes ?? 0x7fffffff;
  let bytes = 0;
  let failed = false;
  const responses: FetchResponseFetchableTopicResponse[] = request.topics.map((wanted) => {
    const topic = version >= 13 ? runtime.topology.topicById(wanted.topicId ?? '') : runtime.topology.topics.get(wanted.topic ?? '');
    const partitions = wanted.partitions.map((fetch): FetchResponsePartitionData => {
      const error = (errorCode: number): FetchResponsePartitionData => {
        failed = true;
        return {
          partitionIndex: fetch.partition,
          errorCode,
          highWatermark: -1n,
          lastStableOffset: -1n,
          logStartOffset: -1n,
          abortedTransactions: null,
          preferredReadReplica: -1,
          records: EMPTY,
        };
      };
      if (!topic) return error(version >= 13 ? ErrorCode.UNKNOWN_TOPIC_ID : ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
      const injected = faults.partitionError(topic.name, fetch.partition);
      if (injected !== undefined) return error(injected);
      const partition = topic.partitions[fetch.partition];
      if (!partition) return error(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
      if (partition.leader !== brokerId) return error(ErrorCode.NOT_LEADER_OR_FOLLOWER);
      const requestedEpoch = fetch.currentLeaderEpoch ?? -1;
      if (requestedEpoch > partition.leaderEpoch) return error(ErrorCode.UNKNOWN_LEADER_EPOCH);
      if (requestedEpoch >= 0 && requestedEpoch < partition.leaderEpoch) return error(ErrorCode.FENCED_LEADER_EPOCH);
      const { log } = partition;
      if (fetch.fetchOffset < log.logStartOffset || fetch.fetchOffset > log.logEndOffset) return error(ErrorCode.OFFSET_OUT_OF_RANGE);
      const upTo = readCommitted ? log.lastStableOffset : log.highWatermark;
      const limit = Math.min(fetch.partitionMaxBytes, budget);
      const slice = log.read(fetch.fetchOffset, upTo, Math.max(limit, 0), bytes === 0);
      budget -= slice.sizeInBytes;
      bytes += slice.sizeInBytes;
      const last = slice.batches.at(-1)?.lastOffset;
      return {
        partitionIndex: fetch.partition,
        errorCode: ErrorCode.NONE,
        highWatermark: log.highWatermark,
        lastStableOffset: log.lastStableOffset,
        logStartOffset: log.logStartOffset,
        abortedTransactions: readCommitted
          ? last === undefined
            ? []
            : log.abortedBetween(fetch.fetchOffset, last + 1n).map((aborted) => ({ producerId: aborted.producerId, firstOffset: aborted.firstOffset }))
          : null,
        preferredReadReplica: -1,
        records: slice.batches.length === 1 ? slice.batches[0]!.bytes : Buffer.concat(slice.batches.map((batch) => batch.bytes)),
      };
    });
    return { topic: topic?.name ?? wanted.topic ?? '', topicId: wanted.topicId ?? topic?.id, partitions };
  });
  return { responses, bytes, failed };
}
