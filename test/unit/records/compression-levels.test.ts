// Compression levels in the codecs: each built-in codec compresses at the level it is given (the
// output changes with the level and still decompresses to the input), the level table matches the
// Java client's ranges, lz4-napi refuses levels it has not, and a user's codec receives the level.
import * as assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { gunzipSync, gzipSync } from 'node:zlib';
import { type CompressionCodec, type CompressOptions, isSynchronousCodec, type SynchronousCompressionCodec } from '../../../src/records/codecs/codec.js';
import { resolveCodec } from '../../../src/records/codecs/codec-registry.js';
import { COMPRESSION_LEVELS, describeLevels, isValidLevel } from '../../../src/records/codecs/compression-levels.js';
import { createZlibZstdCodec } from '../../../src/records/codecs/zstd.js';
import { UnsupportedCompressionError } from '../../../src/records/errors.js';

/** Compressible data with enough variety that levels find different matches: record-like JSON. */
function recordLikeData(size: number): Buffer {
  const parts: string[] = [];
  let length = 0;
  for (let index = 0; length < size; index++) {
    const part = `{"orderId":${100_000 + ((index * 7919) % 90_001)},"customer":"c-${(index * 104_729) % 50_000}","total":${(index * 37) % 10_000}.${index % 100},"status":"${['new', 'paid', 'shipped', 'returned'][index % 4]}"}`;
    parts.push(part);
    length += part.length;
  }
  return Buffer.from(parts.join('')).subarray(0, size);
}

async function compressAt(compression: 'gzip' | 'zstd', level: number | undefined, data: Buffer): Promise<Buffer> {
  const codec = await resolveCodec(compression, undefined, level);
  return codec.compress({ buffer: data });
}

