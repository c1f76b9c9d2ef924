// Every producer option, declared once: type, default, validation and meaning. Names are the Java
// producer's config names in camelCase with Kafka 4.x defaults. Unknown keys and conflicting
// combinations fail at construction with a ConfigError naming the option and the allowed values;
// nothing is silently rewritten.
import type { LookupFunction } from 'node:net';
import type { ConnectionOptions as TlsOptions } from 'node:tls';
import { ConfigError } from '../errors/kafka-error.js';
import { resolveJournalOptions } from '../journal/journal-options.js';
import type { SyncPolicy } from '../journal/segment-writer.js';
import type { SaslConfig } from '../network/sasl/authenticate.js';
import type { CodecOverrides } from '../records/index.js';
import { checkOpenTelemetryOption } from '../telemetry/open-telemetry/check-options.js';
import type { OpenTelemetryOptions } from '../telemetry/open-telemetry/open-telemetry-types.js';
import { checkLevelSupport, levelCheck } from './compression-level-options.js';
import { checkInterceptors, type ProducerInterceptor } from './interceptors/producer-interceptor.js';
import type { PartitionerFunction } from './partitioners/partitioner.js';

/**
 * The `journal` option: local files that keep every record until the broker acknowledges it, so
 * that a producer restarted after a crash (on the same directory) resends exactly what was not
 * acknowledged. See docs/durability.md.
 */
export interface ProducerJournalOptions {
  /** The journal's directory; created when missing. One producer uses a directory at a time. */
  directory: string;
  /**
   * When journal entries reach the disk: `'always'` (default) writes and fsyncs once per
   * event-loop turn that appended (group commit); `'interval'` every `syncIntervalMs`; `'none'`
   * writes without fsync (survives the process dying, not the machine).
   */
  sync?: SyncPolicy | undefined;
  /** Milliseconds between commits with `sync: 'interval'`. Default 5. */
  syncIntervalMs?: number | undefined;
  /**
   * Bytes the journal's files may hold (default 1 GiB): records wait for room, up to
   * `maxBlockMs`, beyond it. At least `segmentBytes`.
   */
  maxBytes?: number | undefined;
  /** A segment file is closed and a new one started past this size. Default 64 MiB. */
  segmentBytes?: number | undefined;
  /**
   * How long a journaled record may wait for its acknowledgement, in milliseconds from when it was
   * journaled (for a record recovered after a restart: from the last write to its segment file, so
   * an age is never overstated). Past it the record fails for good: it is settled in the journal
   * (never resent) and reported by the `'journal'` event `delivery-failed` with the error code
   * `JOURNAL_RECORD_EXPIRED`. At least `deliveryTimeoutMs`. Default: no limit (records wait for the
   * cluster as long as `maxBytes` holds them).
   */
  maxAgeMs?: number | undefined;
}

/** Compression of record batches. */
export type CompressionType = 'none' | 'gzip' | 'snappy' | 'lz4' | 'zstd';

/** Receives the producer's log lines. */
export interface Logger {
  debug?(message: string, context?: Record<string, unknown>): void;
  info?(message: string, context?: Record<string, unknown>): void;
  warn?(message: string, context?: Record<string, unknown>): void;
  error?(message: string, context?: Record<string, unknown>): void;
}

/** A key or value serializer: turns an application value into bytes. */
export type Serializer<T = unknown> = (value: T, topic: string) => Buffer | Uint8Array | string | null;

/**
 * When the producer stops waiting for an unreachable cluster: once no broker has been reachable
 * for `openAfterMs`, or after `openAfterFailures` connection attempts in a row failed while no
 * broker was connected, the producer is *unavailable*. Records already accepted keep their
 * `deliveryTimeoutMs`; a probe keeps reconnecting (with `reconnectBackoffMs` backoff) and the first
 * success makes the producer available again.
 */
export interface CircuitBreakerOptions {
  /** How long no broker may be reachable before the producer is unavailable. Default 10000. */
  openAfterMs?: number;
  /** Connection attempts in a row that fail, with no broker connected, before it is unavailable. Default 5. */
  openAfterFailures?: number;
  /**
   * What `send()` does while the producer is unavailable: `'reject'` (default) rejects at once, and
   * rejects the records still waiting for metadata or memory, with a ClusterUnavailableError
   * carrying the last connection error; `'wait'` waits up to `maxBlockMs` as if there were no breaker.
   */
  whenOpen?: 'reject' | 'wait';
}

