// KIP-714 client telemetry: asks a broker which metrics it wants (GetTelemetrySubscriptions) and
// pushes them every PushIntervalMs (PushTelemetry), over a connection of its own so that it never
// takes an in-flight slot from Produce requests, and never fails or holds up a send: every error
// here is logged and retried later, or turns the feature off.
//
// The cycle: subscribe (the first request carries the zero client instance id; the broker assigns
// one, kept for the producer's life) -> first push after a random 0.5-1.5 x interval, so that many
// clients started together spread their pushes -> push every interval -> on close, one last push
// with Terminating set. A broker that does not advertise both APIs turns the feature off for good,
// with one debug line.

import type { Cluster } from '../../cluster/cluster.js';
import { ErrorCode } from '../../errors/broker-error-codes.js';
import type { Connection, LogSink } from '../../network/connection.js';
import { apiSpecs, type GetTelemetrySubscriptionsResponseData } from '../../protocol/index.js';
import { type CodecOverrides, type CompressedType, type CompressionCodec, compressWith, resolveCodec } from '../../records/index.js';
import { encodeMetricsData } from './otlp-metrics.js';
import { type MetricsReading, TelemetryMetrics } from './telemetry-metrics.js';

/** The zero Uuid: the client instance id of the first GetTelemetrySubscriptions request. */
export const ZERO_UUID = '00000000-0000-0000-0000-000000000000';

// Compression type ids of the protocol (as in a record batch's attributes).
const COMPRESSION_NAMES: Readonly<Record<number, CompressedType>> = { 1: 'gzip', 2: 'snappy', 3: 'lz4', 4: 'zstd' };
const NO_COMPRESSION = 0;
// Waits after failures that are not the broker's answer to a push: the first, doubled up to the cap.
const RETRY_FIRST_MS = 1_000;
const RETRY_MAX_MS = 60_000;
// Rejected pushes (too large, undecodable) back off from one interval, doubled up to this many.
const MAX_BACKOFF_INTERVALS = 16;

export interface ClientTelemetryOptions {
  readonly cluster: Cluster;
  readonly clientId: string;
  readonly transactionalId: string | undefined;
  readonly codecs: CodecOverrides | undefined;
  readonly requestTimeoutMs: number;
  /** Reads the producer's metrics now. */
  readonly read: () => MetricsReading;
  readonly log: LogSink;
}

/** The subscription the broker sent, with the codec chosen among those it accepts. */
interface Subscription {
  readonly id: number;
  readonly intervalMs: number;
  readonly maxBytes: number;
  readonly delta: boolean;
  readonly requested: readonly string[];
  readonly compressionType: number;
  readonly codec: CompressionCodec | undefined;
}

/** The client telemetry of one producer; made only when `enableMetricsPush` is on. */
export class ClientTelemetry {
  private readonly options: ClientTelemetryOptions;
  private readonly metrics = new TelemetryMetrics(BigInt(Date.now()) * 1_000_000n);
  private clientInstanceId = ZERO_UUID;
  private subscription: Subscription | undefined;
  private connection: Connection | undefined;
  private timer: NodeJS.Timeout | undefined;
  /** The request or step running now, awaited by close(). */
  private running: Promise<void> | undefined;
  private failures = 0;
  private rejectedPushes = 0;
  private started = false;
  private stopped = false;

  constructor(options: ClientTelemetryOptions) {
    this.options = options;
  }

  /** The client instance id the broker assigned (the zero Uuid before the first subscription). */
  get instanceId(): string {
    return this.clientInstanceId;
  }

  /** Starts the cycle (once the producer starts); the first step is the subscription. */
  start(): void {
    if (this.started || this.stopped) return;
    this.started = true;
    this.schedule(0, () => this.subscribe());
  }

