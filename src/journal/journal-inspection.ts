// A read-only look at a journal directory, for `kafka-producer journal inspect`: what a producer
// opening it would find, without taking the lock or changing a byte (a torn tail is reported, not
// cut), so it may look at the journal of a running producer.
import { type LockHolder, readLockHolder } from './directory-lock.js';
import type { JournalEntry } from './journal-entries.js';
import { identityOf, type JournalIdentity, planBatches } from './journal-recovery.js';
import { replayJournal, type SegmentSummary } from './journal-replay.js';
import type { TornTail } from './segment-reader.js';

/** An unacknowledged batch as the inspection lists it. */
export interface InspectedBatch {
  /** The batch entry it comes from. */
  readonly entry: number;
  /** True when it is what remains of a batch whose other records went to later entries or were settled. */
  readonly part: boolean;
  readonly topic: string;
  readonly partition: number;
  readonly producerId: bigint;
  readonly epoch: number;
  readonly baseSequence: number;
  readonly records: number;
}

/** One entry, for the entry listing. */
export interface InspectedEntry {
  readonly number: number;
  readonly file: string;
  readonly offset: number;
  readonly entry: JournalEntry;
}

export interface JournalInspection {
  readonly directory: string;
  /** The holder named by the LOCK file, and whether it runs. */
  readonly lock: (LockHolder & { readonly alive: boolean }) | undefined;
  readonly identity: JournalIdentity | undefined;
  readonly segments: readonly SegmentSummary[];
  /** A torn tail of the last segment (left in place). */
  readonly torn: TornTail | undefined;
  readonly nextNumber: number;
  readonly usedBytes: number;
  readonly records: {
    /** Record entries in the files. */
    readonly total: number;
    /** Not settled: to be resent. */
    readonly pending: number;
    /** Pending and in an unacknowledged batch. */
    readonly batched: number;
    readonly acknowledged: number;
    readonly settled: number;
  };
  readonly batches: readonly InspectedBatch[];
  /** Every entry in order, when asked for (up to the limit asked for). */
  readonly entries: readonly InspectedEntry[];
}

/**
 * Reads the journal in `directory` without changing it. Throws JournalCorruptedError as
 * Journal.open would. `entryLimit`: how many entries to list (0, the default, lists none).
 */
export async function inspectJournal(directory: string, options: { entryLimit?: number } = {}): Promise<JournalInspection> {
  const entryLimit = options.entryLimit ?? 0;
  const entries: InspectedEntry[] = [];
  const lock = await readLockHolder(directory);
  const replay = await replayJournal(directory, {
    repair: false,
    onEntry: (number, entry, file, offset) => {
      if (entries.length < entryLimit) entries.push({ number, file: file.name, offset, entry });
    },
  });
  const batches = planBatches(replay).map((plan) => ({
    entry: plan.source,
    part: plan.number === undefined,
    topic: plan.topic,
    partition: plan.partition,
    producerId: plan.producerId,
    epoch: plan.epoch,
    baseSequence: plan.baseSequence,
    records: plan.records.length,
  }));
  const pending = replay.ledger.owners.size;
  let unbatched = 0;
  replay.ledger.owners.forEach((_record, owner) => {
    if (owner < 0) unbatched++;
  });
  return {
    directory,
    lock,
    identity: identityOf(replay.ledger.identity),
    segments: replay.segments,
    torn: replay.torn,
    nextNumber: replay.nextNumber,
    usedBytes: replay.ledger.bytes,
    records: { total: replay.counts.records, pending, batched: pending - unbatched, acknowledged: replay.counts.acknowledged, settled: replay.counts.settled },
    batches,
    entries,
  };
}