/** Options of {@link Producer}. Only `bootstrapServers` is required. */
export interface ProducerOptions {
  /** Brokers to bootstrap from: `'host:port,host:port'` or an array of `'host:port'`. Required. */
  bootstrapServers: string | readonly string[];
  /** Client id sent with every request (appears in broker logs and quotas). Default `'kafka-producer'`. */
  clientId?: string;
  /** Acknowledgements required: `0` none, `1` the leader, `-1`/`'all'` every in-sync replica. Default `'all'`. */
  acks?: 0 | 1 | -1 | 'all';
  /** Idempotent writes: no duplicates and no reordering on retries. Requires acks `'all'`, retries > 0, maxInFlightRequestsPerConnection <= 5. Default `true`. */
  idempotence?: boolean;
  /** Retries of a failed batch; `deliveryTimeoutMs` is the real bound. Default `Number.MAX_SAFE_INTEGER`. */
  retries?: number;
  /** First backoff between retries, doubled per attempt with +/-20% jitter. Default 100. */
  retryBackoffMs?: number;
  /** Largest backoff between retries. Default 1000. */
  retryBackoffMaxMs?: number;
  /** Upper bound from `send()` to the record's settlement. Must be >= lingerMs + requestTimeoutMs. Default 120000. */
  deliveryTimeoutMs?: number;
  /** How long to wait for a broker's answer to one request. Default 30000. */
  requestTimeoutMs?: number;
  /** How long a batch waits for more records before it is sent. Default 5. */
  lingerMs?: number;
  /**
   * Largest size of one batch in bytes (uncompressed); a batch is sent once full or lingered. Memory
   * is reserved per record, not per batch, so a large value costs nothing under light traffic and
   * saves per-batch work under heavy traffic. Default 262144 (256 KiB).
   */
  batchSize?: number;
  /**
   * Memory for records waiting to be sent; `send()` waits up to `maxBlockMs` when it is full.
   * Full-size batch buffers are kept for reuse once their batches are done with them, up to half as
   * much again. Default 33554432.
   */
  bufferMemory?: number;
  /**
   * Records the producer holds at most in its batches (accepted, not yet acknowledged or failed),
   * whatever their size, like librdkafka's `queue.buffering.max.messages`: `bufferMemory` bounds
   * their bytes, this bounds their bookkeeping, which for small records outweighs the bytes. Past
   * it `send()` waits up to `maxBlockMs`, as for `bufferMemory`, while fewer than a quarter as many
   * records wait (beyond, a call rejects at once with BufferExhaustedError; the records of one
   * multi-record call wait together, within `bufferMemory`'s bytes). Default 32000: with the
   * default `bufferMemory`, a stalled broker then holds the producer's memory to about
   * `bufferMemory` + 16 MB.
   */
  maxBufferedRecords?: number;
  /** How long `send()` may wait for metadata or buffer memory before it rejects. Default 60000. */
  maxBlockMs?: number;
  /** Largest Produce request (and so largest record) in bytes. Default 1048576. */
  maxRequestSize?: number;
  /** Requests in flight per broker connection. Default 5. */
  maxInFlightRequestsPerConnection?: number;
  /** Batch compression. Default `'none'`. */
  compression?: CompressionType;
  /** gzip level (Java's `compression.gzip.level`): 1 (fastest) to 9 (smallest), or -1 for zlib's default, 6. Default -1. */
  compressionGzipLevel?: number | undefined;
  /**
   * lz4 level (Java's `compression.lz4.level`): 1 to 17. Default 9, LZ4's fast mode, as Java; the
   * built-in codec (`lz4-napi`) has that mode only, so another level needs your own `codecs.lz4`.
   */
  compressionLz4Level?: number | undefined;
  /** zstd level (Java's `compression.zstd.level`): -131072 (fastest) to 22 (smallest). Default 3. */
  compressionZstdLevel?: number | undefined;
  /** Partition choice: `'default'` (murmur2 for keys, sticky otherwise), `'murmur2'`, `'round-robin'`, or a function. Default `'default'`. */
  partitioner?: 'default' | 'murmur2' | 'round-robin' | PartitionerFunction;
  /**
   * Adaptive partitioning (Java's `partitioner.adaptive.partitioning.enable`, KIP-794): the default
   * partitioner sends the next batch of keyless records to a partition with a probability that
   * falls as the queue of batches waiting for its leader grows, so that keyless traffic moves away
   * from slow brokers. `false`: every partition with a leader is equally likely. Keyed records and
   * records with a partition are never moved. Applies to `partitioner: 'default'` only. Default true.
   */
  partitionerAdaptivePartitioning?: boolean;
  /**
   * With adaptive partitioning, keyless records avoid the partitions of a broker that has had
   * batches ready that it could not take (no connection, or every in-flight request unanswered)
   * for longer than this many ms (Java's `partitioner.availability.timeout.ms`). 0 turns this off.
   * Default 0.
   */
  partitionerAvailabilityTimeoutMs?: number;
  /** Enables transactions under this id (requires idempotence). Default none. */
  transactionalId?: string | undefined;
  /** Longest a transaction may stay open before the coordinator aborts it. Default 60000. */
  transactionTimeoutMs?: number;
  /** TLS: `true` for Node's defaults, or `tls.connect` options. Default none (plaintext). */
  ssl?: TlsOptions | boolean | undefined;
  /** SASL authentication. Default none. */
  sasl?: SaslConfig | undefined;
  /** Metadata is refreshed at least this often. Default 300000. */
  metadataMaxAgeMs?: number;
  /** First wait before reconnecting to a broker. Default 50. */
  reconnectBackoffMs?: number;
  /** Longest wait before reconnecting to a broker. Default 1000. */
  reconnectBackoffMaxMs?: number;
  /**
   * Time allowed to open a connection (host name resolution, TCP and TLS); ApiVersions and SASL
   * requests are bounded by requestTimeoutMs. Default 10000.
   */
  connectTimeoutMs?: number;
  /**
   * Resolves broker host names, with the signature of `dns.lookup` (the `lookup` option of
   * `net.connect`): a resolver with a cache, a service-discovery lookup, or a fixed mapping.
   * Its time counts against `connectTimeoutMs`. Default `dns.lookup`.
   */
  lookup?: LookupFunction | undefined;
  /** Whether sending to an unknown topic asks the broker to create it. Default `true`. */
  allowAutoTopicCreation?: boolean;
  /** Fail fast while the cluster is unreachable (see {@link CircuitBreakerOptions}); `false` turns it off (sends wait up to `maxBlockMs`). Default: on, with its defaults. */
  circuitBreaker?: CircuitBreakerOptions | false;
  /** Receives log lines. Default none. */
  logger?: Logger | undefined;
  /** Hooks that see each record before it is sent and each outcome, in order (see {@link ProducerInterceptor}). Default none. */
  interceptors?: readonly ProducerInterceptor[] | undefined;
  /**
   * OpenTelemetry spans for `send()`, trace context in the records' headers, and the producer's
   * metrics as instruments, through the optional package `@opentelemetry/api` (loaded only when
   * this is set). `true` uses the globally registered providers; an object may name its own (see
   * {@link OpenTelemetryOptions}). Default off.
   */
  openTelemetry?: boolean | OpenTelemetryOptions | undefined;
  /** Compression codecs replacing or adding to the built-in ones (KafkaJS codec interface). */
  codecs?: CodecOverrides | undefined;
  /** Serializes keys that are not Buffer, Uint8Array, string or null. */
  keySerializer?: Serializer | undefined;
  /** Serializes values that are not Buffer, Uint8Array, string or null. */
  valueSerializer?: Serializer | undefined;
  /** Length of one sample window of the windowed metrics (rates, averages, maxima), ms. Default 30000. */
  metricsSampleWindowMs?: number;
  /** Sample windows the windowed metrics cover. Default 2. */
  metricsNumSamples?: number;
  /**
   * Pushes the producer's metrics to a broker that asks for them (KIP-714 client telemetry), as
   * Java's `enable.metrics.push`. Default false, unlike Java: metrics leave the application only
   * when it asks for it.
   */
  enableMetricsPush?: boolean;
  /**
   * Keeps every record in local files until the broker acknowledges it (see
   * {@link ProducerJournalOptions} and docs/durability.md): a producer restarted on the same
   * directory after a crash resends exactly what was not acknowledged, and `enqueue()` resolves
   * once records are durable there. Needs idempotence, without `transactionalId`. Default off.
   */
  journal?: ProducerJournalOptions | undefined;
}

