// Compression of sealed batches: the codec is resolved once (built-in, optional package, or the
// user's own KafkaJS-style codec) and each ready batch is compressed as it is sealed. A small batch
// is compressed on the spot once the codec is loaded, so that the sender writes it in the same pass
// instead of a later one; a large one, or one for a codec without synchronous methods, off the
// event loop.
import { type CodecOverrides, type CompressionCodec, resolveCodec } from '../records/index.js';
import type { ProducerBatch } from './accumulator/producer-batch.js';
import type { CompressionType } from './options.js';

export interface BatchCompressor {
  /** Seals and compresses `batch` now if the codec is loaded and allows it for this size; whether it did. */
  sealNow(batch: ProducerBatch): boolean;
  /** Seals and compresses `batch`, off the event loop where the codec allows; `bytes` is set when it resolves. */
  seal(batch: ProducerBatch): Promise<void>;
}

/** The compressor of a producer, or undefined for 'none'; `level` undefined is the codec's default. */
export function createBatchCompressor(compression: CompressionType, userCodecs: CodecOverrides | undefined, level?: number): BatchCompressor | undefined {
  if (compression === 'none') return undefined;
  let loading: Promise<CompressionCodec> | undefined;
  let loaded: CompressionCodec | undefined;
  return {
    sealNow: (batch) => loaded !== undefined && batch.sealCompressedNow((builder) => builder.buildCompressedNow(compression, loaded!)),
    seal: (batch) => {
      loading ??= resolveCodec(compression, userCodecs, level).then((codec) => (loaded = codec));
      return batch.sealCompressed(async (builder) => builder.buildCompressed(compression, await loading!));
    },
  };
}
