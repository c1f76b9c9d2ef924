// The compression level options and the interceptors option at construction: levels outside the
// Java client's range of their codec are refused with a ConfigError naming the option and the
// range; an lz4 level the built-in codec has not is refused only when that codec would be used;
// the level the producer's codec uses is the option of its compression type.
import * as assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConfigError } from '../../../src/errors/kafka-error.js';
import { configuredLevel } from '../../../src/producer/compression-level-options.js';
import { type ProducerOptions, resolveProducerOptions } from '../../../src/producer/options.js';

const base: ProducerOptions = { bootstrapServers: 'localhost:9092' };

function rejects(options: Record<string, unknown>, option: string, pattern: RegExp): void {
  assert.throws(
    () => resolveProducerOptions({ ...base, ...options } as ProducerOptions),
    (error: unknown) => {
      assert.ok(error instanceof ConfigError, `expected a ConfigError, got ${String(error)}`);
      assert.equal(error.option, option);
      assert.match(error.message, pattern);
      return true;
    },
  );
}

const lz4Codec = { compress: async (encoder: { buffer: Buffer }) => encoder.buffer, decompress: async (buffer: Buffer) => buffer };

describe('compression level options', () => {
  it('are unset by default: each codec then uses its default level', () => {
    const options = resolveProducerOptions(base);
    assert.equal(options.compressionGzipLevel, undefined);
    assert.equal(options.compressionLz4Level, undefined);
    assert.equal(options.compressionZstdLevel, undefined);
    assert.equal(configuredLevel({ ...options, compression: 'gzip' }), undefined);
  });

  it('accept every level of the range of their codec', () => {
    for (const level of [-1, 1, 9]) assert.equal(resolveProducerOptions({ ...base, compression: 'gzip', compressionGzipLevel: level }).compressionGzipLevel, level);
    for (const level of [-131_072, -1, 0, 3, 22]) {
      assert.equal(resolveProducerOptions({ ...base, compression: 'zstd', compressionZstdLevel: level }).compressionZstdLevel, level);
    }
    for (const level of [1, 17]) assert.equal(resolveProducerOptions({ ...base, compressionLz4Level: level }).compressionLz4Level, level);
  });

  it('refuse a level outside the range, naming the option and the range', () => {
    for (const level of [0, -2, 10, 2.5, '6']) rejects({ compressionGzipLevel: level }, 'compressionGzipLevel', /from 1 to 9, or -1 for the default \(gzip compression levels\)/);
    for (const level of [0, -1, 18]) rejects({ compressionLz4Level: level }, 'compressionLz4Level', /from 1 to 17 \(default 9\) \(lz4 compression levels\)/);
    for (const level of [-131_073, 23, 1e9]) rejects({ compressionZstdLevel: level }, 'compressionZstdLevel', /from -131072 to 22 \(default 3\)/);
    rejects({ compressionZstdLevel: 23 }, 'compressionZstdLevel', /got 23$/);
  });

  it('refuse an lz4 level other than 9 only when the built-in lz4 codec would compress', () => {
    rejects({ compression: 'lz4', compressionLz4Level: 1 }, 'compressionLz4Level', /lz4-napi.*fast mode only.*level 9.*codecs\.lz4/);
    assert.equal(resolveProducerOptions({ ...base, compression: 'lz4', compressionLz4Level: 9 }).compressionLz4Level, 9);
    assert.equal(resolveProducerOptions({ ...base, compression: 'lz4', compressionLz4Level: 12, codecs: { lz4: lz4Codec } }).compressionLz4Level, 12);
    assert.equal(resolveProducerOptions({ ...base, compression: 'zstd', compressionLz4Level: 12 }).compressionLz4Level, 12);
  });

  it("the producer's codec uses the level option of its compression type", () => {
    const levels = { compressionGzipLevel: 2, compressionLz4Level: 9, compressionZstdLevel: -4 };
    const resolve = (compression: ProducerOptions['compression']) => configuredLevel(resolveProducerOptions({ ...base, ...levels, compression }));
    assert.equal(resolve('gzip'), 2);
    assert.equal(resolve('lz4'), 9);
    assert.equal(resolve('zstd'), -4);
    assert.equal(resolve('snappy'), undefined);
    assert.equal(resolve('none'), undefined);
  });
});

describe('interceptors option', () => {
  it('accepts an array of objects with onSend and/or onAcknowledgement, including class instances', () => {
    class Counter {
      count = 0;
      onSend(record: { topic: string }) {
        this.count++;
        return record as never;
      }
    }
    const interceptors = [{ onSend: () => undefined }, { onAcknowledgement: () => {} }, new Counter()];
    assert.equal(resolveProducerOptions({ ...base, interceptors }).interceptors, interceptors);
    assert.equal(resolveProducerOptions(base).interceptors, undefined);
  });

  it('refuses anything else, naming the entry at fault', () => {
    rejects({ interceptors: { onSend: () => undefined } }, 'interceptors', /expected an array/);
    rejects({ interceptors: [null] }, 'interceptors[0]', /expected an object/);
    rejects({ interceptors: [{ onSend: () => undefined }, { onSend: 'no' }] }, 'interceptors[1].onSend', /expected a function, got string/);
    rejects({ interceptors: [{ onAcknowledgment: () => {} }] }, 'interceptors[0]', /neither onSend nor onAcknowledgement/);
  });
});
