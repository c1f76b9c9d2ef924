// The consumer-group APIs on the wire: JoinGroup, SyncGroup, Heartbeat, LeaveGroup, OffsetCommit and
// OffsetFetch, translated to and from the group coordinator. Each checks first that this broker
// coordinates the group (NOT_COORDINATOR otherwise).
import type { OffsetFetchResponsePartitions, OffsetFetchResponseTopics } from '../../protocol/index.js';
import { ErrorCode } from '../error-codes.js';
import { isCoordinator } from './find-coordinator.js';
import type { Handler, RequestContext } from './handler.js';

/** Answers JoinGroup once the join round completes. */
export const handleJoinGroup: Handler<'JoinGroup'> = async (context, request) => {
  const { version } = context;
  const result = isCoordinator(context, request.groupId)
    ? await context.runtime.groups.join({
        groupId: request.groupId,
        memberId: request.memberId,
        groupInstanceId: request.groupInstanceId ?? null,
        clientId: context.clientId,
        protocolType: request.protocolType,
        protocols: request.protocols,
        sessionTimeoutMs: request.sessionTimeoutMs,
        rebalanceTimeoutMs: request.rebalanceTimeoutMs ?? -1,
        // KIP-394: from v4 a dynamic member first gets its id with MEMBER_ID_REQUIRED; static members do not.
        requireKnownMemberId: version >= 4 && (request.groupInstanceId ?? null) === null,
      })
    : { errorCode: ErrorCode.NOT_COORDINATOR, generationId: -1, protocolType: null, protocolName: null, leader: '', memberId: request.memberId, members: [] };
  return {
    response: {
      throttleTimeMs: 0,
      errorCode: result.errorCode,
      generationId: result.generationId,
      protocolType: result.protocolType,
      // Before v7 the protocol name is not nullable.
      protocolName: result.protocolName ?? (version >= 7 ? null : ''),
      leader: result.leader,
      skipAssignment: false,
      memberId: result.memberId,
      members: result.members.map((member) => ({ ...member })),
    },
  };
};

/** Answers SyncGroup once the leader has sent the assignments. */
export const handleSyncGroup: Handler<'SyncGroup'> = async (context, request) => {
  const result = isCoordinator(context, request.groupId)
    ? await context.runtime.groups.sync(request.groupId, request.memberId, request.generationId, request.assignments)
    : { errorCode: ErrorCode.NOT_COORDINATOR, protocolType: null, protocolName: null, assignment: Buffer.alloc(0) };
  return { response: { throttleTimeMs: 0, ...result } };
};

/** Answers Heartbeat. */
export const handleHeartbeat: Handler<'Heartbeat'> = (context, request) => {
  const errorCode = isCoordinator(context, request.groupId)
    ? context.runtime.groups.heartbeat(request.groupId, request.memberId, request.generationId)
    : ErrorCode.NOT_COORDINATOR;
  return { response: { throttleTimeMs: 0, errorCode } };
};

/** Answers LeaveGroup (one member before v3, a list from v3). */
export const handleLeaveGroup: Handler<'LeaveGroup'> = (context, request) => {
  if (!isCoordinator(context, request.groupId)) return { response: { throttleTimeMs: 0, errorCode: ErrorCode.NOT_COORDINATOR, members: [] } };
  const { groups } = context.runtime;
  if (context.version < 3) return { response: { throttleTimeMs: 0, errorCode: groups.leave(request.groupId, request.memberId ?? '') } };
  const members = (request.members ?? []).map((member) => ({
    memberId: member.memberId,
    groupInstanceId: member.groupInstanceId,
    errorCode: groups.leave(request.groupId, member.memberId),
  }));
  return { response: { throttleTimeMs: 0, errorCode: ErrorCode.NONE, members } };
};

