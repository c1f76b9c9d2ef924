// The compression level options, Java's compression.gzip.level, compression.lz4.level and
// compression.zstd.level (KIP-390) in camelCase: their checks, the level the producer's codec
// uses, and the one combination refused: a level the built-in codec cannot compress at.
import { ConfigError } from '../errors/kafka-error.js';
import type { CodecOverrides } from '../records/index.js';
import { describeLevels, isValidLevel, type LeveledCompressionType, lz4LevelUnsupported } from '../records/index.js';
import type { CompressionType } from './options.js';

/** The options this file reads. */
export interface CompressionLevelOptions {
  readonly compression: CompressionType;
  readonly compressionGzipLevel: number | undefined;
  readonly compressionLz4Level: number | undefined;
  readonly compressionZstdLevel: number | undefined;
  readonly codecs: CodecOverrides | undefined;
}

/** The check of one level option: an integer in the codec's range (ConfigError naming it otherwise). */
export function levelCheck(compression: LeveledCompressionType): (value: unknown, name: string) => void {
  return (value, name) => {
    if (!isValidLevel(compression, value)) {
      throw new ConfigError(name, `expected ${describeLevels(compression)} (${compression} compression levels), got ${typeof value === 'string' ? `'${value}'` : String(value)}`);
    }
  };
}

/** The level the producer's codec compresses at: its type's level option, undefined when it is not set. */
export function configuredLevel(options: CompressionLevelOptions): number | undefined {
  switch (options.compression) {
    case 'gzip':
      return options.compressionGzipLevel;
    case 'lz4':
      return options.compressionLz4Level;
    case 'zstd':
      return options.compressionZstdLevel;
    default:
      return undefined;
  }
}

/**
 * Refuses a level that the codec the producer would use cannot compress at: an lz4 level other
 * than the default with the built-in lz4 codec. A level of a codec type the producer does not use
 * is only range-checked, as in the Java client.
 */
export function checkLevelSupport(options: CompressionLevelOptions): void {
  if (options.compression !== 'lz4' || options.codecs?.lz4 !== undefined) return;
  const unsupported = lz4LevelUnsupported(options.compressionLz4Level);
  if (unsupported !== undefined) throw new ConfigError('compressionLz4Level', unsupported);
}