/** Options after defaults and validation. */
export interface ResolvedProducerOptions {
  readonly bootstrapServers: readonly string[];
  readonly clientId: string;
  readonly acks: 0 | 1 | -1;
  readonly idempotence: boolean;
  readonly retries: number;
  readonly retryBackoffMs: number;
  readonly retryBackoffMaxMs: number;
  readonly deliveryTimeoutMs: number;
  readonly requestTimeoutMs: number;
  readonly lingerMs: number;
  readonly batchSize: number;
  readonly bufferMemory: number;
  readonly maxBufferedRecords: number;
  readonly maxBlockMs: number;
  readonly maxRequestSize: number;
  readonly maxInFlightRequestsPerConnection: number;
  readonly compression: CompressionType;
  readonly compressionGzipLevel: number | undefined;
  readonly compressionLz4Level: number | undefined;
  readonly compressionZstdLevel: number | undefined;
  readonly partitioner: 'default' | 'murmur2' | 'round-robin' | PartitionerFunction;
  readonly partitionerAdaptivePartitioning: boolean;
  readonly partitionerAvailabilityTimeoutMs: number;
  readonly transactionalId: string | undefined;
  readonly transactionTimeoutMs: number;
  readonly ssl: TlsOptions | boolean | undefined;
  readonly sasl: SaslConfig | undefined;
  readonly metadataMaxAgeMs: number;
  readonly reconnectBackoffMs: number;
  readonly reconnectBackoffMaxMs: number;
  readonly connectTimeoutMs: number;
  readonly lookup: LookupFunction | undefined;
  readonly allowAutoTopicCreation: boolean;
  readonly circuitBreaker: Required<CircuitBreakerOptions> | false;
  readonly logger: Logger | undefined;
  readonly interceptors: readonly ProducerInterceptor[] | undefined;
  readonly openTelemetry: boolean | OpenTelemetryOptions | undefined;
  readonly codecs: CodecOverrides | undefined;
  readonly keySerializer: Serializer | undefined;
  readonly valueSerializer: Serializer | undefined;
  readonly metricsSampleWindowMs: number;
  readonly metricsNumSamples: number;
  readonly enableMetricsPush: boolean;
  readonly journal: ProducerJournalOptions | undefined;
}

