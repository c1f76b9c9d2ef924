// Turns one request frame into what the connection must do: decode it, refuse what the cluster does
// not speak (as Kafka: UNSUPPORTED_VERSION for ApiVersions, a closed connection otherwise) and what
// an unauthenticated SASL connection may not send, decide the faults, run the handler, and encode
// the response with any delay or throttle applied.
import { type ApiName, type ApiTypes, apiSpecs, type DecodedRequest, decodeRequest, encodeResponse, supportedVersions } from '../protocol/index.js';
import { servedVersions } from './api-support.js';
import type { ClusterRuntime } from './cluster-runtime.js';
import { ErrorCode } from './error-codes.js';
import { partitionedApis, RequestFaults, type TopicPartitionName } from './faults/request-faults.js';
import { wholeRequestError } from './handlers/error-responses.js';
import type { Handler, HandlerOutcome, RequestContext } from './handlers/handler.js';
import { handlers } from './handlers/index.js';
import { handleRawToken, refuseBeforeAuthentication } from './sasl/gate.js';
import type { SaslSession } from './sasl/session.js';

/** What the connection does with one request. */
export type RequestOutcome =
  /** Send `frame` after `delayMs`; the connection processes nothing else meanwhile. With `thenClose`, close once it is sent. */
  | { readonly kind: 'respond'; readonly frame: Buffer; readonly delayMs: number; readonly thenClose?: boolean }
  /** Send nothing (Produce with acks 0), after `delayMs`. */
  | { readonly kind: 'silent'; readonly delayMs: number }
  /** Close the connection without an answer. */
  | { readonly kind: 'close' }
  /** Never answer this request nor any later one on the connection. */
  | { readonly kind: 'black-hole' }
  /** Answer nothing more, but go on processing what the connection receives (a one-way cut). */
  | { readonly kind: 'lose-responses' };

/**
 * Handles one request frame (without its size prefix) received by broker `brokerId` at
 * `receivedAt`; `session` is the connection's SASL state when the cluster requires SASL.
 */
export async function routeRequest(
  runtime: ClusterRuntime,
  brokerId: number,
  frame: Buffer,
  signal: AbortSignal,
  session?: SaslSession,
  receivedAt = Date.now(),
): Promise<RequestOutcome> {
  if (session?.stage === 'raw-tokens') return handleRawToken(session, frame);
  let decoded: DecodedRequest;
  try {
    decoded = decodeRequest(frame);
  } catch {
    return { kind: 'close' }; // Kafka closes the connection on a request it cannot parse.
  }
  // As Kafka's SocketServer: a request that arrived after the session expired closes the connection,
  // whatever it is (a re-authentication must begin before the expiry). Its arrival counts, not the
  // moment it is handled behind the connection's earlier requests.
  if (session?.expiredAt(receivedAt)) {
    session.expire();
    return { kind: 'close' };
  }
  if (session && !session.authenticated) {
    const refusal = refuseBeforeAuthentication(session, decoded);
    if (refusal) return refusal;
  }
  const { api, apiVersion, correlationId, body } = decoded;
  const range = api ? servedVersions(runtime.options, api) : undefined;
  const spoken = range !== undefined && body !== undefined && apiVersion <= range.max;
  if (api === 'ApiVersions' && !spoken) return { kind: 'respond', frame: unsupportedApiVersions(runtime, correlationId), delayMs: 0 };
  if (!api || !spoken) return { kind: 'close' };

  const faults = new RequestFaults();
  runtime.decideFaults({ api, brokerId, partitions: namedPartitions(runtime, api, apiVersion, body) }, faults);
  if (faults.closeConnection === 'before-append') return { kind: 'close' };

  const context: RequestContext = { runtime, brokerId, version: apiVersion, clientId: decoded.clientId ?? '', faults, signal, session };
  const outcome = await handle(api, context, body as ApiTypes[typeof api]['request']);
  if (faults.closeConnection === 'after-append') return { kind: 'close' };
  if ('noResponse' in outcome) return outcome.closeConnection ? { kind: 'close' } : { kind: 'silent', delayMs: faults.delayMs };
  if (faults.dropResponse) return { kind: 'black-hole' };
  if (faults.loseResponses) return { kind: 'lose-responses' };
  const response = faults.throttleMs > 0 ? { ...outcome.response, throttleTimeMs: faults.throttleMs } : outcome.response;
  const encoded = encodeResponse(api, apiVersion, correlationId, response);
  return { kind: 'respond', frame: encoded, delayMs: faults.delayMs + faults.throttleMs, thenClose: outcome.closeAfterResponse === true };
}

function handle<A extends ApiName>(api: A, context: RequestContext, request: ApiTypes[A]['request']): HandlerOutcome<A> | Promise<HandlerOutcome<A>> {
  const { requestError } = context.faults;
  if (requestError !== undefined && !partitionedApis.has(api)) return wholeRequestError(api, context, request, requestError);
  const handler = handlers[api] as Handler<A>;
  return handler(context, request);
}

// As Kafka: the answer to an ApiVersions request at a version the broker does not speak is written
// in the v0 layout, with UNSUPPORTED_VERSION and the ApiVersions range, so the client can retry.
function unsupportedApiVersions(runtime: ClusterRuntime, correlationId: number): Buffer {
  const range = servedVersions(runtime.options, 'ApiVersions') ?? supportedVersions('ApiVersions');
  return encodeResponse('ApiVersions', 0, correlationId, {
    errorCode: ErrorCode.UNSUPPORTED_VERSION,
    apiKeys: [{ apiKey: apiSpecs.ApiVersions.apiKey, minVersion: range.min, maxVersion: range.max }],
  });
}

// The partitions a Produce, Fetch or ListOffsets request names, for intercept rules and chaos.
function namedPartitions(runtime: ClusterRuntime, api: ApiName, version: number, body: object): TopicPartitionName[] {
  const named: TopicPartitionName[] = [];
  if (api === 'Produce') {
    for (const topic of (body as ApiTypes['Produce']['request']).topicData) {
      for (const partition of topic.partitionData) named.push({ topic: topic.name, partition: partition.index });
    }
  } else if (api === 'Fetch') {
    for (const topic of (body as ApiTypes['Fetch']['request']).topics) {
      const name = version >= 13 ? runtime.topology.topicById(topic.topicId ?? '')?.name : topic.topic;
      if (name === undefined) continue;
      for (const partition of topic.partitions) named.push({ topic: name, partition: partition.partition });
    }
  } else if (api === 'ListOffsets') {
    for (const topic of (body as ApiTypes['ListOffsets']['request']).topics) {
      for (const partition of topic.partitions) named.push({ topic: topic.name, partition: partition.partitionIndex });
    }
  }
  return named;
}
