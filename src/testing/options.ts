// The options of a FakeCluster and their defaults. Validation happens once, here, so the rest of the
// fake cluster reads resolved values only; invalid combinations fail at construction with a TypeError.
import type { ApiName } from '../protocol/index.js';

/** TLS settings of the brokers' listeners: a subset of node:tls server options. */
export interface FakeSslOptions {
  /** The brokers' private key, PEM. */
  readonly key: string | Buffer;
  /** The brokers' certificate (chain), PEM. Clients verify it against their `ca`. */
  readonly cert: string | Buffer;
  /** CAs that client certificates must chain to (with `requestCert`), PEM. */
  readonly ca?: string | Buffer | readonly (string | Buffer)[];
  /** Ask every client for a certificate and refuse those without a valid one (Kafka's `ssl.client.auth=required`). Default false. */
  readonly requestCert?: boolean;
}

/** A SASL mechanism the fake brokers can enable, spelled as in SaslHandshake. */
export type FakeSaslMechanism = 'PLAIN' | 'SCRAM-SHA-256' | 'SCRAM-SHA-512' | 'OAUTHBEARER';

/** Decides whether an OAUTHBEARER token (and its SASL extensions, KIP-342) is accepted. */
export type OAuthBearerValidator = (token: string, extensions: Readonly<Record<string, string>>) => boolean | Promise<boolean>;

/** SASL settings of the brokers: every connection must authenticate before any other request. */
export interface FakeSaslOptions {
  /** The enabled mechanisms, in the order SaslHandshake lists them. */
  readonly mechanisms: readonly FakeSaslMechanism[];
  /** Username to password, for PLAIN and SCRAM (SCRAM credentials get a random salt per user, 4096 iterations). */
  readonly users?: Readonly<Record<string, string>>;
  /** Accepts or refuses OAUTHBEARER tokens; default: every well-formed token is accepted. */
  readonly oauthBearerValidator?: OAuthBearerValidator;
  /**
   * The session lifetime granted by a successful authentication (Kafka's `connections.max.reauth.ms`,
   * KIP-368), for every mechanism or per mechanism: it is returned in SaslAuthenticate, the client
   * may re-authenticate on the same connection (SaslHandshake then SaslAuthenticate), and a
   * connection whose session has expired is closed when its next request arrives. Default 0: sessions
   * never expire, and a SaslHandshake after authentication is refused with ILLEGAL_SASL_STATE.
   */
  readonly sessionLifetimeMs?: number | Readonly<Partial<Record<FakeSaslMechanism, number>>>;
}

/** A topic that exists from the start. */
export interface FakeTopicConfig {
  /** Topic name (Kafka's rules: 1-249 characters among `a-z A-Z 0-9 . _ -`). */
  readonly name: string;
  /** Number of partitions; default the cluster's `defaultPartitions`. */
  readonly partitions?: number;
  /** Replicas per partition; default the cluster's `defaultReplicationFactor`. */
  readonly replicationFactor?: number;
  /** The topic's `min.insync.replicas`; default the cluster's `minInsyncReplicas`. */
  readonly minInsyncReplicas?: number;
  /** The topic's `max.message.bytes`; default the cluster's `maxMessageBytes`. */
  readonly maxMessageBytes?: number;
}

