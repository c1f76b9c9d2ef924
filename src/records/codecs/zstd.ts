// zstd through node:zlib where the runtime has it (Node >= 22.15 / 23.8), else through the optional
// package '@mongodb-js/zstd' (napi-rs, prebuilt binaries, no install script in 1.x), which offers
// only asynchronous calls: batches compress off the event loop. The level is Java's default (3)
// unless compressionZstdLevel sets another.
import * as zlib from 'node:zlib';
import { UnsupportedCompressionError } from '../errors.js';
import { importOptionalPackage, isMissing } from '../optional-package.js';
import type { CompressionCodec, SynchronousCompressionCodec } from './codec.js';
import { loadCodecPackage, type PackageFunction } from './codec-package.js';
import { COMPRESSION_LEVELS } from './compression-levels.js';

export const ZSTD_PACKAGE = '@mongodb-js/zstd';

const ZSTD_LEVEL = COMPRESSION_LEVELS.zstd.default;

type PackageCompress = (input: Buffer, level: number) => Promise<Buffer>;

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

/**
 * Returns a zstd codec compressing at `level` (default 3): node:zlib's, else the optional
 * package's (UnsupportedCompressionError when it is missing).
 */
export async function loadZstdCodec(level = ZSTD_LEVEL): Promise<CompressionCodec> {
  const builtIn = builtInZstd();
  if (builtIn) return createZlibZstdCodec(builtIn, level);
  const zstd = await loadCodecPackage('zstd', ZSTD_PACKAGE, ['compress', 'decompress']);
  const compress = level === ZSTD_LEVEL ? (zstd.compress as PackageCompress) : await packageCompressWithLevel(zstd.compress, level);
  const decompress = zstd.decompress as (input: Buffer) => Promise<Buffer>;
  return {
    compress: (encoder) => compress(encoder.buffer, level),
    decompress: (buffer) => decompress(buffer),
  };
}

// The package's compress(data, level) passes the level on from version 2.0; in 1.x it drops it
// and compresses at 3, while the addon it wraps (its 'bindings' module) takes the level.
async function packageCompressWithLevel(compress: PackageFunction, level: number): Promise<PackageCompress> {
  const manifest = await importOptionalPackage(`${ZSTD_PACKAGE}/package.json`);
  const version = isMissing(manifest) ? undefined : manifest.member('version');
  if (typeof version !== 'string' || !version.startsWith('1.')) return compress as PackageCompress;
  const bindings = await importOptionalPackage(`${ZSTD_PACKAGE}/bindings`);
  const addonCompress = isMissing(bindings) ? undefined : bindings.member('compress');
  if (typeof addonCompress !== 'function') {
    throw new UnsupportedCompressionError(
      `zstd compression level ${level}: the installed '${ZSTD_PACKAGE}' ${version} cannot compress at a level other than ${ZSTD_LEVEL}; install a later version or run Node >= 22.15, whose zlib has zstd`,
    );
  }
  return addonCompress as PackageCompress;
}

/** A zstd codec over node:zlib's functions at `level` (exported for tests on runtimes without them). */
export function createZlibZstdCodec(zstd: ZlibZstd, level = ZSTD_LEVEL): SynchronousCompressionCodec {
  const compressOptions = { params: { [zstd.levelParameter]: level } };
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
