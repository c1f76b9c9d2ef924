// Errors of the records layer. Malformed batch bytes of any kind surface as one of these typed
// errors (never a RangeError), so a caller can tell bad data from a bug.
import { KafkaError, type KafkaErrorOptions } from '../errors/kafka-error.js';

/**
 * Record batch bytes are not valid: a CRC mismatch, a length that runs past the data, a field out
 * of range, or a records section that does not decompress. Kafka's name for it is CORRUPT_MESSAGE.
 */
export class CorruptRecordError extends KafkaError {
  static readonly kind = 'CorruptRecordError';
  /** Byte position in the parsed data where the problem was found (-1 when unknown). */
  readonly position: number;
  constructor(message: string, position = -1, options: KafkaErrorOptions = {}) {
    super('CORRUPT_RECORD', message, options);
    this.position = position;
  }
}

/** A batch uses a record format (magic) other than v2; message sets v0 and v1 are not supported. */
export class UnsupportedRecordFormatError extends KafkaError {
  static readonly kind = 'UnsupportedRecordFormatError';
  /** The magic byte found. */
  readonly magic: number;
  constructor(magic: number, position: number) {
    super('UNSUPPORTED_RECORD_FORMAT', `record batch at byte ${position} has magic ${magic}; only magic 2 (RecordBatch v2) is supported`);
    this.magic = magic;
  }
}

/**
 * A compression codec is unknown (attribute values 5-7), or needs an optional package that is not
 * installed or could not load on this platform.
 */
export class UnsupportedCompressionError extends KafkaError {
  static readonly kind = 'UnsupportedCompressionError';
  constructor(message: string, options: KafkaErrorOptions = {}) {
    super('UNSUPPORTED_COMPRESSION_TYPE', message, options);
  }
}
