// Parses a records blob (one or more concatenated RecordBatch v2, the last possibly cut short as a
// Fetch response returns it) into batches and records, verifying each CRC and decompressing with the
// batch's codec. Any malformed input raises CorruptRecordError or another typed error of errors.ts.
import { KafkaError } from '../errors/kafka-error.js';
import { type CodecOverrides, type CompressionCodec, decompressWith, isSynchronousCodec } from './codecs/codec.js';
import { resolveCodec } from './codecs/codec-registry.js';
import { CorruptRecordError, UnsupportedCompressionError, UnsupportedRecordFormatError } from './errors.js';
import { MIN_BATCH_LENGTH, type RecordBatchHeader, readBatchHeader } from './record-batch-header.js';
import {
  BATCH_LENGTH_POSITION,
  type CompressionType,
  CURRENT_MAGIC,
  LOG_OVERHEAD,
  MAGIC_POSITION,
  RECORD_BATCH_OVERHEAD,
} from './record-batch-layout.js';
import { decodeRecords, type KafkaRecord, type RecordsContext } from './record-decoder.js';

/** One batch with its records. */
export interface RecordBatch extends RecordBatchHeader {
  records: KafkaRecord[];
}

/** Options of {@link readRecordBatches}. */
export interface ReadRecordBatchesOptions {
  /** Codecs replacing the built-in ones (KafkaJS codec interface). */
  codecs?: CodecOverrides;
  /** Check each batch's CRC-32C. Default true. */
  verifyCrc?: boolean;
  /**
   * Treat a last batch cut short as corrupt. Default false: Fetch responses may end in a partial
   * batch, which is skipped as Kafka's own readers do.
   */
  strict?: boolean;
}

/** Options of {@link readRecordBatchesSync}: codecs must offer synchronous methods. */
export interface ReadRecordBatchesSyncOptions {
  /** Codecs for compressed batches, each with decompressSync (e.g. from `await resolveCodec('gzip')`). */
  codecs?: Partial<Record<Exclude<CompressionType, 'none'>, CompressionCodec>>;
  verifyCrc?: boolean;
  strict?: boolean;
}

/** One complete batch of a records blob: its header and where it starts. */
export interface RecordBatchLocation {
  header: RecordBatchHeader;
  /** Byte position of the batch in the blob; the batch spans `header.sizeInBytes` bytes from there. */
  position: number;
}

/** Parses every complete batch of `data` with its records. */
export async function readRecordBatches(data: Buffer, options: ReadRecordBatchesOptions = {}): Promise<RecordBatch[]> {
  const batches: RecordBatch[] = [];
  for (const location of readBatchHeaders(data, options)) {
    const section = await readRecordsSection(data, location, options.codecs);
    batches.push(withRecords(location.header, section, location.position));
  }
  return batches;
}

/**
 * The records section of the batch at `location` in `data`, decompressed: a view into `data` when
 * the batch is uncompressed. Decode it with `decodeRecords(section, recordsContextOf(location))`.
 */
export async function readRecordsSection(data: Buffer, location: RecordBatchLocation, codecs?: CodecOverrides): Promise<Buffer> {
  const { header, position } = location;
  const section = recordsSection(data, position, header);
  if (!needsDecompression(header, section)) return section;
  const codec = await resolveCodec(header.compression, codecs);
  return decompressGuarded(() => decompressWith(codec, section), header, position);
}

/** What decoding the records of the batch at `location` needs from its header. */
export function recordsContextOf(location: RecordBatchLocation): RecordsContext {
  const { header, position } = location;
  return {
    baseOffset: header.baseOffset,
    baseTimestamp: header.baseTimestamp,
    overrideTimestamp: header.timestampType === 'LogAppendTime' ? header.maxTimestamp : undefined,
    recordCount: header.recordCount,
    batchPosition: position,
  };
}

/**
 * Parses every complete batch of `data` synchronously. A compressed batch needs a codec with
 * synchronous methods in `options.codecs`, else UnsupportedCompressionError.
 */