type Check = (value: unknown, name: string) => void;

const integer = (min: number, max = Number.MAX_SAFE_INTEGER): Check => (value, name) => {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw new ConfigError(name, `expected an integer from ${min} to ${max}, got ${describe(value)}`);
  }
};
const oneOf = (allowed: readonly unknown[]): Check => (value, name) => {
  if (!allowed.includes(value)) {
    throw new ConfigError(name, `expected one of ${allowed.map(describe).join(', ')}, got ${describe(value)}`);
  }
};
const boolean: Check = (value, name) => {
  if (typeof value !== 'boolean') throw new ConfigError(name, `expected true or false, got ${describe(value)}`);
};
const nonEmptyString: Check = (value, name) => {
  if (typeof value !== 'string' || value.length === 0) {
    throw new ConfigError(name, `expected a non-empty string, got ${describe(value)}`);
  }
};
const objectOrUndefined: Check = (value, name) => {
  if (value !== undefined && (typeof value !== 'object' || value === null)) {
    throw new ConfigError(name, `expected an object, got ${describe(value)}`);
  }
};
const functionOrUndefined: Check = (value, name) => {
  if (value !== undefined && typeof value !== 'function') {
    throw new ConfigError(name, `expected a function, got ${describe(value)}`);
  }
};

// One declaration per option: default and check. Keys of this table are the accepted option names.
const declarations: { readonly [K in keyof ProducerOptions]-?: { default: unknown; check: Check } } = {
  bootstrapServers: { default: undefined, check: checkBootstrapServers },
  clientId: { default: 'kafka-producer', check: nonEmptyString },
  acks: { default: 'all', check: oneOf([0, 1, -1, 'all']) },
  idempotence: { default: true, check: boolean },
  retries: { default: Number.MAX_SAFE_INTEGER, check: integer(0) },
  retryBackoffMs: { default: 100, check: integer(0) },
  retryBackoffMaxMs: { default: 1000, check: integer(0) },
  deliveryTimeoutMs: { default: 120_000, check: integer(1) },
  requestTimeoutMs: { default: 30_000, check: integer(1, 2 ** 31 - 1) },
  lingerMs: { default: 5, check: integer(0) },
  batchSize: { default: 262_144, check: integer(0, 2 ** 30) },
  bufferMemory: { default: 32 * 1024 * 1024, check: integer(1024) },
  maxBufferedRecords: { default: 32_000, check: integer(1) },
  maxBlockMs: { default: 60_000, check: integer(0) },
  maxRequestSize: { default: 1_048_576, check: integer(1024, 2 ** 30) },
  maxInFlightRequestsPerConnection: { default: 5, check: integer(1, 1000) },
  compression: { default: 'none', check: oneOf(['none', 'gzip', 'snappy', 'lz4', 'zstd']) },
  compressionGzipLevel: { default: undefined, check: levelCheck('gzip') },
  compressionLz4Level: { default: undefined, check: levelCheck('lz4') },
  compressionZstdLevel: { default: undefined, check: levelCheck('zstd') },
  partitioner: {
    default: 'default',
    check: (value, name) => {
      if (typeof value !== 'function') oneOf(['default', 'murmur2', 'round-robin'])(value, name);
    },
  },
  partitionerAdaptivePartitioning: { default: true, check: boolean },
  partitionerAvailabilityTimeoutMs: { default: 0, check: integer(0, 2 ** 31 - 1) },
  transactionalId: {
    default: undefined,
    check: (value, name) => {
      if (value !== undefined) nonEmptyString(value, name);
    },
  },
  transactionTimeoutMs: { default: 60_000, check: integer(1, 2 ** 31 - 1) },
  ssl: {
    default: undefined,
    check: (value, name) => {
      if (typeof value !== 'boolean') objectOrUndefined(value, name);
    },
  },
  sasl: { default: undefined, check: checkSasl },
  metadataMaxAgeMs: { default: 300_000, check: integer(0) },
  reconnectBackoffMs: { default: 50, check: integer(0) },
  reconnectBackoffMaxMs: { default: 1000, check: integer(0) },
  connectTimeoutMs: { default: 10_000, check: integer(1) },
  lookup: { default: undefined, check: functionOrUndefined },
  allowAutoTopicCreation: { default: true, check: boolean },
  circuitBreaker: { default: {}, check: checkCircuitBreaker },
  logger: { default: undefined, check: objectOrUndefined },
  interceptors: { default: undefined, check: checkInterceptors },
  openTelemetry: { default: undefined, check: checkOpenTelemetryOption },
  codecs: { default: undefined, check: objectOrUndefined },
  keySerializer: { default: undefined, check: functionOrUndefined },
  valueSerializer: { default: undefined, check: functionOrUndefined },
  metricsSampleWindowMs: { default: 30_000, check: integer(1) },
  metricsNumSamples: { default: 2, check: integer(1, 1000) },
  enableMetricsPush: { default: false, check: boolean },
  journal: { default: undefined, check: checkJournal },
};