/** Answers OffsetCommit. */
export const handleOffsetCommit: Handler<'OffsetCommit'> = (context, request) => {
  const { groups, topology } = context.runtime;
  let groupError: number = ErrorCode.NOT_COORDINATOR;
  if (isCoordinator(context, request.groupId)) {
    groupError = groups.validateGeneration(request.groupId, request.memberId ?? '', request.generationIdOrMemberEpoch ?? -1);
  }
  const topics = request.topics.map((topic) => ({
    name: topic.name,
    partitions: topic.partitions.map((partition) => {
      let errorCode = groupError;
      if (errorCode === ErrorCode.NONE && !topology.partition(topic.name, partition.partitionIndex)) {
        errorCode = ErrorCode.UNKNOWN_TOPIC_OR_PARTITION;
      }
      if (errorCode === ErrorCode.NONE) {
        groups.commitOffsets(request.groupId, [
          {
            topic: topic.name,
            partition: partition.partitionIndex,
            offset: partition.committedOffset,
            leaderEpoch: partition.committedLeaderEpoch ?? -1,
            metadata: partition.committedMetadata,
          },
        ]);
      }
      return { partitionIndex: partition.partitionIndex, errorCode };
    }),
  }));
  return { response: { throttleTimeMs: 0, topics } };
};

/** Answers OffsetFetch (one group before v8, a list of groups from v8). */
export const handleOffsetFetch: Handler<'OffsetFetch'> = (context, request) => {
  if (context.version >= 8) {
    const groups = (request.groups ?? []).map((group) => {
      const coordinated = isCoordinator(context, group.groupId);
      return {
        groupId: group.groupId,
        topics: coordinated ? fetchOffsets(context, group.groupId, group.topics) : [],
        errorCode: coordinated ? ErrorCode.NONE : ErrorCode.NOT_COORDINATOR,
      };
    });
    return { response: { throttleTimeMs: 0, groups } };
  }
  const groupId = request.groupId ?? '';
  if (!isCoordinator(context, groupId)) {
    const topics = (request.topics ?? []).map((topic) => ({
      name: topic.name,
      partitions: topic.partitionIndexes.map((partitionIndex) => noOffset(partitionIndex, ErrorCode.NOT_COORDINATOR)),
    }));
    return { response: { throttleTimeMs: 0, topics, errorCode: ErrorCode.NOT_COORDINATOR } };
  }
  return { response: { throttleTimeMs: 0, topics: fetchOffsets(context, groupId, request.topics ?? null), errorCode: ErrorCode.NONE } };
};

function fetchOffsets(
  context: RequestContext,
  groupId: string,
  topics: readonly { name: string; partitionIndexes: number[] }[] | null,
): OffsetFetchResponseTopics[] {
  const { groups } = context.runtime;
  if (topics === null) {
    const byTopic = new Map<string, OffsetFetchResponsePartitions[]>();
    for (const offset of groups.committedOffsets(groupId)) {
      const partitions = byTopic.get(offset.topic) ?? [];
      partitions.push({ partitionIndex: offset.partition, committedOffset: offset.offset, committedLeaderEpoch: offset.leaderEpoch, metadata: offset.metadata, errorCode: ErrorCode.NONE });
      byTopic.set(offset.topic, partitions);
    }
    return [...byTopic].map(([name, partitions]) => ({ name, partitions }));
  }
  return topics.map((topic) => ({
    name: topic.name,
    partitions: topic.partitionIndexes.map((partitionIndex) => {
      const committed = groups.committedOffset(groupId, topic.name, partitionIndex);
      if (!committed) return noOffset(partitionIndex, ErrorCode.NONE);
      return { partitionIndex, committedOffset: committed.offset, committedLeaderEpoch: committed.leaderEpoch, metadata: committed.metadata, errorCode: ErrorCode.NONE };
    }),
  }));
}

function noOffset(partitionIndex: number, errorCode: number): OffsetFetchResponsePartitions {
  return { partitionIndex, committedOffset: -1n, committedLeaderEpoch: -1, metadata: '', errorCode };
}
