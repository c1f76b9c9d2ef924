// The compression codec interface, compatible with KafkaJS codecs, and the rule that picks the
// synchronous or the asynchronous path: small inputs are compressed on the calling thread (a thread
// pool round trip costs more than the work), large ones off the event loop.
import type { CompressionType } from '../record-batch-layout.js';

/**
 * What compress() is told besides the bytes: given to a codec of `codecs` only when the producer
 * sets the level option of the codec's type (`compressionGzipLevel`, `compressionLz4Level`,
 * `compressionZstdLevel`), so a KafkaJS codec that takes one argument sees no change.
 */
export interface CompressOptions {
  /** The configured level, in the codec's own scale (gzip 1..9 or -1, lz4 1..17, zstd -131072..22). */
  readonly level: number;
}

/**
 * A compression codec, as KafkaJS defines it: `compress` receives an object holding the bytes in
 * `buffer` (KafkaJS passes its encoder), and `options` when a level is configured; `decompress`
 * receives the compressed bytes.
 */
export interface CompressionCodec {
  compress(encoder: { buffer: Buffer }, options?: CompressOptions): Promise<Buffer>;
  decompress(buffer: Buffer): Promise<Buffer>;
}

/** A codec that can also work synchronously; the built-in codecs are, except zstd from a package. */
export interface SynchronousCompressionCodec extends CompressionCodec {
  compressSync(buffer: Buffer, options?: CompressOptions): Buffer;
  decompressSync(buffer: Buffer): Buffer;
  /**
   * Inputs up to this many bytes are compressed synchronously: below it a worker-thread round trip
   * costs more than the work, above it the event loop would stall too long (see bench/records).
   */
  readonly synchronousLimit: number;
}

/** A codec, or a function returning one (the form KafkaJS's `CompressionCodecs` registry holds). */
export type CodecProvider = CompressionCodec | (() => CompressionCodec);

/** Codecs replacing or adding to the built-in ones, by compression name. */
export type CodecOverrides = Partial<Record<Exclude<CompressionType, 'none'>, CodecProvider>>;

/** Whether `codec` offers the synchronous methods. */
export function isSynchronousCodec(codec: CompressionCodec): codec is SynchronousCompressionCodec {
  const candidate = codec as Partial<SynchronousCompressionCodec>;
  return (
    typeof candidate.compressSync === 'function' &&
    typeof candidate.decompressSync === 'function' &&
    typeof candidate.synchronousLimit === 'number'
  );
}

/** Compresses `data` with `codec`, synchronously when the codec allows it for this size. */
export async function compressWith(codec: CompressionCodec, data: Buffer): Promise<Buffer> {
  return compressNow(codec, data) ?? asBuffer(await codec.compress({ buffer: data }), 'compress');
}

/**
 * Compresses `data` on the calling thread when `codec` allows it for this size; undefined when
 * the work belongs off the event loop (a large input, or a codec with no synchronous methods).
 */
export function compressNow(codec: CompressionCodec, data: Buffer): Buffer | undefined {
  if (!isSynchronousCodec(codec) || data.length > codec.synchronousLimit) return undefined;
  return asBuffer(codec.compressSync(data), 'compress');
}

/** Decompresses `data` with `codec`, synchronously when the codec allows it for this size. */
export async function decompressWith(codec: CompressionCodec, data: Buffer): Promise<Buffer> {
  const decompressed =
    isSynchronousCodec(codec) && data.length <= codec.synchronousLimit ? codec.decompressSync(data) : await codec.decompress(data);
  return asBuffer(decompressed, 'decompress');
}

/** A user codec may return a Uint8Array: view it as a Buffer; anything else is a codec bug. */
function asBuffer(value: unknown, operation: string): Buffer {
  if (Buffer.isBuffer(value)) return value;
  if (value instanceof Uint8Array) return Buffer.from(value.buffer, value.byteOffset, value.byteLength);
  throw new TypeError(`compression codec ${operation}() returned ${typeof value}, expected a Buffer`);
}
