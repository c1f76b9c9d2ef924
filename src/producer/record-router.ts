// Where a record goes: the queue of its partition, once its topic's metadata is known, chosen by
// the partitioner when the record names none. A record that never can go anywhere (a topic that
// cannot be written, a partition that does not exist, a topic the brokers keep reporting as
// missing) gets its error instead; one whose topic is not known yet waits for metadata.
import type { Cluster } from '../cluster/cluster.js';
import { brokerErrorByCode, ErrorCode } from '../errors/broker-error-codes.js';
import { InvalidRecordError, KafkaError } from '../errors/kafka-error.js';
import type { Clock } from '../time/clock.js';
import type { PartitionState } from './accumulator/partition-state.js';
import type { RecordAccumulator } from './accumulator/record-accumulator.js';
import type { Partitioner } from './partitioners/partitioner.js';
import type { SerializedRecord } from './producer-record.js';

// Metadata errors after which waiting is pointless: the topic can never be written.
const FATAL_TOPIC_ERRORS = new Set<number>([ErrorCode.INVALID_TOPIC_EXCEPTION, ErrorCode.TOPIC_AUTHORIZATION_FAILED]);
// A topic the brokers keep reporting as not existing for this long is taken as missing: records for
// it fail then rather than at maxBlockMs. A topic just created elsewhere reaches every broker's
// metadata well within it; one the cluster would create on demand is reported as being created
// (LEADER_NOT_AVAILABLE), not as unknown.
const MISSING_TOPIC_AFTER_MS = 1000;

export interface RecordRouterDependencies {
  readonly cluster: Pick<Cluster, 'metadata'>;
  readonly accumulator: RecordAccumulator;
  readonly partitioner: Partitioner;
  readonly allowAutoTopicCreation: boolean;
  readonly maxBlockMs: number;
  readonly clock: Clock;
}

export class RecordRouter {
  private keyScratch = Buffer.allocUnsafe(256);
  /** Why the last metadata request failed, for the errors of records waiting for metadata. */
  metadataError: KafkaError | undefined;

  constructor(private readonly deps: RecordRouterDependencies) {}

  /** The partition queue `record` goes to; `wait-metadata` while its topic is unknown. */
  route(topic: string, record: SerializedRecord): PartitionState | 'wait-metadata' | KafkaError {
    const metadata = this.deps.cluster.metadata;
    const info = metadata.topics.get(topic);
    if (!info || info.partitions.length === 0) {
      const code = metadata.topicErrors.get(topic);
      if (code !== undefined && FATAL_TOPIC_ERRORS.has(code)) {
        const error = brokerErrorByCode(code);
        return new KafkaError(error.name, `Cannot send to topic '${topic}': ${error.name} (${code}): ${error.description}`, {
          brokerErrorCode: code,
          brokerErrorName: error.name,
        });
      }
      if (code === ErrorCode.UNKNOWN_TOPIC_OR_PARTITION) return this.missingTopic(topic) ?? 'wait-metadata';
      return 'wait-metadata';
    }
    const partitionCount = info.partitions.length;
    let partition = record.partition;
    if (partition === undefined) {
      partition = this.deps.partitioner.partition(topic, this.keyBytes(record), partitionCount, info.available, record.keySize);
      if (!Number.isInteger(partition) || partition < 0 || partition >= partitionCount) {
        return new InvalidRecordError(`The partitioner returned ${String(partition)} for topic '${topic}', which has ${partitionCount} partitions`);
      }
    } else if (partition >= partitionCount) {
      return new InvalidRecordError(`Partition ${partition} does not exist: topic '${topic}' has ${partitionCount} partitions`);
    }
    return this.deps.accumulator.queueFor(topic, partition);
  }

  /** The error of a record that waited maxBlockMs for its topic's metadata. */
  metadataTimeout(topic: string): KafkaError {
    return new KafkaError(
      'METADATA_TIMEOUT',
      `Topic '${topic}' is not in the cluster metadata after ${this.deps.maxBlockMs} ms (maxBlockMs)${this.describeTopicError(topic)}`,
      { retriable: true, ...(this.metadataError ? { cause: this.metadataError } : {}) },
    );
  }

  // The error of a record whose topic the brokers have kept reporting as not existing.
  private missingTopic(topic: string): KafkaError | undefined {
    const since = this.deps.cluster.metadata.unknownSince.get(topic);
    if (since === undefined || this.deps.clock.now() - since < MISSING_TOPIC_AFTER_MS) return undefined;
    const what = this.deps.allowAutoTopicCreation
      ? 'the cluster does not create topics on demand (auto.create.topics.enable=false): create it first'
      : 'allowAutoTopicCreation is false: create it first, or set allowAutoTopicCreation: true';
    return new KafkaError('UNKNOWN_TOPIC_OR_PARTITION', `Topic '${topic}' does not exist (the brokers reported UNKNOWN_TOPIC_OR_PARTITION for ${MISSING_TOPIC_AFTER_MS} ms) and ${what}`, {
      brokerErrorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION,
      brokerErrorName: 'UNKNOWN_TOPIC_OR_PARTITION',
      possiblyPersisted: false,
    });
  }

  private describeTopicError(topic: string): string {
    if (this.metadataError) return `; last error: ${this.metadataError.message}`;
    const code = this.deps.cluster.metadata.topicErrors.get(topic);
    if (code === undefined) return '';
    const error = brokerErrorByCode(code);
    return `; the broker reports ${error.name} (${code})`;
  }

  // The key's bytes for the partitioner: its first keySize bytes. A string key is written into a
  // scratch buffer rather than a new Buffer per record: partitioners read the key synchronously and
  // keep no reference to it (a user's partitioner function gets a copy).
  private keyBytes(record: SerializedRecord): Buffer | null {
    const key = record.key;
    if (key === null || typeof key !== 'string') return key;
    if (this.keyScratch.length < record.keySize) this.keyScratch = Buffer.allocUnsafe(Math.max(record.keySize, this.keyScratch.length * 2));
    this.keyScratch.write(key, 0, record.keySize, 'utf8');
    return this.keyScratch;
  }
}