/** Applies defaults and validates; throws ConfigError naming the first bad option. */
export function resolveProducerOptions(options: ProducerOptions): ResolvedProducerOptions {
  if (typeof options !== 'object' || options === null) {
    throw new ConfigError('options', `expected an options object, got ${describe(options)}`);
  }
  for (const key of Object.keys(options)) {
    if (!Object.hasOwn(declarations, key)) {
      const known = Object.keys(declarations);
      const hint = known.find((name) => name.toLowerCase().startsWith(key.toLowerCase().slice(0, 5)));
      throw new ConfigError(key, `unknown option${hint ? ` (did you mean '${hint}'?)` : ''}; known options: ${known.join(', ')}`);
    }
  }
  const resolved: Record<string, unknown> = {};
  for (const [name, declaration] of Object.entries(declarations)) {
    const given = (options as unknown as Record<string, unknown>)[name];
    const value = given === undefined ? declaration.default : given;
    if (value !== undefined || name === 'bootstrapServers') declaration.check(value, name);
    resolved[name] = value;
  }
  resolved.bootstrapServers = splitServers(options.bootstrapServers);
  resolved.acks = resolved.acks === 'all' ? -1 : resolved.acks;
  const breaker = resolved.circuitBreaker as CircuitBreakerOptions | false;
  resolved.circuitBreaker = breaker === false ? false : { openAfterMs: 10_000, openAfterFailures: 5, whenOpen: 'reject', ...definedOnly(breaker) };
  const result = resolved as unknown as ResolvedProducerOptions;
  checkConflicts(result, options);
  return result;
}

