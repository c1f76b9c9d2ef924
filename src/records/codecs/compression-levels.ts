// The compression levels each codec type accepts, as the Java client defines them (KIP-390): gzip
// 1..9 or -1 for zlib's default (level 6), lz4 1..17 (9, the default, is LZ4's fast mode; other
// levels are LZ4 HC), zstd from its fastest negative level to 22 (default 3). snappy has none.
import type { CompressionType } from '../record-batch-layout.js';

/** A codec type that has compression levels. */
export type LeveledCompressionType = Extract<CompressionType, 'gzip' | 'lz4' | 'zstd'>;

/** The levels of one codec type. */
export interface CompressionLevelRange {
  readonly min: number;
  readonly max: number;
  /** The level used when none is set; for gzip -1, outside min..max, meaning zlib's own default. */
  readonly default: number;
}

export const COMPRESSION_LEVELS: Readonly<Record<LeveledCompressionType, CompressionLevelRange>> = {
  gzip: { min: 1, max: 9, default: -1 },
  lz4: { min: 1, max: 17, default: 9 },
  zstd: { min: -131_072, max: 22, default: 3 },
};


/** Whether `level` is one `compression` accepts (an integer in its range, or its default). */
export function isValidLevel(compression: LeveledCompressionType, level: unknown): level is number {
  const range = COMPRESSION_LEVELS[compression];
  return Number.isInteger(level) && (((level as number) >= range.min && (level as number) <= range.max) || level === range.default);
}

/** The accepted levels of `compression` in words, for error messages. */
export function describeLevels(compression: LeveledCompressionType): string {
  const range = COMPRESSION_LEVELS[compression];
  const within = range.default >= range.min && range.default <= range.max;
  return `an integer from ${range.min} to ${range.max}${within ? ` (default ${range.default})` : `, or ${range.default} for the default`}`;
}