/** Options of {@link FakeCluster}. Every field is optional. */
export interface FakeClusterOptions {
  /** Number of brokers, with ids 1..N. Default 3. */
  readonly brokers?: number;
  /** Topics created at construction. */
  readonly topics?: readonly FakeTopicConfig[];
  /** Create unknown topics when a Metadata request asks for them and allows it (Kafka's `auto.create.topics.enable`). Default true. */
  readonly autoCreateTopics?: boolean;
  /** Partitions of auto-created topics and of CreateTopics requests asking for the default. Default 3. */
  readonly defaultPartitions?: number;
  /** Replication factor of auto-created topics. Default min(3, brokers). */
  readonly defaultReplicationFactor?: number;
  /** Kafka's `min.insync.replicas`: acks=all fails with NOT_ENOUGH_REPLICAS below it. Default 1, as Kafka. */
  readonly minInsyncReplicas?: number;
  /** Kafka's `message.max.bytes`: larger batches get MESSAGE_TOO_LARGE. Default 1048588, as Kafka. */
  readonly maxMessageBytes?: number;
  /** Highest version advertised (and accepted) per API, to act as an older broker, e.g. `{ Produce: 8 }`. */
  readonly maxVersions?: Partial<Record<ApiName, number>>;
  /** Listening address; only loopback addresses are accepted. Default '127.0.0.1'. */
  readonly host?: string;
  /** Port per broker (index 0 is broker 1); 0 or missing picks a free port. */
  readonly ports?: readonly number[];
  /** The cluster id reported by Metadata. Default 'fake-cluster'. */
  readonly clusterId?: string;
  /** Longest time a Fetch request is held waiting for data, whatever its maxWaitMs. Default 500. */
  readonly maxFetchWaitMs?: number;
  /** Kafka's `group.initial.rebalance.delay.ms`: how long a new group waits for more members. Default 100 (Kafka: 3000). */
  readonly groupInitialRebalanceDelayMs?: number;
  /** Kafka's `transaction.max.timeout.ms`. Default 900000. */
  readonly transactionMaxTimeoutMs?: number;
  /**
   * The cluster's `transaction.version` feature: 2 (the default, as a new Kafka 4.x cluster) serves
   * transactions v2 (KIP-890) to clients that ask for it with Produce v12, TxnOffsetCommit v5 and
   * EndTxn v5; 1 acts as a Kafka 3.x cluster, whose clients add partitions and offsets themselves.
   */
  readonly transactionVersion?: 1 | 2;
  /** Serve TLS instead of plain TCP. Default: plain TCP. */
  readonly ssl?: FakeSslOptions;
  /** Require SASL authentication on every connection. Default: none. */
  readonly sasl?: FakeSaslOptions;
  /**
   * Serve client telemetry (KIP-714: GetTelemetrySubscriptions and PushTelemetry) with this
   * subscription, as a Kafka broker with a ClientTelemetry metrics reporter and a client-metrics
   * subscription does. Default: not served, and not advertised in ApiVersions.
   */
  readonly telemetry?: FakeTelemetryOptions;
}

/** The client-metrics subscription the fake cluster hands out. */
export interface FakeTelemetryOptions {
  /** Metric name prefixes; `[]` subscribes to nothing, `['']` to everything. Default `['']`. */
  readonly requestedMetrics?: readonly string[];
  /** Push interval, ms. Default 300000 (Kafka's `interval.ms` default). */
  readonly pushIntervalMs?: number;
  /** Compression type ids accepted, in order of preference (1 gzip, 2 snappy, 3 lz4, 4 zstd). Default `[4, 3, 1, 2]`, as Kafka. */
  readonly acceptedCompressionTypes?: readonly number[];
  /** Whether counters are asked as deltas. Default true, as Kafka. */
  readonly deltaTemporality?: boolean;
  /** Largest payload accepted, bytes. Default 1048576 (Kafka's `telemetry.max.bytes`). */
  readonly telemetryMaxBytes?: number;
}

/** A telemetry subscription with every default applied. */
export interface ResolvedTelemetryOptions {
  readonly requestedMetrics: readonly string[];
  readonly pushIntervalMs: number;
  readonly acceptedCompressionTypes: readonly number[];
  readonly deltaTemporality: boolean;
  readonly telemetryMaxBytes: number;
}

