// Writes the producer id, epoch, base sequence and transactional bit into built batch bytes and
// updates the CRC in place, without re-encoding records: a retry resends the same bytes, and
// (re)stamping costs the same for any batch size. Also the broker's offset assignment.
import { crc32cAfterChange } from './crc32c-update.js';
import { CorruptRecordError } from './errors.js';
import {
  ATTRIBUTES_POSITION,
  BASE_OFFSET_POSITION,
  BASE_SEQUENCE_POSITION,
  BATCH_LENGTH_POSITION,
  CRC_POSITION,
  CURRENT_MAGIC,
  LOG_OVERHEAD,
  MAGIC_POSITION,
  PARTITION_LEADER_EPOCH_POSITION,
  PRODUCER_EPOCH_POSITION,
  PRODUCER_ID_POSITION,
  RECORD_BATCH_OVERHEAD,
  TRANSACTIONAL_MASK,
} from './record-batch-layout.js';

/** The producer fields stamped into a batch at drain. */
export interface ProducerStamp {
  /** Producer id from InitProducerId (-1n without idempotence). */
  producerId: bigint;
  /** Producer epoch (-1 without idempotence). */
  producerEpoch: number;
  /** Sequence of the batch's first record (-1 without idempotence). */
  baseSequence: number;
  /** Whether the batch belongs to a transaction (attribute bit 4). */
  transactional: boolean;
}

/**
 * Stamps producer id, epoch, base sequence and the transactional bit into `batch` (exactly one
 * batch, as built by RecordBatchBuilder) and rewrites its CRC. Modifies `batch` in place.
 */
export function stampRecordBatch(batch: Buffer, stamp: ProducerStamp): void {
  checkWholeBatch(batch);
  const { producerId, producerEpoch, baseSequence } = stamp;
  if (producerEpoch < -1 || producerEpoch > 0x7fff || Math.floor(producerEpoch) !== producerEpoch) {
    throw new RangeError(`producer epoch ${producerEpoch} is not an int16 >= -1`);
  }
  if (baseSequence < -1 || baseSequence > 0x7fffffff || Math.floor(baseSequence) !== baseSequence) {
    throw new RangeError(`base sequence ${baseSequence} is not an int32 >= -1`);
  }
  // The CRC covers attributes..end; only header bytes change, so the CRC is updated from their
  // difference rather than recomputed over the records (the builder's CRC is trusted, not re-checked).
  const difference = HEADER_DIFFERENCE;
  batch.copy(difference, 0, ATTRIBUTES_POSITION, RECORD_BATCH_OVERHEAD);
  const attributes = batch.readInt16BE(ATTRIBUTES_POSITION);
  batch.writeInt16BE(stamp.transactional ? attributes | TRANSACTIONAL_MASK : attributes & ~TRANSACTIONAL_MASK, ATTRIBUTES_POSITION);
  batch.writeBigInt64BE(producerId, PRODUCER_ID_POSITION);
  batch.writeInt16BE(producerEpoch, PRODUCER_EPOCH_POSITION);
  batch.writeInt32BE(baseSequence, BASE_SEQUENCE_POSITION);
  for (let index = 0; index < difference.length; index++) difference[index]! ^= batch[ATTRIBUTES_POSITION + index]!;
  const crc = crc32cAfterChange(batch.readUInt32BE(CRC_POSITION), difference, batch.length - RECORD_BATCH_OVERHEAD);
  batch.writeUInt32BE(crc, CRC_POSITION);
}

/** Scratch space for the XOR of old and new header bytes (attributes..recordsCount). */
const HEADER_DIFFERENCE = Buffer.alloc(RECORD_BATCH_OVERHEAD - ATTRIBUTES_POSITION);

/**
 * Writes the base offset and partition leader epoch a broker assigns when it appends `batch`. Both
 * lie before the CRC's range, so the CRC stays valid.
 */
export function assignBaseOffset(batch: Buffer, baseOffset: bigint, partitionLeaderEpoch: number): void {
  checkWholeBatch(batch);
  batch.writeBigInt64BE(baseOffset, BASE_OFFSET_POSITION);
  batch.writeInt32BE(partitionLeaderEpoch, PARTITION_LEADER_EPOCH_POSITION);
}

function checkWholeBatch(batch: Buffer): void {
  if (batch.length < RECORD_BATCH_OVERHEAD || batch[MAGIC_POSITION] !== CURRENT_MAGIC) {
    throw new CorruptRecordError(`not a RecordBatch v2 (${batch.length} bytes, magic ${batch[MAGIC_POSITION]})`, 0);
  }
  const batchLength = batch.readInt32BE(BATCH_LENGTH_POSITION);
  if (batchLength + LOG_OVERHEAD !== batch.length) {
    throw new CorruptRecordError(`batchLength ${batchLength} does not match a buffer of ${batch.length} bytes holding one batch`, BATCH_LENGTH_POSITION);
  }
}
