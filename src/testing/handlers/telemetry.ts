// GetTelemetrySubscriptions and PushTelemetry (KIP-714): the subscription of the cluster's
// `telemetry` option, a client instance id for clients that send the zero Uuid, and pushes checked
// as a Kafka broker checks them, recorded with their decoded metrics.
import { type CompressedType, decompressWith, resolveCodec } from '../../records/index.js';
import { ErrorCode } from '../error-codes.js';
import { type TelemetryBroker, ZERO_UUID } from '../telemetry-broker.js';
import type { Handler, RequestContext } from './handler.js';

const COMPRESSION_NAMES: Readonly<Record<number, CompressedType>> = { 1: 'gzip', 2: 'snappy', 3: 'lz4', 4: 'zstd' };

function telemetryOf(context: RequestContext): TelemetryBroker {
  const telemetry = context.runtime.telemetry;
  // The APIs are advertised only with the `telemetry` option (as Kafka only with a ClientTelemetry reporter).
  if (!telemetry) throw new Error('client telemetry request without the telemetry option');
  return telemetry;
}

/** Answers GetTelemetrySubscriptions with the cluster's subscription. */
export const handleGetTelemetrySubscriptions: Handler<'GetTelemetrySubscriptions'> = (context, request) => {
  const telemetry = telemetryOf(context);
  const instanceId = telemetry.instanceFor(request.clientInstanceId);
  const { subscription, subscriptionId } = telemetry;
  telemetry.subscriptionRequests.push({
    brokerId: context.brokerId,
    clientInstanceId: request.clientInstanceId,
    assignedInstanceId: instanceId,
    subscriptionId,
    receivedAt: Date.now(),
  });
  return {
    response: {
      throttleTimeMs: 0,
      errorCode: ErrorCode.NONE,
      // Kafka answers the assigned id only to a request that carried the zero Uuid.
      clientInstanceId: instanceId === request.clientInstanceId ? ZERO_UUID : instanceId,
      subscriptionId,
      acceptedCompressionTypes: [...subscription.acceptedCompressionTypes],
      pushIntervalMs: subscription.pushIntervalMs,
      telemetryMaxBytes: subscription.telemetryMaxBytes,
      deltaTemporality: subscription.deltaTemporality,
      requestedMetrics: [...subscription.requestedMetrics],
    },
  };
};

/** Checks and records one push. */
export const handlePushTelemetry: Handler<'PushTelemetry'> = async (context, request) => {
  const telemetry = telemetryOf(context);
  const { subscription } = telemetry;
  let errorCode: number = ErrorCode.NONE;
  let data: ReturnType<TelemetryBroker['decode']>;
  if (!telemetry.isActive(request.clientInstanceId)) {
    // Unknown instance, or one that already sent its terminating push.
    errorCode = ErrorCode.INVALID_REQUEST;
  } else if (request.subscriptionId !== telemetry.subscriptionId) {
    errorCode = ErrorCode.UNKNOWN_SUBSCRIPTION_ID;
  } else if (request.compressionType !== 0 && !subscription.acceptedCompressionTypes.includes(request.compressionType)) {
    errorCode = ErrorCode.UNSUPPORTED_COMPRESSION_TYPE;
  } else if (request.metrics.length > subscription.telemetryMaxBytes) {
    errorCode = ErrorCode.TELEMETRY_TOO_LARGE;
  } else {
    const payload = await decompress(request.compressionType, request.metrics);
    data = payload === undefined ? undefined : telemetry.decode(payload);
    if (data === undefined) errorCode = ErrorCode.INVALID_RECORD;
  }
  if (errorCode === ErrorCode.NONE && request.terminating) telemetry.terminate(request.clientInstanceId);
  telemetry.pushes.push({
    brokerId: context.brokerId,
    clientInstanceId: request.clientInstanceId,
    subscriptionId: request.subscriptionId,
    terminating: request.terminating,
    compressionType: request.compressionType,
    payloadBytes: request.metrics.length,
    data,
    errorCode,
    receivedAt: Date.now(),
  });
  return { response: { throttleTimeMs: 0, errorCode } };
};

async function decompress(type: number, bytes: Buffer): Promise<Buffer | undefined> {
  if (type === 0) return bytes;
  const name = COMPRESSION_NAMES[type];
  if (name === undefined) return undefined;
  try {
    return await decompressWith(await resolveCodec(name), bytes);
  } catch {
    return undefined;
  }
}
