// The client telemetry (KIP-714) side of the fake cluster: the subscription it hands out, the
// client instance ids it assigned, and every push it received, decompressed and decoded. As a
// Kafka broker, it checks each push: a known client instance that has not terminated, the current
// subscription id, an accepted compression type, the size limit, and a payload that decodes.
import { randomUUID } from 'node:crypto';
import type { ResolvedTelemetryOptions } from './options.js';
import { decodeMetricsData, type PushedMetricsData } from './otlp-decoder.js';

/** A GetTelemetrySubscriptions request the cluster received. */
export interface TelemetrySubscriptionRequest {
  readonly brokerId: number;
  /** The id the client sent (the zero Uuid on its first request). */
  readonly clientInstanceId: string;
  /** The id the client has after the answer (assigned when it sent the zero Uuid). */
  readonly assignedInstanceId: string;
  readonly subscriptionId: number;
  /** Date.now() when it arrived. */
  readonly receivedAt: number;
}

/** A PushTelemetry request the cluster received and checked. */
export interface TelemetryPush {
  readonly brokerId: number;
  readonly clientInstanceId: string;
  readonly subscriptionId: number;
  readonly terminating: boolean;
  /** Compression type id: 0 none, 1 gzip, 2 snappy, 3 lz4, 4 zstd. */
  readonly compressionType: number;
  /** Size of the payload as sent (compressed). */
  readonly payloadBytes: number;
  /** The decoded MetricsData; undefined when the push was refused before decoding. */
  readonly data: PushedMetricsData | undefined;
  /** The error code the cluster answered with (0 when it accepted the push). */
  readonly errorCode: number;
  readonly receivedAt: number;
}

/** The subscription the cluster hands out; see FakeTelemetryOptions. */
export type TelemetrySubscription = ResolvedTelemetryOptions;

/** The zero Uuid: the client instance id of a client's first request. */
export const ZERO_UUID = '00000000-0000-0000-0000-000000000000';

/** Telemetry state shared by every broker of the cluster. */
export class TelemetryBroker {
  subscription: TelemetrySubscription;
  /** Changes with every new subscription, so that pushes for an older one are refused. */
  subscriptionId = 1;
  readonly subscriptionRequests: TelemetrySubscriptionRequest[] = [];
  readonly pushes: TelemetryPush[] = [];
  /** Client instance ids handed out, and whether each has sent its terminating push. */
  private readonly instances = new Map<string, { terminated: boolean }>();

  constructor(subscription: TelemetrySubscription) {
    this.subscription = subscription;
  }

  /** Replaces the subscription (the next push of every client gets UNKNOWN_SUBSCRIPTION_ID). */
  resubscribe(subscription: TelemetrySubscription): void {
    this.subscription = subscription;
    this.subscriptionId++;
  }

  /** The client instance id for a request carrying `sent`: a new one for the zero Uuid. */
  instanceFor(sent: string): string {
    if (sent !== ZERO_UUID) {
      if (!this.instances.has(sent)) this.instances.set(sent, { terminated: false });
      return sent;
    }
    const assigned = randomUUID();
    this.instances.set(assigned, { terminated: false });
    return assigned;
  }

  /** Whether `instanceId` is known and has not terminated. */
  isActive(instanceId: string): boolean {
    const instance = this.instances.get(instanceId);
    return instance !== undefined && !instance.terminated;
  }

  /** Records the terminating push of `instanceId`. */
  terminate(instanceId: string): void {
    const instance = this.instances.get(instanceId);
    if (instance) instance.terminated = true;
  }

  /** Decodes a decompressed payload, or undefined when it is not a MetricsData message. */
  decode(payload: Buffer): PushedMetricsData | undefined {
    try {
      return decodeMetricsData(payload);
    } catch {
      return undefined;
    }
  }
}
