// Transaction markers: the control batch a transaction coordinator writes to end a transaction
// (commit or abort), and the reading of a control record. Key: version int16 (0) and type int16
// (0 abort, 1 commit); value: version int16 (0) and coordinator epoch int32.
import { CorruptRecordError } from './errors.js';
import { RecordBatchBuilder } from './record-batch-builder.js';
import { stampRecordBatch } from './record-batch-stamp.js';
import type { KafkaRecord } from './record-decoder.js';

/** The control record types of transaction markers. */
export type ControlRecordType = 'ABORT' | 'COMMIT';

const TYPE_CODES: Readonly<Record<ControlRecordType, number>> = { ABORT: 0, COMMIT: 1 };
const CONTROL_RECORD_VERSION = 0;

/** What ends a transaction on one partition. */
export interface EndTransactionMarker {
  type: ControlRecordType;
  producerId: bigint;
  producerEpoch: number;
  /** Epoch of the transaction coordinator that wrote the marker. */
  coordinatorEpoch: number;
  /** Timestamp of the marker record, in ms. */
  timestamp: number;
}

/** A decoded control record. */
export interface ControlRecord {
  version: number;
  /** 'ABORT' or 'COMMIT'; 'UNKNOWN' for other control types (e.g. KRaft's LEADER_CHANGE). */
  type: ControlRecordType | 'UNKNOWN';
  /** The numeric type in the key. */
  typeCode: number;
  /** The coordinator epoch of a transaction marker; undefined for other types. */
  coordinatorEpoch: number | undefined;
}

/**
 * The bytes of a control batch holding one end-transaction marker: transactional and control bits
 * set, the producer's id and epoch, base sequence -1 (markers take no sequence).
 */
export function buildEndTransactionBatch(marker: EndTransactionMarker): Buffer {
  const key = Buffer.allocUnsafe(4);
  key.writeInt16BE(CONTROL_RECORD_VERSION, 0);
  key.writeInt16BE(TYPE_CODES[marker.type], 2);
  const value = Buffer.allocUnsafe(6);
  value.writeInt16BE(CONTROL_RECORD_VERSION, 0);
  value.writeInt32BE(marker.coordinatorEpoch, 2);
  const builder = new RecordBatchBuilder({ initialCapacity: 128, isControl: true });
  builder.append(marker.timestamp, key, value);
  const batch = builder.build();
  stampRecordBatch(batch, { producerId: marker.producerId, producerEpoch: marker.producerEpoch, baseSequence: -1, transactional: true });
  return batch;
}

/** Decodes the control record `record` of a control batch; CorruptRecordError when its key is malformed. */
export function readControlRecord(record: KafkaRecord): ControlRecord {
  const { key, value } = record;
  if (!key || key.length < 4) throw new CorruptRecordError(`control record at offset ${record.offset} has a key of ${key?.length ?? 'null'} bytes, expected 4`);
  const version = key.readInt16BE(0);
  const typeCode = key.readInt16BE(2);
  const type = typeCode === 0 ? 'ABORT' : typeCode === 1 ? 'COMMIT' : 'UNKNOWN';
  let coordinatorEpoch: number | undefined;
  if (type !== 'UNKNOWN') {
    if (!value || value.length < 6) {
      throw new CorruptRecordError(`transaction marker at offset ${record.offset} has a value of ${value?.length ?? 'null'} bytes, expected 6`);
    }
    coordinatorEpoch = value.readInt32BE(2);
  }
  return { version, type, typeCode, coordinatorEpoch };
}
