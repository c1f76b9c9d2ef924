// snappy through the optional package 'snappy' (napi-rs, prebuilt binaries, no install script),
// written in the xerial framing the Java client uses and read in that framing or as raw snappy.
// Blocks of a large input are compressed in parallel on the thread pool.
import type { SynchronousCompressionCodec } from './codec.js';
import { loadCodecPackage } from './codec-package.js';
import { frameXerial, isXerialFramed, xerialBlocks, xerialPieces } from './xerial-framing.js';

export const SNAPPY_PACKAGE = 'snappy';

type CompressSync = (input: Uint8Array) => Buffer;
type Compress = (input: Uint8Array) => Promise<Buffer>;
type UncompressSync = (input: Uint8Array, options: { asBuffer: true }) => Buffer;
type Uncompress = (input: Uint8Array, options: { asBuffer: true }) => Promise<Buffer>;

const AS_BUFFER = { asBuffer: true } as const;

/** Loads 'snappy' and returns a snappy codec; rejects with UnsupportedCompressionError when it is missing. */
export async function loadSnappyCodec(): Promise<SynchronousCompressionCodec> {
  const snappy = await loadCodecPackage('snappy', SNAPPY_PACKAGE, ['compressSync', 'compress', 'uncompressSync', 'uncompress']);
  const compressSync = snappy.compressSync as CompressSync;
  const compress = snappy.compress as Compress;
  const uncompressSync = snappy.uncompressSync as UncompressSync;
  const uncompress = snappy.uncompress as Uncompress;
  return {
    synchronousLimit: 64 * 1024,
    compressSync: (buffer) => frameXerial(xerialPieces(buffer).map((piece) => compressSync(piece))),
    compress: async (encoder) => frameXerial(await Promise.all(xerialPieces(encoder.buffer).map((piece) => compress(piece)))),
    decompressSync: (buffer) => {
      if (!isXerialFramed(buffer)) return uncompressSync(buffer, AS_BUFFER);
      return Buffer.concat(xerialBlocks(buffer).map((block) => uncompressSync(block, AS_BUFFER)));
    },
    decompress: async (buffer) => {
      if (!isXerialFramed(buffer)) return uncompress(buffer, AS_BUFFER);
      return Buffer.concat(await Promise.all(xerialBlocks(buffer).map((block) => uncompress(block, AS_BUFFER))));
    },
  };
}
