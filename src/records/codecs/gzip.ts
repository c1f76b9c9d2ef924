// gzip through node:zlib, always available. The level is zlib's default (6), as Java's, unless
// compressionGzipLevel (Java's compression.gzip.level, KIP-390) sets another. Inputs above 32 KiB go to the zlib thread pool, since
// compressing them takes over 0.25 ms of the event loop (bench/records/RESULTS.md).
import { promisify } from 'node:util';
import { constants, gunzip, gunzipSync, gzip, gzipSync, type ZlibOptions } from 'node:zlib';
import type { SynchronousCompressionCodec } from './codec.js';

const gzipAsync = promisify<Buffer, ZlibOptions, Buffer>(gzip);
const gunzipAsync = promisify<Buffer, Buffer>(gunzip);

/** Options of {@link createGzipCodec}. */
export interface GzipCodecOptions {
  /** zlib compression level, 1 (fastest) to 9 (smallest), or -1 for zlib's default (6). Default -1. */
  level?: number;
}

/** A gzip codec (KafkaJS-compatible, with synchronous methods). */
export function createGzipCodec(options: GzipCodecOptions = {}): SynchronousCompressionCodec {
  const zlibOptions: ZlibOptions = { level: options.level ?? constants.Z_DEFAULT_COMPRESSION };
  return {
    synchronousLimit: 32 * 1024,
    compress: (encoder) => gzipAsync(encoder.buffer, zlibOptions),
    decompress: (buffer) => gunzipAsync(buffer),
    compressSync: (buffer) => gzipSync(buffer, zlibOptions),
    decompressSync: (buffer) => gunzipSync(buffer),
  };
}