export function readRecordBatchesSync(data: Buffer, options: ReadRecordBatchesSyncOptions = {}): RecordBatch[] {
  const batches: RecordBatch[] = [];
  for (const { header, position } of readBatchHeaders(data, options)) {
    let section = recordsSection(data, position, header);
    if (needsDecompression(header, section)) {
      const codec = options.codecs?.[header.compression];
      if (!codec || !isSynchronousCodec(codec)) {
        throw new UnsupportedCompressionError(
          `readRecordBatchesSync needs a synchronous ${header.compression} codec in options.codecs; use readRecordBatches to decompress asynchronously`,
        );
      }
      const compressed = section;
      section = decompressGuardedSync(() => codec.decompressSync(compressed), header, position);
    }
    batches.push(withRecords(header, section, position));
  }
  return batches;
}

/**
 * The headers and positions of the complete batches in `data`, in order, without decoding records
 * (what a broker checks on Produce). A last batch cut short is skipped, or CorruptRecordError when
 * `strict`; anything else malformed throws. CRCs are verified unless `verifyCrc` is false.
 */
export function readBatchHeaders(data: Buffer, options: { verifyCrc?: boolean; strict?: boolean } = {}): RecordBatchLocation[] {
  const verifyCrc = options.verifyCrc ?? true;
  const strict = options.strict ?? false;
  const locations: RecordBatchLocation[] = [];
  let position = 0;
  while (position < data.length) {
    const available = data.length - position;
    if (available < LOG_OVERHEAD) {
      if (strict) throw new CorruptRecordError(`truncated record batch at byte ${position}: ${available} bytes`, position);
      break;
    }
    const batchLength = data.readInt32BE(position + BATCH_LENGTH_POSITION);
    // The magic decides how the rest reads, so check it before trusting any length.
    if (available > MAGIC_POSITION && data[position + MAGIC_POSITION] !== CURRENT_MAGIC) {
      throw new UnsupportedRecordFormatError(data.readInt8(position + MAGIC_POSITION), position);
    }
    if (batchLength < MIN_BATCH_LENGTH) {
      throw new CorruptRecordError(`record batch at byte ${position} has batchLength ${batchLength}, below the minimum ${MIN_BATCH_LENGTH}`, position);
    }
    if (available < batchLength + LOG_OVERHEAD) {
      if (strict) {
        throw new CorruptRecordError(`truncated record batch at byte ${position}: ${available} of ${batchLength + LOG_OVERHEAD} bytes`, position);
      }
      break;
    }
    const header = readBatchHeader(data, position, { verifyCrc });
    locations.push({ header, position });
    position += header.sizeInBytes;
  }
  return locations;
}

/**
 * Whether the records section must go through the codec. Log compaction can leave empty batches
 * (no records, no bytes after the header) that keep their compression bits: nothing to decompress.
 */
function needsDecompression(
  header: RecordBatchHeader,
  section: Buffer,
): header is RecordBatchHeader & { compression: Exclude<CompressionType, 'none'> } {
  return header.compression !== 'none' && !(header.recordCount === 0 && section.length === 0);
}

function recordsSection(data: Buffer, position: number, header: RecordBatchHeader): Buffer {
  return data.subarray(position + RECORD_BATCH_OVERHEAD, position + header.sizeInBytes);
}

function withRecords(header: RecordBatchHeader, section: Buffer, position: number): RecordBatch {
  return { ...header, records: decodeRecords(section, recordsContextOf({ header, position })) };
}

async function decompressGuarded(decompress: () => Promise<Buffer>, header: RecordBatchHeader, position: number): Promise<Buffer> {
  try {
    return await decompress();
  } catch (error) {
    throw decompressionError(error, header, position);
  }
}

function decompressGuardedSync(decompress: () => Buffer, header: RecordBatchHeader, position: number): Buffer {
  try {
    return decompress();
  } catch (error) {
    throw decompressionError(error, header, position);
  }
}

/** Codec failures on bad data become CorruptRecordError; this package's typed errors pass through. */
function decompressionError(error: unknown, header: RecordBatchHeader, position: number): unknown {
  if (error instanceof KafkaError) return error;
  const reason = error instanceof Error ? error.message : String(error);
  return new CorruptRecordError(`${header.compression} records of the batch at byte ${position} do not decompress: ${reason}`, position, {
    cause: error,
  });
}