/** Applies the defaults of a telemetry subscription and rejects invalid values. */
export function resolveTelemetryOptions(options: FakeTelemetryOptions): ResolvedTelemetryOptions {
  const resolved: ResolvedTelemetryOptions = {
    requestedMetrics: options.requestedMetrics ?? [''],
    pushIntervalMs: options.pushIntervalMs ?? 300_000,
    acceptedCompressionTypes: options.acceptedCompressionTypes ?? [4, 3, 1, 2],
    deltaTemporality: options.deltaTemporality ?? true,
    telemetryMaxBytes: options.telemetryMaxBytes ?? 1_048_576,
  };
  positiveInteger('telemetry.pushIntervalMs', resolved.pushIntervalMs);
  positiveInteger('telemetry.telemetryMaxBytes', resolved.telemetryMaxBytes);
  if (!Array.isArray(resolved.requestedMetrics) || !resolved.requestedMetrics.every((prefix) => typeof prefix === 'string')) {
    throw new TypeError('telemetry.requestedMetrics must be an array of metric name prefixes');
  }
  for (const type of resolved.acceptedCompressionTypes) {
    if (![1, 2, 3, 4].includes(type)) throw new TypeError(`telemetry.acceptedCompressionTypes: ${String(type)} is not 1 (gzip), 2 (snappy), 3 (lz4) or 4 (zstd)`);
  }
  return resolved;
}

/** Options with every default applied. */
export interface ResolvedOptions {
  readonly brokers: number;
  readonly topics: readonly FakeTopicConfig[];
  readonly autoCreateTopics: boolean;
  readonly defaultPartitions: number;
  readonly defaultReplicationFactor: number;
  readonly minInsyncReplicas: number;
  readonly maxMessageBytes: number;
  readonly maxVersions: Partial<Record<ApiName, number>>;
  readonly host: string;
  readonly ports: readonly number[];
  readonly clusterId: string;
  readonly maxFetchWaitMs: number;
  readonly groupInitialRebalanceDelayMs: number;
  readonly transactionMaxTimeoutMs: number;
  readonly transactionVersion: 1 | 2;
  readonly ssl: FakeSslOptions | undefined;
  readonly sasl: FakeSaslOptions | undefined;
  readonly telemetry: ResolvedTelemetryOptions | undefined;
}

const saslMechanisms: readonly FakeSaslMechanism[] = ['PLAIN', 'SCRAM-SHA-256', 'SCRAM-SHA-512', 'OAUTHBEARER'];

const loopbackHosts = new Set(['127.0.0.1', 'localhost', '::1']);

/** Applies defaults and rejects invalid values. */
export function resolveOptions(options: FakeClusterOptions): ResolvedOptions {
  const brokers = options.brokers ?? 3;
  positiveInteger('brokers', brokers);
  const host = options.host ?? '127.0.0.1';
  if (!loopbackHosts.has(host)) {
    throw new TypeError(`FakeCluster listens on loopback only; host '${host}' is not one of ${[...loopbackHosts].join(', ')}`);
  }
  const ports = options.ports ?? [];
  if (ports.length > brokers) throw new TypeError(`ports lists ${ports.length} ports for ${brokers} brokers`);
  const resolved: ResolvedOptions = {
    brokers,
    topics: options.topics ?? [],
    autoCreateTopics: options.autoCreateTopics ?? true,
    defaultPartitions: options.defaultPartitions ?? 3,
    defaultReplicationFactor: options.defaultReplicationFactor ?? Math.min(3, brokers),
    minInsyncReplicas: options.minInsyncReplicas ?? 1,
    maxMessageBytes: options.maxMessageBytes ?? 1_048_588,
    maxVersions: options.maxVersions ?? {},
    host,
    ports,
    clusterId: options.clusterId ?? 'fake-cluster',
    maxFetchWaitMs: options.maxFetchWaitMs ?? 500,
    groupInitialRebalanceDelayMs: options.groupInitialRebalanceDelayMs ?? 100,
    transactionMaxTimeoutMs: options.transactionMaxTimeoutMs ?? 900_000,
    transactionVersion: options.transactionVersion ?? 2,
    ssl: options.ssl === undefined ? undefined : checkSsl(options.ssl),
    sasl: options.sasl === undefined ? undefined : checkSasl(options.sasl),
    telemetry: options.telemetry === undefined ? undefined : resolveTelemetryOptions(options.telemetry),
  };
  positiveInteger('defaultPartitions', resolved.defaultPartitions);
  positiveInteger('defaultReplicationFactor', resolved.defaultReplicationFactor);
  positiveInteger('minInsyncReplicas', resolved.minInsyncReplicas);
  positiveInteger('maxMessageBytes', resolved.maxMessageBytes);
  if (resolved.transactionVersion !== 1 && resolved.transactionVersion !== 2) {
    throw new TypeError(`transactionVersion must be 1 or 2, got ${String(resolved.transactionVersion)}`);
  }
  if (resolved.defaultReplicationFactor > brokers) {
    throw new TypeError(`defaultReplicationFactor ${resolved.defaultReplicationFactor} exceeds the ${brokers} brokers`);
  }
  return resolved;
}

