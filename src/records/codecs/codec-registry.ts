// Finds the codec for a compression type: the user's (KafkaJS-style `codecs: { lz4: myCodec }`) if
// given, else the built-in one, loaded once per process. gzip needs nothing; snappy, lz4 and zstd
// (before Node 22.15) need an optional package, named in the error when it is missing.
import { UnsupportedCompressionError } from '../errors.js';
import type { CompressionType } from '../record-batch-layout.js';
import type { CodecOverrides, CompressionCodec } from './codec.js';
import { createGzipCodec } from './gzip.js';
import { loadLz4Codec } from './lz4.js';
import { loadSnappyCodec } from './snappy.js';
import { loadZstdCodec } from './zstd.js';

/** A compression type that has a codec. */
export type CompressedType = Exclude<CompressionType, 'none'>;

const builtInLoaders: Readonly<Record<CompressedType, () => Promise<CompressionCodec>>> = {
  gzip: async () => createGzipCodec(),
  snappy: loadSnappyCodec,
  lz4: loadLz4Codec,
  zstd: loadZstdCodec,
};

const builtIns = new Map<CompressedType, Promise<CompressionCodec>>();

/**
 * The codec for `compression`: `userCodecs[compression]` (a codec, or a KafkaJS-style function
 * returning one) when given, else the built-in codec. Rejects with UnsupportedCompressionError for
 * an unknown type or a missing optional package.
 */
export async function resolveCodec(compression: CompressedType, userCodecs?: CodecOverrides): Promise<CompressionCodec> {
  const provided = userCodecs?.[compression];
  if (provided !== undefined) {
    const codec = typeof provided === 'function' ? provided() : provided;
    if (typeof codec?.compress !== 'function' || typeof codec.decompress !== 'function') {
      throw new UnsupportedCompressionError(`the ${compression} codec given in codecs has no compress() and decompress() functions`);
    }
    return codec;
  }
  if (!Object.hasOwn(builtInLoaders, compression)) {
    throw new UnsupportedCompressionError(`unknown compression type '${String(compression)}': expected gzip, snappy, lz4 or zstd`);
  }
  let loading = builtIns.get(compression);
  if (!loading) {
    loading = builtInLoaders[compression]();
    builtIns.set(compression, loading);
  }
  return loading;
}
