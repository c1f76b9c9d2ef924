// The error hierarchy every layer throws. `instanceof` works across the ESM and CommonJS copies of
// this package because every class checks a brand registered with Symbol.for, not its own identity.

const brand = Symbol.for('kafka-producer.error');
const kindBrand = Symbol.for('kafka-producer.error.kind');

/** Options shared by every {@link KafkaError}. */
export interface KafkaErrorOptions {
  /** Whether retrying the same operation may succeed. */
  retriable?: boolean;
  /** The broker's numeric error code, when a broker reported the error. */
  brokerErrorCode?: number;
  /** The broker's error name (e.g. `NOT_LEADER_OR_FOLLOWER`), when a broker reported the error. */
  brokerErrorName?: string;
  /** The underlying error. */
  cause?: unknown;
  /** For a record's error: true when the broker may have written it although the send failed. */
  possiblyPersisted?: boolean;
}

/**
 * Base class of every error this package raises.
 *
 * `code` is a stable string (e.g. `'DELIVERY_TIMEOUT'`) suitable for `switch` statements;
 * `retriable` says whether the same operation may succeed if tried again.
 */
export class KafkaError extends Error {
  /** Stable, machine-readable error code. */
  readonly code: string;
  /** Whether retrying the operation may succeed. */
  readonly retriable: boolean;
  /** The broker's numeric error code, when a broker reported the error. */
  readonly brokerErrorCode: number | undefined;
  /** The broker's error name, when a broker reported the error. */
  readonly brokerErrorName: string | undefined;
  /**
   * For the error of a record passed to `send()`: true when a request carrying it may have been
   * written by the broker (so resending it may duplicate it), false when it was certainly not written.
   */
  readonly possiblyPersisted: boolean;

  constructor(code: string, message: string, options: KafkaErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.retriable = options.retriable ?? false;
    this.brokerErrorCode = options.brokerErrorCode;
    this.brokerErrorName = options.brokerErrorName;
    this.possiblyPersisted = options.possiblyPersisted ?? false;
    Object.defineProperty(this, 'name', { value: kindName(new.target), enumerable: false });
    Object.defineProperty(this, brand, { value: true });
    Object.defineProperty(this, kindBrand, { value: collectKinds(new.target) });
  }

  static override [Symbol.hasInstance](value: unknown): boolean {
    if (typeof value !== 'object' || value === null) return false;
    const kinds = (value as Record<symbol, unknown>)[kindBrand];
    if (!(value as Record<symbol, unknown>)[brand] || !Array.isArray(kinds)) return false;
    return kinds.includes(kindName(this));
  }
}

// Each class carries a `kind` string; an error records the kinds of its whole class chain so that a
// check against any ancestor, from either module copy, succeeds.
function kindName(klass: Function): string {
  return Object.hasOwn(klass, 'kind') ? (klass as unknown as { kind: string }).kind : klass.name;
}

function collectKinds(klass: Function): string[] {
  const kinds: string[] = [];
  let current: Function | null = klass;
  while (current && current !== Error && current !== Object) {
    kinds.push(kindName(current));
    current = Object.getPrototypeOf(current) as Function | null;
  }
  return kinds;
}

/**
 * `error` as the error of records in another situation: the same error when its possiblyPersisted
 * already says so and there is no `note`, else a copy (same class, brand, code and broker fields)
 * with that possiblyPersisted and `note` added to its message. One error object may reject records
 * that were written and records that were not, so each gets its own.
 */
export function withPossiblyPersisted(error: KafkaError, possiblyPersisted: boolean, note?: string): KafkaError {
  if (error.possiblyPersisted === possiblyPersisted && note === undefined) return error;
  const copy = Object.create(Object.getPrototypeOf(error) as object) as KafkaError;
  Object.defineProperties(copy, Object.getOwnPropertyDescriptors(error));
  Object.defineProperty(copy, 'possiblyPersisted', { value: possiblyPersisted, enumerable: true });
  if (note !== undefined) Object.defineProperty(copy, 'message', { value: `${error.message} (${note})`, enumerable: false, writable: true, configurable: true });
  return copy;
}

/** `error` itself when it is a KafkaError, else a KafkaError with `code`, its message and it as the cause. */
export function kafkaErrorOf(error: unknown, code: string): KafkaError {
  return error instanceof KafkaError ? error : new KafkaError(code, error instanceof Error ? error.message : String(error), { cause: error });
}

/** An option passed to a constructor is invalid, or conflicts with another option. */
export class ConfigError extends KafkaError {
  static readonly kind: string = 'ConfigError';
  /** The option at fault. */
  readonly option: string;
  constructor(option: string, message: string) {
    super('INVALID_CONFIG', `Invalid option '${option}': ${message}`);
    this.option = option;
  }
}

/** A record passed to `send()` is invalid; nothing was sent. */
export class InvalidRecordError extends KafkaError {
  static readonly kind: string = 'InvalidRecordError';
  constructor(message: string, options: KafkaErrorOptions = {}) {
    super('INVALID_RECORD', message, options);
  }
}

/** A broker answered with an error code. */
export class BrokerError extends KafkaError {
  static readonly kind: string = 'BrokerError';
}