function positiveInteger(name: string, value: number): void {
  if (!Number.isInteger(value) || value < 1) throw new TypeError(`${name} must be a positive integer, got ${value}`);
}

function checkSsl(ssl: FakeSslOptions): FakeSslOptions {
  const pem = (value: unknown) => typeof value === 'string' || Buffer.isBuffer(value);
  if (typeof ssl !== 'object' || ssl === null) throw new TypeError('ssl must be an object with key and cert');
  if (!pem(ssl.key)) throw new TypeError('ssl.key must be a PEM string or Buffer');
  if (!pem(ssl.cert)) throw new TypeError('ssl.cert must be a PEM string or Buffer');
  if (ssl.ca !== undefined && !pem(ssl.ca) && !(Array.isArray(ssl.ca) && ssl.ca.every(pem))) {
    throw new TypeError('ssl.ca must be a PEM string or Buffer, or an array of them');
  }
  return ssl;
}

function checkSasl(sasl: FakeSaslOptions): FakeSaslOptions {
  if (typeof sasl !== 'object' || sasl === null || !Array.isArray(sasl.mechanisms) || sasl.mechanisms.length === 0) {
    throw new TypeError(`sasl.mechanisms must list at least one of ${saslMechanisms.join(', ')}`);
  }
  for (const mechanism of sasl.mechanisms) {
    if (!saslMechanisms.includes(mechanism)) throw new TypeError(`sasl.mechanisms: unknown mechanism '${String(mechanism)}'; expected ${saslMechanisms.join(', ')}`);
  }
  if (new Set(sasl.mechanisms).size !== sasl.mechanisms.length) throw new TypeError('sasl.mechanisms lists a mechanism twice');
  for (const [username, password] of Object.entries(sasl.users ?? {})) {
    if (typeof password !== 'string') throw new TypeError(`sasl.users: the password of '${username}' must be a string`);
  }
  if (sasl.oauthBearerValidator !== undefined && typeof sasl.oauthBearerValidator !== 'function') {
    throw new TypeError('sasl.oauthBearerValidator must be a function');
  }
  checkSessionLifetime(sasl.sessionLifetimeMs);
  return sasl;
}

function checkSessionLifetime(lifetime: FakeSaslOptions['sessionLifetimeMs']): void {
  if (lifetime === undefined) return;
  const valid = (value: unknown) => typeof value === 'number' && Number.isInteger(value) && value >= 0;
  if (typeof lifetime === 'number') {
    if (!valid(lifetime)) throw new TypeError(`sasl.sessionLifetimeMs must be an integer >= 0 (milliseconds); got ${lifetime}`);
    return;
  }
  if (typeof lifetime !== 'object' || lifetime === null) throw new TypeError('sasl.sessionLifetimeMs must be a number or an object by mechanism');
  for (const [mechanism, value] of Object.entries(lifetime)) {
    if (!saslMechanisms.includes(mechanism as FakeSaslMechanism)) {
      throw new TypeError(`sasl.sessionLifetimeMs: unknown mechanism '${mechanism}'; expected ${saslMechanisms.join(', ')}`);
    }
    if (!valid(value)) throw new TypeError(`sasl.sessionLifetimeMs.${mechanism} must be an integer >= 0 (milliseconds); got ${String(value)}`);
  }
}
