// The shapes users pass to send() and get back, and their validation and serialization into
// bytes. Invalid records throw InvalidRecordError before anything is queued or sent.
import { InvalidRecordError } from '../errors/kafka-error.js';
import { utf8Length } from '../records/record-encoding.js';
import type { Serializer } from './options.js';

/** A key, value or header value: bytes, a string (written as UTF-8) or null. */
export type RecordValue = Buffer | Uint8Array | string | null;

/** Record headers: an object (an array value repeats the key) or `[key, value]` pairs. */
export type RecordHeaders = Readonly<Record<string, RecordValue | readonly RecordValue[] | undefined>> | readonly (readonly [string, RecordValue])[];

/** One message of a `send({ topic, messages })` call (KafkaJS shape). */
export interface Message {
  key?: unknown;
  value: unknown;
  headers?: RecordHeaders | undefined;
  /** Explicit partition; wins over the partitioner. */
  partition?: number | undefined;
  /** Create time in ms since the epoch, or a Date. Default: now. */
  timestamp?: number | Date | string | undefined;
}

/** One record for `send()`. */
export interface ProducerRecord extends Message {
  topic: string;
}

/** Several records to one topic, in order (KafkaJS shape). */
export interface TopicMessages {
  topic: string;
  messages: readonly Message[];
}

/** Where a record was written. */
export interface RecordMetadata {
  readonly topic: string;
  readonly partition: number;
  /** The record's offset; -1n when acks is 0 (no acknowledgement). */
  readonly offset: bigint;
  /** The record's timestamp: its create time, or the broker's log-append time when the topic uses it. */
  readonly timestamp: number;
}

/** A record after validation and serialization, ready for the accumulator. */
export interface SerializedRecord {
  readonly key: Buffer | string | null;
  readonly value: Buffer | string | null;
  readonly headers: readonly (readonly [string, Buffer | null])[] | undefined;
  readonly timestamp: number;
  readonly partition: number | undefined;
  /** Exact UTF-8/byte length of key and value (for sizing and partitioning). */
  readonly keySize: number;
  readonly valueSize: number;
  readonly headersSize: number;
}

/**
 * The one shape every SerializedRecord of the producer has, so that the code appending records
 * sees a single object layout. Its fields are writable so that the single-record send() path can
 * reuse one instance for record after record, copying it only when the record has to wait.
 */
export class SerializedRecordFields implements SerializedRecord {
  key: Buffer | string | null = null;
  value: Buffer | string | null = null;
  headers: readonly (readonly [string, Buffer | null])[] | undefined = undefined;
  timestamp = 0;
  partition: number | undefined = undefined;
  keySize = 0;
  valueSize = 0;
  headersSize = 0;

  /** A new record with the same fields (for a record that outlives the reused instance). */
  copy(): SerializedRecordFields {
    const copy = new SerializedRecordFields();
    copy.key = this.key;
    copy.value = this.value;
    copy.headers = this.headers;
    copy.timestamp = this.timestamp;
    copy.partition = this.partition;
    copy.keySize = this.keySize;
    copy.valueSize = this.valueSize;
    copy.headersSize = this.headersSize;
    return copy;
  }
}

const TOPIC_PATTERN = /^[a-zA-Z0-9._-]{1,249}$/;

/** Throws InvalidRecordError unless `topic` is a legal Kafka topic name. */
export function checkTopic(topic: unknown): asserts topic is string {
  if (typeof topic !== 'string' || !TOPIC_PATTERN.test(topic) || topic === '.' || topic === '..') {
    throw new InvalidRecordError(
      `Invalid topic ${JSON.stringify(topic)}: a topic name is 1 to 249 characters of a-z, A-Z, 0-9, '.', '_' or '-'`,
    );
  }
}

/**
 * Validates and serializes one message into `target` (a new record unless given). Every field of
 * `target` is written after the serializers have run, so a serializer may itself call send().
 */
export function serializeRecord(
  topic: string,
  message: Message,
  keySerializer: Serializer | undefined,
  valueSerializer: Serializer | undefined,
  now: number,
  target: SerializedRecordFields = new SerializedRecordFields(),
  withTopic = false,
): SerializedRecordFields {
  if (typeof message !== 'object' || message === null) {
    throw new InvalidRecordError(`Invalid record for topic '${topic}': expected an object with a value`);
  }
  const unknown = unknownField(message, withTopic);
  if (unknown !== undefined) throw unknownFieldError(unknown, topic, withTopic ? RECORD_FIELDS : MESSAGE_FIELDS);
  if (message.value === undefined) {
    throw new InvalidRecordError(`The record for topic '${topic}' has no value: set value (null for a tombstone, a record that deletes its key)`, {
      possiblyPersisted: false,
    });
  }
  const key = toBytes(message.key === undefined ? null : message.key, keySerializer, topic, 'key');
  const value = toBytes(message.value === undefined ? null : message.value, valueSerializer, topic, 'value');
  const partition = message.partition;
  if (partition !== undefined && (!Number.isInteger(partition) || partition < 0 || partition > 0x7fffffff)) {
    throw new InvalidRecordError(`Invalid partition ${String(partition)} for topic '${topic}': expected an integer >= 0`);
  }
  const timestamp = toTimestamp(message.timestamp, now, topic);
  const headers = message.headers === undefined ? undefined : toHeaders(message.headers, topic);
  let headersSize = 0;
  if (headers) for (const [name, bytes] of headers) headersSize += Buffer.byteLength(name) + (bytes ? bytes.length : 0);
  target.key = key;
  target.value = value;
  target.headers = headers;
  target.timestamp = timestamp;
  target.partition = partition;
  target.keySize = byteSize(key);
  target.valueSize = byteSize(value);
  target.headersSize = headersSize;
  return target;
}

