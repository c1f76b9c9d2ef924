// Byte positions of the RecordBatch v2 header fields and the meaning of its attribute bits, as the
// message format defines them. Every other file of the records layer reads and writes the header
// through these constants only, so the layout is stated once.

/** Bytes before the records of a RecordBatch v2: everything from baseOffset to recordsCount. */
export const RECORD_BATCH_OVERHEAD = 61;

/** baseOffset (int64) and batchLength (int32): the part of a batch that batchLength does not count. */
export const LOG_OVERHEAD = 12;

/** The only record format this package writes and reads. */
export const CURRENT_MAGIC = 2;

export const BASE_OFFSET_POSITION = 0;
export const BATCH_LENGTH_POSITION = 8;
export const PARTITION_LEADER_EPOCH_POSITION = 12;
export const MAGIC_POSITION = 16;
export const CRC_POSITION = 17;
/** The CRC covers every byte from here to the end of the batch. */
export const ATTRIBUTES_POSITION = 21;
export const LAST_OFFSET_DELTA_POSITION = 23;
export const BASE_TIMESTAMP_POSITION = 27;
export const MAX_TIMESTAMP_POSITION = 35;
export const PRODUCER_ID_POSITION = 43;
export const PRODUCER_EPOCH_POSITION = 51;
export const BASE_SEQUENCE_POSITION = 53;
export const RECORDS_COUNT_POSITION = 57;

/** Attribute bits 0-2: the compression codec of the records section. */
export const COMPRESSION_MASK = 0x07;
/** Attribute bit 3: 0 create time, 1 log append time. */
export const TIMESTAMP_TYPE_MASK = 0x08;
/** Attribute bit 4: the batch belongs to a transaction. */
export const TRANSACTIONAL_MASK = 0x10;
/** Attribute bit 5: the batch holds a control record (a transaction marker). */
export const CONTROL_MASK = 0x20;
/** Attribute bit 6: baseTimestamp is the delete horizon set by log compaction. */
export const DELETE_HORIZON_MASK = 0x40;

/** Producer id, epoch and sequence of a batch written by a producer without idempotence. */
export const NO_PRODUCER_ID = -1n;
export const NO_PRODUCER_EPOCH = -1;
export const NO_SEQUENCE = -1;
/** Producers send -1: the broker assigns the partition leader epoch. */
export const NO_PARTITION_LEADER_EPOCH = -1;
/** The baseTimestamp and maxTimestamp of a batch with no records. */
export const NO_TIMESTAMP = -1;

/** Compression of a batch's records section, by the name the producer option uses. */
export type CompressionType = 'none' | 'gzip' | 'snappy' | 'lz4' | 'zstd';

/** Compression names by their attribute value (bits 0-2). */
export const COMPRESSION_TYPES: readonly CompressionType[] = ['none', 'gzip', 'snappy', 'lz4', 'zstd'];

/** The attribute value (bits 0-2) of a compression name. */
export const COMPRESSION_ATTRIBUTE: Readonly<Record<CompressionType, number>> = {
  none: 0,
  gzip: 1,
  snappy: 2,
  lz4: 3,
  zstd: 4,
};

/** How the timestamps of a batch were assigned. */
export type TimestampType = 'CreateTime' | 'LogAppendTime';