describe('compression levels', () => {
  it('the ranges are the Java client ones: gzip 1..9 or -1, lz4 1..17 (default 9), zstd -131072..22 (default 3)', () => {
    assert.deepEqual(COMPRESSION_LEVELS, { gzip: { min: 1, max: 9, default: -1 }, lz4: { min: 1, max: 17, default: 9 }, zstd: { min: -131_072, max: 22, default: 3 } });
    for (const level of [-1, 1, 6, 9]) assert.ok(isValidLevel('gzip', level), `gzip ${level}`);
    for (const level of [0, -2, 10, 1.5, '6', null]) assert.ok(!isValidLevel('gzip', level), `gzip ${String(level)}`);
    for (const level of [1, 9, 17]) assert.ok(isValidLevel('lz4', level), `lz4 ${level}`);
    for (const level of [0, -1, 18]) assert.ok(!isValidLevel('lz4', level), `lz4 ${level}`);
    for (const level of [-131_072, -1, 0, 3, 22]) assert.ok(isValidLevel('zstd', level), `zstd ${level}`);
    for (const level of [-131_073, 23, Number.NaN]) assert.ok(!isValidLevel('zstd', level), `zstd ${level}`);
    assert.equal(describeLevels('gzip'), 'an integer from 1 to 9, or -1 for the default');
    assert.equal(describeLevels('zstd'), 'an integer from -131072 to 22 (default 3)');
  });

  for (const compression of ['gzip', 'zstd'] as const) {
    it(`${compression}: output differs by level and decompresses to the input at every level`, async () => {
      const data = recordLikeData(256 * 1024);
      const levels = compression === 'gzip' ? [1, 6, 9] : [-5, 1, 3, 19];
      const outputs = new Map<number, Buffer>();
      for (const level of levels) {
        const compressed = await compressAt(compression, level, data);
        outputs.set(level, compressed);
        const codec = await resolveCodec(compression);
        assert.deepEqual(await codec.decompress(compressed), data, `${compression} level ${level} round-trips`);
      }
      const sizes = levels.map((level) => outputs.get(level)!.length);
      assert.equal(new Set(sizes).size, levels.length, `every level gives a different size: ${sizes.join(', ')}`);
      assert.ok(sizes[0]! > sizes[sizes.length - 1]!, `the fastest level (${sizes[0]}) compresses less than the smallest (${sizes[sizes.length - 1]})`);
    });
  }

  it('gzip: no level is zlib default (6), and -1 means the same', async () => {
    const data = recordLikeData(64 * 1024);
    const reference = gzipSync(data, { level: 6 });
    assert.deepEqual(await compressAt('gzip', undefined, data), reference);
    assert.deepEqual(await compressAt('gzip', -1, data), reference);
  });

  it('zstd: no level is level 3', async () => {
    const data = recordLikeData(64 * 1024);
    assert.deepEqual(await compressAt('zstd', undefined, data), await compressAt('zstd', 3, data));
  });

  it('zstd over node:zlib sets the configured level as its compression level parameter', async () => {
    const seen: unknown[] = [];
    const echo = (data: Buffer, options?: object) => {
      seen.push(options);
      return data;
    };
    const codec = createZlibZstdCodec(
      { levelParameter: 100, compressSync: echo, decompressSync: echo, compress: (data, options, callback) => callback(null, echo(data, options)), decompress: (data, options, callback) => callback(null, echo(data, options)) },
      -7,
    );
    codec.compressSync(Buffer.from('a'));
    await codec.compress({ buffer: Buffer.from('a') });
    assert.deepEqual(seen, [{ params: { 100: -7 } }, { params: { 100: -7 } }]);
  });

  it('lz4: lz4-napi compresses at the default level 9 (fast mode) and refuses any other level', async () => {
    const codec = (await resolveCodec('lz4', undefined, 9)) as SynchronousCompressionCodec;
    const data = recordLikeData(4096);
    assert.deepEqual(codec.decompressSync(codec.compressSync(data)), data);
    for (const level of [1, 10, 17]) {
      await assert.rejects(resolveCodec('lz4', undefined, level), (error: unknown) => {
        assert.ok(error instanceof UnsupportedCompressionError);
        assert.match(error.message, new RegExp(`fast mode only.*level ${level}.*codecs\\.lz4`));
        return true;
      });
    }
  });

  it("a user's codec gets { level } as second argument of compress and compressSync, only when a level is set", async () => {
    const calls: { method: string; options: CompressOptions | undefined; self: unknown }[] = [];
    class RecordingGzip implements SynchronousCompressionCodec {
      readonly synchronousLimit = 1024;
      compressSync(buffer: Buffer, options?: CompressOptions): Buffer {
        calls.push({ method: 'compressSync', options, self: this });
        return gzipSync(buffer, { level: options?.level ?? 6 });
      }
      decompressSync(buffer: Buffer): Buffer {
        return gunzipSync(buffer);
      }
      async compress(encoder: { buffer: Buffer }, options?: CompressOptions): Promise<Buffer> {
        calls.push({ method: 'compress', options, self: this });
        return gzipSync(encoder.buffer, { level: options?.level ?? 6 });
      }
      async decompress(buffer: Buffer): Promise<Buffer> {
        return gunzipSync(buffer);
      }
    }
    const instance = new RecordingGzip();
    const leveled = await resolveCodec('gzip', { gzip: instance }, 2);
    assert.ok(isSynchronousCodec(leveled), 'the synchronous methods are kept');
    const data = recordLikeData(2048);
    assert.deepEqual(leveled.decompressSync(leveled.compressSync(data)), data);
    assert.deepEqual(await leveled.decompress(await leveled.compress({ buffer: data })), data);
    const plain = await resolveCodec('gzip', { gzip: instance });
    assert.equal(plain, instance, 'without a level the codec is used as given');
    await plain.compress({ buffer: data });
    assert.deepEqual(
      calls.map(({ method, options, self }) => [method, options, self === instance]),
      [
        ['compressSync', { level: 2 }, true],
        ['compress', { level: 2 }, true],
        ['compress', undefined, true],
      ],
    );
    // A KafkaJS codec factory with asynchronous methods only is wrapped the same way.
    const seen: unknown[] = [];
    const kafkajsStyle = (): CompressionCodec => ({
      compress: async (encoder: { buffer: Buffer }, ...rest: unknown[]) => {
        seen.push(rest);
        return gzipSync(encoder.buffer);
      },
      decompress: async (buffer: Buffer) => gunzipSync(buffer),
    });
    const wrapped = await resolveCodec('zstd', { zstd: kafkajsStyle }, -3);
    assert.ok(!isSynchronousCodec(wrapped));
    await wrapped.compress({ buffer: data });
    await (await resolveCodec('zstd', { zstd: kafkajsStyle })).compress({ buffer: data });
    assert.deepEqual(seen, [[{ level: -3 }], []]);
  });
});
