// Whole-request error answers for the APIs whose injected errors are not per partition, in each
// API's layout at the request's version: every result of the request carries the injected code.
// They also answer ILLEGAL_SASL_STATE to requests sent in the middle of a SASL exchange.
import type { ApiName, ApiTypes } from '../../protocol/index.js';
import type { HandlerOutcome, RequestContext } from './handler.js';

type ErrorBuilder<A extends ApiName> = (request: ApiTypes[A]['request'], errorCode: number, version: number) => ApiTypes[A]['response'];
type ErrorBuilders = { readonly [A in ApiName]?: ErrorBuilder<A> };

const EMPTY = Buffer.alloc(0);

const builders: ErrorBuilders = {
  ApiVersions: (_request, errorCode) => ({ errorCode, apiKeys: [], throttleTimeMs: 0 }),
  Metadata: (request, errorCode) => ({
    throttleTimeMs: 0,
    brokers: [],
    clusterId: null,
    controllerId: -1,
    topics: (request.topics ?? []).map((topic) => ({ errorCode, name: topic.name ?? '', topicId: topic.topicId, isInternal: false, partitions: [] })),
  }),
  FindCoordinator: (request, errorCode, version) =>
    version >= 4
      ? {
          throttleTimeMs: 0,
          coordinators: (request.coordinatorKeys ?? []).map((key) => ({ key, nodeId: -1, host: '', port: -1, errorCode, errorMessage: null })),
        }
      : { throttleTimeMs: 0, errorCode, errorMessage: null, nodeId: -1, host: '', port: -1 },
  CreateTopics: (request, errorCode) => ({
    throttleTimeMs: 0,
    topics: request.topics.map((topic) => ({ name: topic.name, errorCode, errorMessage: null, numPartitions: -1, replicationFactor: -1, configs: [] })),
  }),
  InitProducerId: (_request, errorCode) => ({ throttleTimeMs: 0, errorCode, producerId: -1n, producerEpoch: -1 }),
  AddPartitionsToTxn: (request, errorCode, version) => {
    const results = (topics: readonly { name: string; partitions: number[] }[]) =>
      topics.map((topic) => ({
        name: topic.name,
        resultsByPartition: topic.partitions.map((partitionIndex) => ({ partitionIndex, partitionErrorCode: errorCode })),
      }));
    return version <= 3
      ? { throttleTimeMs: 0, resultsByTopicV3AndBelow: results(request.v3AndBelowTopics ?? []) }
      : { throttleTimeMs: 0, errorCode, resultsByTransaction: [] };
  },
  AddOffsetsToTxn: (_request, errorCode) => ({ throttleTimeMs: 0, errorCode }),
  EndTxn: (_request, errorCode) => ({ throttleTimeMs: 0, errorCode, producerId: -1n, producerEpoch: -1 }),
  TxnOffsetCommit: (request, errorCode) => ({
    throttleTimeMs: 0,
    topics: request.topics.map((topic) => ({
      name: topic.name,
      partitions: topic.partitions.map((partition) => ({ partitionIndex: partition.partitionIndex, errorCode })),
    })),
  }),
  OffsetCommit: (request, errorCode) => ({
    throttleTimeMs: 0,
    topics: request.topics.map((topic) => ({
      name: topic.name,
      partitions: topic.partitions.map((partition) => ({ partitionIndex: partition.partitionIndex, errorCode })),
    })),
  }),
  OffsetFetch: (request, errorCode, version) =>
    version >= 8
      ? { throttleTimeMs: 0, groups: (request.groups ?? []).map((group) => ({ groupId: group.groupId, topics: [], errorCode })) }
      : {
          throttleTimeMs: 0,
          errorCode,
          topics: (request.topics ?? []).map((topic) => ({
            name: topic.name,
            partitions: topic.partitionIndexes.map((partitionIndex) => ({
              partitionIndex,
              committedOffset: -1n,
              committedLeaderEpoch: -1,
              metadata: '',
              errorCode,
            })),
          })),
        },
  JoinGroup: (request, errorCode, version) => ({
    throttleTimeMs: 0,
    errorCode,
    generationId: -1,
    protocolType: null,
    protocolName: version >= 7 ? null : '',
    leader: '',
    memberId: request.memberId,
    members: [],
  }),
  SyncGroup: (_request, errorCode) => ({ throttleTimeMs: 0, errorCode, protocolType: null, protocolName: null, assignment: EMPTY }),
  Heartbeat: (_request, errorCode) => ({ throttleTimeMs: 0, errorCode }),
  LeaveGroup: (_request, errorCode) => ({ throttleTimeMs: 0, errorCode, members: [] }),
  SaslHandshake: (_request, errorCode) => ({ errorCode, mechanisms: [] }),
  SaslAuthenticate: (_request, errorCode) => ({ errorCode, errorMessage: null, authBytes: EMPTY, sessionLifetimeMs: 0n }),
  GetTelemetrySubscriptions: (_request, errorCode) => ({
    throttleTimeMs: 0,
    errorCode,
    clientInstanceId: '00000000-0000-0000-0000-000000000000',
    subscriptionId: 0,
    acceptedCompressionTypes: [],
    pushIntervalMs: 0,
    telemetryMaxBytes: 0,
    deltaTemporality: false,
    requestedMetrics: [],
  }),
  PushTelemetry: (_request, errorCode) => ({ throttleTimeMs: 0, errorCode }),
};

/** Whether {@link wholeRequestErrorBody} knows the layout of `api`. */
export function hasWholeRequestErrorLayout(api: ApiName): boolean {
  return builders[api] !== undefined;
}

/** The response body of `request` failing as a whole with `errorCode`, at `version`. */
export function wholeRequestErrorBody<A extends ApiName>(api: A, request: ApiTypes[A]['request'], errorCode: number, version: number): ApiTypes[A]['response'] {
  const builder = builders[api] as ErrorBuilder<A> | undefined;
  if (!builder) throw new TypeError(`No whole-request error layout for ${api}`);
  return builder(request, errorCode, version);
}

/** The answer to `request` failing as a whole with `errorCode`. */
export function wholeRequestError<A extends ApiName>(
  api: A,
  context: RequestContext,
  request: ApiTypes[A]['request'],
  errorCode: number,
): HandlerOutcome<A> {
  return { response: wholeRequestErrorBody(api, request, errorCode, context.version) };
}