function checkConflicts(options: ResolvedProducerOptions, given: ProducerOptions): void {
  if (options.idempotence) {
    const why = given.idempotence === undefined ? ' (idempotence is on by default; set idempotence: false to allow this)' : '';
    if (options.acks !== -1) {
      throw new ConfigError('acks', `must be 'all' (or -1) when idempotence is enabled, got ${describe(given.acks)}${why}`);
    }
    if (options.maxInFlightRequestsPerConnection > 5) {
      throw new ConfigError(
        'maxInFlightRequestsPerConnection',
        `must be from 1 to 5 when idempotence is enabled, got ${options.maxInFlightRequestsPerConnection}${why}`,
      );
    }
    if (options.retries === 0) {
      throw new ConfigError('retries', `must be at least 1 when idempotence is enabled, got 0${why}`);
    }
  }
  if (options.transactionalId !== undefined && !options.idempotence) {
    throw new ConfigError('transactionalId', 'requires idempotence: true (transactions are built on idempotent writes)');
  }
  if (options.journal !== undefined) {
    if (!options.idempotence) {
      throw new ConfigError('journal', 'requires idempotence: true (a restarted producer resends unacknowledged batches under their sequence numbers, so that the broker drops copies)');
    }
    if (options.transactionalId !== undefined) {
      throw new ConfigError('journal', 'cannot be used with transactionalId: a restarted transactional producer aborts the open transaction, so its journaled records could not be resent');
    }
    const { maxAgeMs } = options.journal;
    if (maxAgeMs !== undefined && maxAgeMs < options.deliveryTimeoutMs) {
      throw new ConfigError('journal.maxAgeMs', `must be at least deliveryTimeoutMs (${options.deliveryTimeoutMs}): a journaled record waits longer than one without a journal, got ${maxAgeMs}`);
    }
  }
  if (options.deliveryTimeoutMs < options.lingerMs + options.requestTimeoutMs) {
    throw new ConfigError(
      'deliveryTimeoutMs',
      `must be at least lingerMs + requestTimeoutMs (${options.lingerMs + options.requestTimeoutMs}), got ${options.deliveryTimeoutMs}`,
    );
  }
  if (options.retryBackoffMaxMs < options.retryBackoffMs) {
    throw new ConfigError('retryBackoffMaxMs', `must be at least retryBackoffMs (${options.retryBackoffMs}), got ${options.retryBackoffMaxMs}`);
  }
  if (options.reconnectBackoffMaxMs < options.reconnectBackoffMs) {
    throw new ConfigError(
      'reconnectBackoffMaxMs',
      `must be at least reconnectBackoffMs (${options.reconnectBackoffMs}), got ${options.reconnectBackoffMaxMs}`,
    );
  }
  checkLevelSupport(options);
  checkPartitionerOptions(options, given);
}

// The adaptive options tune the default partitioner; set for another, they would do nothing.
function checkPartitionerOptions(options: ResolvedProducerOptions, given: ProducerOptions): void {
  const other = options.partitioner !== 'default';
  const which = typeof options.partitioner === 'function' ? 'a partitioner function' : `partitioner '${String(options.partitioner)}'`;
  if (other && given.partitionerAdaptivePartitioning === true) {
    throw new ConfigError('partitionerAdaptivePartitioning', `applies to partitioner 'default' only, not to ${which}: leave it unset`);
  }
  if (options.partitionerAvailabilityTimeoutMs > 0) {
    if (other) throw new ConfigError('partitionerAvailabilityTimeoutMs', `applies to partitioner 'default' only, not to ${which}: leave it unset or 0`);
    if (!options.partitionerAdaptivePartitioning) {
      throw new ConfigError('partitionerAvailabilityTimeoutMs', 'needs partitionerAdaptivePartitioning: true (it tunes adaptive partitioning): leave it unset or 0');
    }
  }
}

