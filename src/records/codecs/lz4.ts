// lz4 through the optional package 'lz4-napi' (napi-rs over lz4_flex, prebuilt binaries, no install
// script), in the LZ4 frame format Kafka uses since KIP-57: independent 64 KiB blocks, a correct
// header checksum (FLG 0x60, BD 0x40), the same header the Java client writes. lz4_flex has LZ4's
// fast mode only: what the Java client uses at its default level (9); the other levels, LZ4 HC,
// need an lz4 codec of one's own.
import { UnsupportedCompressionError } from '../errors.js';
import type { SynchronousCompressionCodec } from './codec.js';
import { loadCodecPackage } from './codec-package.js';
import { COMPRESSION_LEVELS } from './compression-levels.js';

export const LZ4_PACKAGE = 'lz4-napi';

/** Why the built-in lz4 codec cannot compress at `level`, or undefined when it can (the default level). */
export function lz4LevelUnsupported(level: number | undefined): string | undefined {
  if (level === undefined || level === COMPRESSION_LEVELS.lz4.default) return undefined;
  return `the built-in lz4 codec ('${LZ4_PACKAGE}') compresses in LZ4's fast mode only, which is level ${COMPRESSION_LEVELS.lz4.default} (the default); for level ${level} (LZ4 HC) give an lz4 codec that takes { level } in codecs.lz4`;
}

type FrameFunctionSync = (input: Buffer) => Buffer;
type FrameFunction = (input: Uint8Array) => Promise<Buffer>;

/**
 * Loads 'lz4-napi' and returns an lz4 codec; rejects with UnsupportedCompressionError when it is
 * missing or when `level` is not the default (see {@link lz4LevelUnsupported}).
 */
export async function loadLz4Codec(level?: number): Promise<SynchronousCompressionCodec> {
  const unsupported = lz4LevelUnsupported(level);
  if (unsupported !== undefined) throw new UnsupportedCompressionError(unsupported);
  const lz4 = await loadCodecPackage('lz4', LZ4_PACKAGE, ['compressFrameSync', 'compressFrame', 'decompressFrameSync', 'decompressFrame']);
  const compressFrameSync = lz4.compressFrameSync as FrameFunctionSync;
  const compressFrame = lz4.compressFrame as FrameFunction;
  const decompressFrameSync = lz4.decompressFrameSync as FrameFunctionSync;
  const decompressFrame = lz4.decompressFrame as FrameFunction;
  return {
    synchronousLimit: 128 * 1024,
    compressSync: (buffer) => compressFrameSync(buffer),
    compress: (encoder) => compressFrame(encoder.buffer),
    decompressSync: (buffer) => decompressFrameSync(buffer),
    decompress: (buffer) => decompressFrame(buffer),
  };
}
