// Finds the codec for a compression type: the user's (KafkaJS-style `codecs: { lz4: myCodec }`) if
// given, else the built-in one, loaded once per process and level. gzip needs nothing; snappy, lz4
// and zstd (before Node 22.15) need an optional package, named in the error when it is missing.
import { UnsupportedCompressionError } from '../errors.js';
import type { CompressionType } from '../record-batch-layout.js';
import { type CodecOverrides, type CompressionCodec, type CompressOptions, isSynchronousCodec, type SynchronousCompressionCodec } from './codec.js';
import { createGzipCodec } from './gzip.js';
import { loadLz4Codec } from './lz4.js';
import { loadSnappyCodec } from './snappy.js';
import { loadZstdCodec } from './zstd.js';

/** A compression type that has a codec. */
export type CompressedType = Exclude<CompressionType, 'none'>;

// Each loader gets the level, undefined for the codec's default; snappy has no levels.
const builtInLoaders: Readonly<Record<CompressedType, (level: number | undefined) => Promise<CompressionCodec>>> = {
  gzip: async (level) => createGzipCodec(level === undefined ? {} : { level }),
  snappy: () => loadSnappyCodec(),
  lz4: (level) => loadLz4Codec(level),
  zstd: (level) => loadZstdCodec(level),
};

const builtIns = new Map<string, Promise<CompressionCodec>>();

/**
 * The codec for `compression`: `userCodecs[compression]` (a codec, or a KafkaJS-style function
 * returning one) when given, else the built-in codec. With `level`, the built-in codec compresses at
 * that level and a user's codec receives `{ level }` as the second argument of its compress calls.
 * Rejects with UnsupportedCompressionError for an unknown type, a missing optional package, or a
 * level the built-in codec cannot use.
 */
export async function resolveCodec(compression: CompressedType, userCodecs?: CodecOverrides, level?: number): Promise<CompressionCodec> {
  const provided = userCodecs?.[compression];
  if (provided !== undefined) {
    const codec = typeof provided === 'function' ? provided() : provided;
    if (typeof codec?.compress !== 'function' || typeof codec.decompress !== 'function') {
      throw new UnsupportedCompressionError(`the ${compression} codec given in codecs has no compress() and decompress() functions`);
    }
    return level === undefined ? codec : withLevel(codec, { level });
  }
  if (!Object.hasOwn(builtInLoaders, compression)) {
    throw new UnsupportedCompressionError(`unknown compression type '${String(compression)}': expected gzip, snappy, lz4 or zstd`);
  }
  const key = level === undefined ? compression : `${compression}:${level}`;
  let loading = builtIns.get(key);
  if (!loading) {
    loading = builtInLoaders[compression](level);
    builtIns.set(key, loading);
  }
  return loading;
}

// A user's codec whose compress calls also receive `options`; its methods are called on it, so a
// codec written as a class keeps its `this`.
function withLevel(codec: CompressionCodec, options: CompressOptions): CompressionCodec {
  if (isSynchronousCodec(codec)) {
    const synchronous: SynchronousCompressionCodec = {
      synchronousLimit: codec.synchronousLimit,
      compress: (encoder) => codec.compress(encoder, options),
      decompress: (buffer) => codec.decompress(buffer),
      compressSync: (buffer) => codec.compressSync(buffer, options),
      decompressSync: (buffer) => codec.decompressSync(buffer),
    };
    return synchronous;
  }
  return {
    compress: (encoder) => codec.compress(encoder, options),
    decompress: (buffer) => codec.decompress(buffer),
  };
}