const JOURNAL_KEYS = ['directory', 'sync', 'syncIntervalMs', 'maxBytes', 'segmentBytes', 'maxAgeMs'];

function checkJournal(value: unknown, name: string): void {
  if (value === undefined) return;
  if (typeof value !== 'object' || value === null) throw new ConfigError(name, `expected { directory, sync?, syncIntervalMs?, maxBytes?, segmentBytes?, maxAgeMs? }, got ${describe(value)}`);
  for (const key of Object.keys(value)) {
    if (!JOURNAL_KEYS.includes(key)) throw new ConfigError(`${name}.${key}`, `unknown option; known: ${JOURNAL_KEYS.join(', ')}`);
  }
  const { maxAgeMs, ...storage } = value as ProducerJournalOptions;
  if (maxAgeMs !== undefined && (typeof maxAgeMs !== 'number' || !Number.isSafeInteger(maxAgeMs) || maxAgeMs < 1)) {
    throw new ConfigError(`${name}.maxAgeMs`, `expected an integer of milliseconds, at least 1 (and at least deliveryTimeoutMs), got ${describe(maxAgeMs)}`);
  }
  // The journal's own checks, naming each field as journal.<field>.
  resolveJournalOptions(storage);
}

function checkBootstrapServers(value: unknown, name: string): void {
  const servers = typeof value === 'string' ? value.split(',') : Array.isArray(value) ? value : undefined;
  if (!servers || servers.length === 0) {
    throw new ConfigError(name, `expected 'host:port' strings (comma-separated or an array), got ${describe(value)}`);
  }
  for (const server of servers) {
    if (typeof server !== 'string' || !/^(\[[^\]]+\]|[^:\s]+):\d{1,5}$/.test(server.trim())) {
      throw new ConfigError(name, `expected 'host:port', got ${describe(server)}`);
    }
    const port = Number(server.trim().slice(server.trim().lastIndexOf(':') + 1));
    if (port < 1 || port > 65535) throw new ConfigError(name, `port ${port} of '${server.trim()}' is not from 1 to 65535`);
  }
}

function checkCircuitBreaker(value: unknown, name: string): void {
  if (value === false) return;
  if (typeof value !== 'object' || value === null) throw new ConfigError(name, `expected false or { openAfterMs?, openAfterFailures?, whenOpen? }, got ${describe(value)}`);
  const known = ['openAfterMs', 'openAfterFailures', 'whenOpen'];
  for (const key of Object.keys(value)) {
    if (!known.includes(key)) throw new ConfigError(`${name}.${key}`, `unknown option; known: ${known.join(', ')}`);
  }
  const breaker = value as Record<string, unknown>;
  if (breaker.openAfterMs !== undefined) integer(0)(breaker.openAfterMs, `${name}.openAfterMs`);
  if (breaker.openAfterFailures !== undefined) integer(1)(breaker.openAfterFailures, `${name}.openAfterFailures`);
  if (breaker.whenOpen !== undefined) oneOf(['reject', 'wait'])(breaker.whenOpen, `${name}.whenOpen`);
}

function definedOnly<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, entry]) => entry !== undefined)) as Partial<T>;
}

function splitServers(value: string | readonly string[]): string[] {
  const servers = typeof value === 'string' ? value.split(',') : [...value];
  return servers.map((server) => server.trim());
}

function checkSasl(value: unknown, name: string): void {
  if (value === undefined) return;
  objectOrUndefined(value, name);
  const sasl = value as { mechanism?: unknown; username?: unknown; password?: unknown; oauthBearerProvider?: unknown };
  oneOf(['plain', 'scram-sha-256', 'scram-sha-512', 'oauthbearer'])(sasl.mechanism, `${name}.mechanism`);
  if (sasl.mechanism === 'oauthbearer') {
    if (typeof sasl.oauthBearerProvider !== 'function') {
      throw new ConfigError(`${name}.oauthBearerProvider`, 'expected a function returning a promise of { value }');
    }
  } else {
    nonEmptyString(sasl.username, `${name}.username`);
    if (typeof sasl.password !== 'string') throw new ConfigError(`${name}.password`, 'expected a string');
  }
}

function describe(value: unknown): string {
  if (typeof value === 'string') return `'${value}'`;
  if (typeof value === 'function') return 'a function';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'object' && value !== null) return 'an object';
  return String(value);
}
