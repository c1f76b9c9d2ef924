// The records layer: RecordBatch v2 building (with an exact running size), producer stamping,
// reading with CRC verification, CRC-32C, transaction markers and compression codecs.
export { type CodecOverrides, type CodecProvider, type CompressionCodec, type CompressOptions, compressNow, compressWith, decompressWith, isSynchronousCodec, type SynchronousCompressionCodec } from './codecs/codec.js';
export { type CompressedType, resolveCodec } from './codecs/codec-registry.js';
export { COMPRESSION_LEVELS, type CompressionLevelRange, describeLevels, isValidLevel, type LeveledCompressionType } from './codecs/compression-levels.js';
export { createGzipCodec, type GzipCodecOptions } from './codecs/gzip.js';
export { lz4LevelUnsupported } from './codecs/lz4.js';
export { buildEndTransactionBatch, type ControlRecord, type ControlRecordType, type EndTransactionMarker, readControlRecord } from './control-record.js';
export { crc32c, crc32cImplementation, crc32cReady } from './crc32c.js';
export { CorruptRecordError, UnsupportedCompressionError, UnsupportedRecordFormatError } from './errors.js';
export { RecordBatchBuilder, type RecordBatchBuilderOptions } from './record-batch-builder.js';
export { MIN_BATCH_LENGTH, type RecordBatchHeader, readBatchHeader, verifyBatchCrc } from './record-batch-header.js';
export { type CompressionType, RECORD_BATCH_OVERHEAD, type TimestampType } from './record-batch-layout.js';
export {
  type ReadRecordBatchesOptions,
  type ReadRecordBatchesSyncOptions,
  type RecordBatch,
  type RecordBatchLocation,
  readBatchHeaders,
  readRecordBatches,
  readRecordBatchesSync,
  readRecordsSection,
  recordsContextOf,
} from './record-batch-reader.js';
export { assignBaseOffset, type ProducerStamp, stampRecordBatch } from './record-batch-stamp.js';
export { checkRecords, decodeRecords, type KafkaRecord, type RecordsContext } from './record-decoder.js';
export type { RecordData, RecordHeaderList } from './record-encoding.js';