const RECORD_FIELDS = ['topic', 'key', 'value', 'headers', 'partition', 'timestamp'];
const MESSAGE_FIELDS = ['key', 'value', 'headers', 'partition', 'timestamp'];
const TOPIC_MESSAGES_FIELDS = ['topic', 'messages'];
// Options a KafkaJS send() takes per call; here they are producer options.
const PRODUCER_LEVEL = new Set(['acks', 'compression', 'timeout']);

// The first field of `record` that a record does not have (a typo such as `valu` would otherwise
// leave the value null), or undefined. A switch over the few own keys costs a few nanoseconds.
function unknownField(record: object, withTopic: boolean): string | undefined {
  for (const field in record) {
    switch (field) {
      case 'key':
      case 'value':
      case 'headers':
      case 'partition':
      case 'timestamp':
        continue;
      case 'topic':
        if (withTopic) continue;
        return field;
      default:
        if (Object.hasOwn(record, field)) return field;
    }
  }
  return undefined;
}

function unknownFieldError(field: string, topic: string, known: readonly string[]): InvalidRecordError {
  if (PRODUCER_LEVEL.has(field)) {
    return new InvalidRecordError(`'${field}' is a producer option, not a send() field: set it once in new Producer({ ${field}: ... }) (topic '${topic}')`, {
      possiblyPersisted: false,
    });
  }
  const guess = known.find((name) => name.startsWith(field.slice(0, 3)) || field.startsWith(name.slice(0, 3)));
  return new InvalidRecordError(
    `The record for topic '${topic}' has an unknown field '${field}'${guess ? ` (did you mean '${guess}'?)` : ''}; its fields are ${known.join(', ')}`,
    { possiblyPersisted: false },
  );
}

/** Checks the fields of a `send({ topic, messages })` call (once per call, not per record). */
export function checkTopicMessages(input: object, topic: string): void {
  if ('value' in input || 'key' in input) {
    throw new InvalidRecordError(`send() got messages and ${'value' in input ? 'value' : 'key'} together for topic '${topic}': pass either { topic, messages: [...] } or { topic, key, value }`, {
      possiblyPersisted: false,
    });
  }
  for (const field of Object.keys(input)) {
    if (!TOPIC_MESSAGES_FIELDS.includes(field)) throw unknownFieldError(field, topic, TOPIC_MESSAGES_FIELDS);
  }
}

function byteSize(value: Buffer | string | null): number {
  if (value === null) return 0;
  return typeof value === 'string' ? utf8Length(value) : value.length;
}

function toBytes(value: unknown, serializer: Serializer | undefined, topic: string, what: string): Buffer | string | null {
  if (value === null || typeof value === 'string' || Buffer.isBuffer(value)) {
    return value as Buffer | string | null;
  }
  if (value instanceof Uint8Array) return Buffer.from(value.buffer, value.byteOffset, value.byteLength);
  if (serializer) {
    const serialized = serializer(value, topic);
    if (serialized === null || typeof serialized === 'string' || Buffer.isBuffer(serialized)) return serialized;
    if (serialized instanceof Uint8Array) return Buffer.from(serialized.buffer, serialized.byteOffset, serialized.byteLength);
    throw new InvalidRecordError(`The ${what} serializer for topic '${topic}' returned ${typeof serialized}, expected bytes, a string or null`);
  }
  throw new InvalidRecordError(
    `Invalid ${what} for topic '${topic}': expected Buffer, Uint8Array, string or null, got ${typeof value} (set ${what}Serializer to send other types)`,
  );
}

function toTimestamp(value: Message['timestamp'], now: number, topic: string): number {
  if (value === undefined) return now;
  const millis = value instanceof Date ? value.getTime() : typeof value === 'string' ? Number(value) : value;
  if (typeof millis !== 'number' || !Number.isSafeInteger(millis) || millis < 0) {
    throw new InvalidRecordError(`Invalid timestamp ${String(value)} for topic '${topic}': expected ms since the epoch or a Date`);
  }
  return millis;
}

function toHeaders(headers: RecordHeaders, topic: string): [string, Buffer | null][] {
  const result: [string, Buffer | null][] = [];
  const add = (name: unknown, value: unknown) => {
    if (typeof name !== 'string') throw new InvalidRecordError(`Invalid header name for topic '${topic}': expected a string`);
    if (value === null || value === undefined) result.push([name, null]);
    else if (typeof value === 'string') result.push([name, Buffer.from(value)]);
    else if (value instanceof Uint8Array) result.push([name, Buffer.from(value.buffer, value.byteOffset, value.byteLength)]);
    else throw new InvalidRecordError(`Invalid value of header '${name}' for topic '${topic}': expected Buffer, Uint8Array, string or null`);
  };
  if (Array.isArray(headers)) {
    for (const pair of headers as readonly unknown[]) {
      if (!Array.isArray(pair) || pair.length !== 2) {
        throw new InvalidRecordError(`Invalid headers for topic '${topic}': expected [key, value] pairs`);
      }
      add(pair[0], pair[1]);
    }
  } else if (typeof headers === 'object' && headers !== null) {
    for (const [name, value] of Object.entries(headers)) {
      if (Array.isArray(value)) for (const item of value) add(name, item);
      else add(name, value);
    }
  } else {
    throw new InvalidRecordError(`Invalid headers for topic '${topic}': expected an object or [key, value] pairs`);
  }
  return result;
}
