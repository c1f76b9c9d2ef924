// The records of a journaled batch read back from its bytes, for the journal events that report
// them (a failure for good, a resend that may duplicate). Rare events: the batch is re-read rather
// than each record kept in memory for the case.
import { type CodecOverrides, readRecordBatches } from '../../records/index.js';
import type { ProducerBatch } from '../accumulator/producer-batch.js';
import type { JournaledRecord } from './journal-events.js';

/** The records of `batch`, copied; empty when its bytes cannot be read (being compressed, or damaged). */
export async function journaledRecordsOf(batch: ProducerBatch, codecs: CodecOverrides | undefined): Promise<JournaledRecord[]> {
  if (!batch.isSealed) {
    if (batch.isSealing) return [];
    batch.seal();
  }
  const { topic, partition } = batch.queue;
  try {
    const [decoded] = await readRecordBatches(batch.bytes!, codecs ? { codecs } : {});
    return (decoded?.records ?? []).map((record) => ({
      topic,
      partition,
      key: record.key && Buffer.from(record.key),
      value: record.value && Buffer.from(record.value),
      headers: record.headers.map(([name, value]) => [name, value && Buffer.from(value)] as const),
      timestamp: record.timestamp,
    }));
  } catch {
    return [];
  }
}
