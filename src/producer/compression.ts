// Compression of sealed batches: the codec is resolved once (built-in, optional package, or the
// user's own KafkaJS-style codec) and each ready batch is compressed as it is sealed.
import { type CodecOverrides, type CompressionCodec, resolveCodec } from '../records/index.js';
import type { ProducerBatch } from './accumulator/producer-batch.js';
import type { CompressionType } from './options.js';

/** A function compressing a batch in place, or undefined for 'none'. */
export function createBatchCompressor(
  compression: CompressionType,
  userCodecs: CodecOverrides | undefined,
): ((batch: ProducerBatch) => Promise<void>) | undefined {
  if (compression === 'none') return undefined;
  let codec: Promise<CompressionCodec> | undefined;
  return (batch) => {
    codec ??= resolveCodec(compression, userCodecs);
    return batch.sealCompressed(async (builder) => builder.buildCompressed(compression, await codec!));
  };
}