/**
 * Why a connection could not be opened or was lost: `dns` (the host name did not resolve), `refused`
 * (nothing listens on the port), `timeout` (no answer within `connectTimeoutMs`), `tls` (the TLS
 * handshake failed: the broker may not speak TLS, or not on that port), `closed` (the broker closed
 * it), `network` (any other socket error).
 */
export type ConnectionFailureReason = 'dns' | 'refused' | 'timeout' | 'tls' | 'closed' | 'network';

/** A connection to a broker failed or closed; requests pending on it did not get an answer. */
export class ConnectionError extends KafkaError {
  static readonly kind: string = 'ConnectionError';
  /** Why the connection failed, when it is known. */
  readonly reason: ConnectionFailureReason | undefined;
  constructor(message: string, options: KafkaErrorOptions & { reason?: ConnectionFailureReason } = {}) {
    super('CONNECTION_ERROR', message, { retriable: true, ...options });
    this.reason = options.reason;
  }
}

/**
 * No broker of the cluster has been reachable for a while (the producer's circuit breaker is
 * open): `send()` rejects at once instead of waiting `maxBlockMs`. `cause` is the last connection
 * error (a ConnectionError with its `reason`, or an AuthenticationError). Nothing of the record was
 * sent. Retriable: the producer keeps probing and accepts records again once a broker answers.
 */
export class ClusterUnavailableError extends KafkaError {
  static readonly kind: string = 'ClusterUnavailableError';
  constructor(message: string, options: KafkaErrorOptions = {}) {
    super('CLUSTER_UNAVAILABLE', message, { retriable: true, possiblyPersisted: false, ...options });
  }
}

/** A request could not be written because its connection was already closed: it never reached the broker. */
export class RequestNotSentError extends ConnectionError {
  static override readonly kind: string = 'RequestNotSentError';
}

/** A broker did not answer a request within `requestTimeoutMs`. */
export class RequestTimeoutError extends KafkaError {
  static readonly kind: string = 'RequestTimeoutError';
  constructor(message: string, options: KafkaErrorOptions = {}) {
    super('REQUEST_TIMEOUT', message, { retriable: true, ...options });
  }
}

/**
 * A record was not acknowledged within `deliveryTimeoutMs`.
 * `possiblyPersisted` is true when a request carrying it may have been written by the broker.
 */
export class DeliveryTimeoutError extends KafkaError {
  static readonly kind: string = 'DeliveryTimeoutError';
  constructor(message: string, possiblyPersisted: boolean, options: KafkaErrorOptions = {}) {
    super('DELIVERY_TIMEOUT', message, { ...options, possiblyPersisted });
  }
}

/** `bufferMemory` stayed full for longer than `maxBlockMs`. */
export class BufferExhaustedError extends KafkaError {
  static readonly kind: string = 'BufferExhaustedError';
  constructor(message: string) {
    super('BUFFER_EXHAUSTED', message, { retriable: true });
  }
}

/** Another producer with the same transactional id (or a newer epoch) took over; this one is fenced. */
export class ProducerFencedError extends KafkaError {
  static readonly kind: string = 'ProducerFencedError';
  constructor(message: string, options: KafkaErrorOptions = {}) {
    super('PRODUCER_FENCED', message, options);
  }
}

/** The current transaction was aborted; its records were not committed. */
export class TransactionAbortedError extends KafkaError {
  static readonly kind: string = 'TransactionAbortedError';
  constructor(message: string, options: KafkaErrorOptions = {}) {
    super('TRANSACTION_ABORTED', message, options);
  }
}

/** The producer was closed before the operation completed. */
export class ClosedError extends KafkaError {
  static readonly kind: string = 'ClosedError';
  constructor(message = 'The producer is closed') {
    super('CLOSED', message);
  }
}

/** A broker's response could not be decoded; the connection that carried it is closed. */
export class MalformedResponseError extends KafkaError {
  static readonly kind: string = 'MalformedResponseError';
  constructor(message: string, options: KafkaErrorOptions = {}) {
    super('MALFORMED_RESPONSE', message, { retriable: true, ...options });
  }
}

/** No API version is spoken by both this client and the broker. */
export class UnsupportedVersionError extends KafkaError {
  static readonly kind: string = 'UnsupportedVersionError';
  constructor(message: string) {
    super('UNSUPPORTED_VERSION', message);
  }
}

/**
 * Authentication failed: SASL (wrong credentials, or the broker does not offer the mechanism;
 * `stage` 'sasl') or the broker's TLS certificate was refused (`stage` 'tls').
 */
export class AuthenticationError extends KafkaError {
  static readonly kind: string = 'AuthenticationError';
  /** Which handshake refused the connection. */
  readonly stage: 'tls' | 'sasl';
  constructor(message: string, options: KafkaErrorOptions & { stage?: 'tls' | 'sasl' } = {}) {
    super('AUTHENTICATION_FAILED', message, options);
    this.stage = options.stage ?? 'sasl';
  }
}

/**
 * The first non-retriable KafkaError in the cause chain of `error` (e.g. an AuthenticationError
 * behind a "could not reach any broker" ConnectionError), if any.
 */
export function permanentCause(error: unknown): KafkaError | undefined {
  let current: unknown = error;
  for (let depth = 0; current !== undefined && depth < 8; depth++) {
    if (current instanceof KafkaError && !current.retriable) return current;
    current = current instanceof Error ? current.cause : undefined;
  }
  return undefined;
}
