// lz4 through the optional package 'lz4-napi' (napi-rs over lz4_flex, prebuilt binaries, no install
// script), in the LZ4 frame format Kafka uses since KIP-57: independent 64 KiB blocks, a correct
// header checksum (FLG 0x60, BD 0x40), the same header the Java client writes.
import type { SynchronousCompressionCodec } from './codec.js';
import { loadCodecPackage } from './codec-package.js';

export const LZ4_PACKAGE = 'lz4-napi';

type FrameFunctionSync = (input: Buffer) => Buffer;
type FrameFunction = (input: Uint8Array) => Promise<Buffer>;

/** Loads 'lz4-napi' and returns an lz4 codec; rejects with UnsupportedCompressionError when it is missing. */
export async function loadLz4Codec(): Promise<SynchronousCompressionCodec> {
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
