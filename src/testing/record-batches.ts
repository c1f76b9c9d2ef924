// The fake broker's use of the records layer: validating the batches of a produced partition as
// Kafka's ProduceRequest and LogValidator do (one v2 batch, CRC, offsets consistent, no client control
// batches), keeping their records section for inspection, and building transaction markers.
import { KafkaError } from '../errors/kafka-error.js';
import {
  buildEndTransactionBatch,
  CorruptRecordError,
  checkRecords,
  RECORD_BATCH_OVERHEAD,
  type RecordBatchHeader,
  readBatchHeaders,
  readRecordsSection,
  recordsContextOf,
  UnsupportedCompressionError,
  UnsupportedRecordFormatError,
} from '../records/index.js';
import { ErrorCode } from './error-codes.js';
import type { BatchInfo, ParsedBatch } from './partition-log.js';

/** Either the batch of a produced partition, or why it is refused. */
export type ProducedBatchResult =
  | { readonly batch: ParsedBatch }
  | { readonly errorCode: number; readonly message: string };

/** The header fields the fake broker keeps for a batch. */
export function batchInfoOf(header: RecordBatchHeader): BatchInfo {
  return {
    producerId: header.producerId,
    producerEpoch: header.producerEpoch,
    baseSequence: header.baseSequence,
    lastOffsetDelta: header.lastOffsetDelta,
    recordCount: header.recordCount,
    transactional: header.isTransactional,
    control: header.isControl,
    baseTimestamp: header.baseTimestamp,
    maxTimestamp: header.maxTimestamp,
    attributes: header.attributes,
    sizeInBytes: header.sizeInBytes,
  };
}

/**
 * Validates the records of one produced partition. Refusals use Kafka's codes:
 * CORRUPT_MESSAGE for a CRC mismatch or malformed records, INVALID_RECORD for anything but exactly
 * one magic-2 data batch with consistent offsets, UNSUPPORTED_COMPRESSION_TYPE for a codec this
 * process cannot load.
 */
export async function parseProducedBatch(records: Buffer | null): Promise<ProducedBatchResult> {
  if (!records || records.length === 0) return invalid('A produced partition must hold exactly one record batch; it holds none');
  // The log keeps the batch's bytes and writes its base offset into them. They are a view into the
  // request frame, which only this broker holds and which it is done with once the request is
  // handled; a batch much smaller than the buffer under it is copied, so that the log does not
  // keep a large frame or socket read alive for a few bytes.
  const bytes = records.length >= records.buffer.byteLength / 8 ? records : Buffer.from(records);
  try {
    const locations = readBatchHeaders(bytes, { verifyCrc: true, strict: true });
    if (locations.length !== 1) return invalid(`A produced partition must hold exactly one record batch; it holds ${locations.length}`);
    const location = locations[0]!;
    const { header } = location;
    if (header.isControl) return invalid('Clients may not write control batches');
    // Kafka walks every record on append; so does this broker, without keeping decoded records.
    const section = await readRecordsSection(bytes, location);
    const context = recordsContextOf(location);
    if (header.recordCount !== header.lastOffsetDelta + 1 || checkRecords(section, context) !== -1) {
      return invalid(`Inconsistent offsets: ${header.recordCount} records with last offset delta ${header.lastOffsetDelta}`);
    }
    return { batch: { bytes, info: batchInfoOf(header), section, context } };
  } catch (error) {
    if (error instanceof UnsupportedRecordFormatError) return invalid(error.message);
    if (error instanceof UnsupportedCompressionError) return { errorCode: ErrorCode.UNSUPPORTED_COMPRESSION_TYPE, message: error.message };
    if (error instanceof CorruptRecordError || error instanceof KafkaError) return { errorCode: ErrorCode.CORRUPT_MESSAGE, message: error.message };
    throw error;
  }
}

/** A commit or abort marker of a producer, as a control batch ready to append. */
export function transactionMarker(producerId: bigint, producerEpoch: number, commit: boolean, timestamp: number): ParsedBatch {
  const bytes = buildEndTransactionBatch({ type: commit ? 'COMMIT' : 'ABORT', producerId, producerEpoch, coordinatorEpoch: 0, timestamp });
  const location = readBatchHeaders(bytes, { strict: true })[0]!;
  return { bytes, info: batchInfoOf(location.header), section: bytes.subarray(RECORD_BATCH_OVERHEAD), context: recordsContextOf(location) };
}

function invalid(message: string): ProducedBatchResult {
  return { errorCode: ErrorCode.INVALID_RECORD, message };
}
