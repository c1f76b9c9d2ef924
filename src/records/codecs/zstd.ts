// zstd (level 3, Java's default) through node:zlib where the runtime has it (Node >= 22.15 / 23.8),
// else through the optional package '@mongodb-js/zstd' (napi-rs, prebuilt binaries, no install
// script in 1.x), which offers only asynchronous calls: batches compress off the event loop.
import * as zlib from 'node:zlib';
import type { CompressionCodec, SynchronousCompressionCodec } from './codec.js';
import { loadCodecPackage } from './codec-package.js';

export const ZSTD_PACKAGE = '@mongodb-js/zstd';

const ZSTD_LEVEL = 3;

export type ZlibFunctionSync = (input: Buffer, options?: object) => Buffer;
export type ZlibFunction = (input: Buffer, options: object, callback: (error: Error | null, result: Buffer) => void) => void;

/** The zstd functions of node:zlib and the parameter number that sets the compression level. */
export interface ZlibZstd {
  compressSync: ZlibFunctionSync;
  decompressSync: ZlibFunctionSync;
  compress: ZlibFunction;
  decompress: ZlibFunction;
  levelParameter: number;
}

/** The zstd functions of node:zlib, or undefined on runtimes without them (Node 20 and early 22). */
function builtInZstd(): ZlibZstd | undefined {
  const module = zlib as unknown as Record<string, unknown>;
  const zlibConstants = zlib.constants as unknown as Record<string, number | undefined>;
  const levelParameter = zlibConstants['ZSTD_c_compressionLevel'];
  const compressSync = module['zstdCompressSync'];
  const decompressSync = module['zstdDecompressSync'];
  const compress = module['zstdCompress'];
  const decompress = module['zstdDecompress'];
  if (typeof compressSync !== 'function' || typeof decompressSync !== 'function') return undefined;
  if (typeof compress !== 'function' || typeof decompress !== 'function' || levelParameter === undefined) return undefined;
  return {
    compressSync: compressSync as ZlibFunctionSync,
    decompressSync: decompressSync as ZlibFunctionSync,
    compress: compress as ZlibFunction,
    decompress: decompress as ZlibFunction,
    levelParameter,
  };
}

/** Whether this runtime compresses zstd itself, with no optional package. */
export function hasBuiltInZstd(): boolean {
  return builtInZstd() !== undefined;
}

/** Returns a zstd codec: node:zlib's, else the optional package's (UnsupportedCompressionError when missing). */
export async function loadZstdCodec(): Promise<CompressionCodec> {
  const builtIn = builtInZstd();
  if (builtIn) return createZlibZstdCodec(builtIn);
  const zstd = await loadCodecPackage('zstd', ZSTD_PACKAGE, ['compress', 'decompress']);
  const compress = zstd.compress as (input: Buffer, level: number) => Promise<Buffer>;
  const decompress = zstd.decompress as (input: Buffer) => Promise<Buffer>;
  return {
    compress: (encoder) => compress(encoder.buffer, ZSTD_LEVEL),
    decompress: (buffer) => decompress(buffer),
  };
}

/** A zstd codec over node:zlib's functions (exported for tests on runtimes without them). */
export function createZlibZstdCodec(zstd: ZlibZstd): SynchronousCompressionCodec {
  const compressOptions = { params: { [zstd.levelParameter]: ZSTD_LEVEL } };
  const run = (work: ZlibFunction, input: Buffer, options: object) =>
    new Promise<Buffer>((resolve, reject) => work(input, options, (error, result) => (error ? reject(error) : resolve(result))));
  return {
    synchronousLimit: 64 * 1024,
    compressSync: (buffer) => zstd.compressSync(buffer, compressOptions),
    decompressSync: (buffer) => zstd.decompressSync(buffer),
    compress: (encoder) => run(zstd.compress, encoder.buffer, compressOptions),
    decompress: (buffer) => run(zstd.decompress, buffer, {}),
  };
}