  /**
   * Stops the cycle: sends the terminating push when the subscription asks for metrics (waiting at
   * most `timeoutMs`), then closes the connection.
   */
  async close(timeoutMs: number): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    const deadline = Date.now() + timeoutMs;
    if (this.running) await within(this.running.catch(() => undefined), timeoutMs);
    const remaining = Math.min(this.options.requestTimeoutMs, deadline - Date.now());
    if (this.subscription && this.subscription.requested.length > 0 && this.connection?.isReady && remaining > 0) {
      await this.push(true, remaining).catch((error: unknown) =>
        this.options.log('debug', 'the terminating telemetry push failed', { error: String(error) }),
      );
    }
    this.connection?.close();
    this.connection = undefined;
  }

  private schedule(delayMs: number, step: () => Promise<void>): void {
    if (this.stopped) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.running = step()
        .catch((error: unknown) => this.onFailure(error))
        .finally(() => {
          this.running = undefined;
        });
    }, delayMs);
    // Telemetry alone never keeps the process alive.
    this.timer.unref();
  }

  // Trouble with the connection or an unexpected answer: a new connection and a new subscription
  // after a growing wait (the client instance id is kept).
  private onFailure(error: unknown): void {
    this.options.log('debug', 'client telemetry failed; retrying', { error: String(error) });
    this.connection?.close();
    this.connection = undefined;
    this.subscription = undefined;
    const delay = Math.min(RETRY_MAX_MS, RETRY_FIRST_MS * 2 ** this.failures);
    this.failures++;
    this.schedule(delay, () => this.subscribe());
  }

  // The connection, opened when needed; undefined when the broker does not serve client telemetry
  // (the feature is then off for good).
  private async ready(): Promise<Connection | undefined> {
    if (this.connection?.isReady) return this.connection;
    this.connection?.close();
    const connection = await this.options.cluster.openSeparateConnection();
    if (this.stopped) {
      connection.close();
      return undefined;
    }
    const ranges = connection.apiVersions;
    if (!ranges.has(apiSpecs.GetTelemetrySubscriptions.apiKey) || !ranges.has(apiSpecs.PushTelemetry.apiKey)) {
      connection.close();
      this.stopped = true;
      this.options.log('debug', 'the broker does not serve client telemetry (KIP-714); enableMetricsPush has no effect', {
        broker: connection.address,
      });
      return undefined;
    }
    this.connection = connection;
    return connection;
  }

  private async subscribe(): Promise<void> {
    const connection = await this.ready();
    if (!connection) return;
    const response = await connection.request('GetTelemetrySubscriptions', { clientInstanceId: this.clientInstanceId });
    if (this.stopped) return;
    if (response.errorCode !== ErrorCode.NONE) {
      const retryMs = response.errorCode === ErrorCode.THROTTLING_QUOTA_EXCEEDED && this.subscription ? this.subscription.intervalMs : this.nextRetryMs();
      this.options.log('debug', 'GetTelemetrySubscriptions failed; retrying', { errorCode: response.errorCode, retryMs });
      this.schedule(retryMs, () => this.subscribe());
      return;
    }
    this.failures = 0;
    if (response.clientInstanceId !== ZERO_UUID) this.clientInstanceId = response.clientInstanceId;
    this.subscription = await this.toSubscription(response);
    const { intervalMs, requested, compressionType } = this.subscription;
    this.options.log('debug', 'client telemetry subscription', {
      clientInstanceId: this.clientInstanceId,
      subscriptionId: response.subscriptionId,
      intervalMs,
      requestedMetrics: requested,
      acceptedCompressionTypes: response.acceptedCompressionTypes,
      compressionType,
    });
    // Nothing requested: ask again an interval later, in case the broker's subscriptions change.
    if (requested.length === 0) this.schedule(intervalMs, () => this.subscribe());
    else this.schedule(Math.round(intervalMs * (0.5 + Math.random())), () => this.pushStep());
  }

  private nextRetryMs(): number {
    const delay = Math.min(RETRY_MAX_MS, RETRY_FIRST_MS * 2 ** this.failures);
    this.failures++;
    return delay;
  }

  // The first accepted type the producer can compress with (the broker lists them in its order of
  // preference); none when it accepts none of them, or only types whose optional package is missing.
  private async toSubscription(response: GetTelemetrySubscriptionsResponseData): Promise<Subscription> {
    let compressionType = NO_COMPRESSION;
    let codec: CompressionCodec | undefined;
    for (const type of response.acceptedCompressionTypes) {
      const name = COMPRESSION_NAMES[type];
      if (name === undefined) continue;
      try {
        codec = await resolveCodec(name, this.options.codecs);
        compressionType = type;
        break;
      } catch {
        // This codec's optional package is not installed: try the next type.
      }
    }
    return {
      id: response.subscriptionId,
      intervalMs: Math.max(1, response.pushIntervalMs),
      maxBytes: response.telemetryMaxBytes,
      delta: response.deltaTemporality,
      requested: response.requestedMetrics,
      compressionType,
      codec,
    };
  }

  private async pushStep(): Promise<void> {
    const subscription = this.subscription;
    if (!subscription) return this.subscribe();
    const errorCode = await this.push(false, this.options.requestTimeoutMs);
    if (this.stopped || errorCode === undefined) return;
    switch (errorCode) {
      case ErrorCode.NONE:
        this.rejectedPushes = 0;
        this.schedule(subscription.intervalMs, () => this.pushStep());
        return;
      case ErrorCode.UNKNOWN_SUBSCRIPTION_ID:
      case ErrorCode.UNSUPPORTED_COMPRESSION_TYPE:
        // The broker's subscriptions changed: fetch the new one now.
        this.options.log('debug', 'telemetry subscription changed; fetching it again', { errorCode });
        this.subscription = undefined;
        this.schedule(0, () => this.subscribe());
        return;
      case ErrorCode.TELEMETRY_TOO_LARGE:
      case ErrorCode.INVALID_RECORD:
      case ErrorCode.INVALID_REQUEST: {
        const backoffMs = subscription.intervalMs * Math.min(MAX_BACKOFF_INTERVALS, 2 ** this.rejectedPushes);
        this.rejectedPushes++;
        this.options.log('warn', 'the broker rejected the telemetry push; backing off', { errorCode, backoffMs });
        this.schedule(backoffMs, () => this.pushStep());
        return;
      }
      // The push came before the interval was over, by the broker's clock: wait another one.
      case ErrorCode.THROTTLING_QUOTA_EXCEEDED:
        this.schedule(subscription.intervalMs, () => this.pushStep());
        return;
      default:
        this.options.log('debug', 'telemetry push failed; subscribing again', { errorCode });
        this.subscription = undefined;
        this.schedule(this.nextRetryMs(), () => this.subscribe());
    }
  }

  // One push of the subscribed metrics; resolves with the broker's error code, or undefined when
  // nothing was sent (the payload exceeds TelemetryMaxBytes: the next push is scheduled here).
  private async push(terminating: boolean, timeoutMs: number): Promise<number | undefined> {
    const subscription = this.subscription;
    const connection = this.connection;
    if (!subscription || !connection) throw new Error('no telemetry subscription');
    const timeNs = BigInt(Date.now()) * 1_000_000n;
    const { metrics, accepted } = this.metrics.collect(this.options.read(), subscription.requested, subscription.delta ? 'delta' : 'cumulative', timeNs);
    const resourceAttributes: Record<string, string> = { client_id: this.options.clientId };
    if (this.options.transactionalId !== undefined) resourceAttributes.transactional_id = this.options.transactionalId;
    const encoded = encodeMetricsData({ resourceAttributes, scopeName: 'kafka-producer', metrics });
    const payload = subscription.codec ? await compressWith(subscription.codec, encoded) : encoded;
    if (subscription.maxBytes > 0 && payload.length > subscription.maxBytes) {
      this.options.log('warn', 'the telemetry payload exceeds the broker limit; not pushed', { bytes: payload.length, telemetryMaxBytes: subscription.maxBytes });
      if (!terminating) this.schedule(subscription.intervalMs, () => this.pushStep());
      return undefined;
    }
    const response = await connection.request(
      'PushTelemetry',
      {
        clientInstanceId: this.clientInstanceId,
        subscriptionId: subscription.id,
        terminating,
        compressionType: subscription.compressionType,
        metrics: payload,
      },
      { timeoutMs },
    );
    if (response.errorCode === ErrorCode.NONE) accepted();
    return response.errorCode;
  }
}

// Waits for `promise`, at most `ms`.
async function within(promise: Promise<void>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([promise, new Promise<void>((resolve) => (timer = setTimeout(resolve, Math.max(0, ms))))]);
  clearTimeout(timer);
}
