// Reads a journal directory from its first segment to its last and applies every entry to a
// ledger, as the journal did when it appended them. Shared by Journal.open (which then cuts a torn
// tail off and carries on) and `kafka-producer journal inspect` (which only reports). Payloads of
// records still pending are kept, as views of the files' bytes: the producer will resend them.
import { open, stat, truncate } from 'node:fs/promises';
import { EntryDecodeError } from './entry-bytes.js';
import { decodePayload, type JournalEntry, type RecordEntry } from './journal-entries.js';
import { JournalCorruptedError } from './journal-errors.js';
import { JournalLedger } from './journal-ledger.js';
import { listSegments, type SegmentFile } from './segment-files.js';
import { payloadBounds, readSegment, type TornTail } from './segment-reader.js';

/** One segment file as read. */
export interface SegmentSummary {
  readonly name: string;
  readonly path: string;
  /** Number of its first entry. */
  readonly base: number;
  /** Bytes of its complete frames (its size, once a torn tail is cut). */
  readonly bytes: number;
  readonly entries: number;
  /** When the file was last written, in ms since the epoch: no entry in it was appended later. */
  readonly modifiedMs: number;
}

/** What a replay found. */
export interface Replay {
  readonly directory: string;
  readonly ledger: JournalLedger;
  readonly segments: readonly SegmentSummary[];
  /** The torn tail of the last segment, if it had one (cut off when replaying with `repair`). */
  readonly torn: TornTail | undefined;
  /** The number the next entry gets. */
  readonly nextNumber: number;
  /** Payloads of the records still pending. */
  readonly records: ReadonlyMap<number, RecordEntry>;
  /** Records in the files, and how many of them were acknowledged and settled without acknowledgement. */
  readonly counts: { records: number; acknowledged: number; settled: number };
}

export interface ReplayOptions {
  /** Cut a torn tail off the last segment (Journal.open); without it the files are only read. */
  readonly repair: boolean;
  /** Told of every entry, in order (the inspect command's entry listing). */
  readonly onEntry?: (number: number, entry: JournalEntry, file: SegmentFile, offset: number) => void;
}

export async function replayJournal(directory: string, options: ReplayOptions): Promise<Replay> {
  const files = await listSegments(directory);
  const ledger = new JournalLedger();
  const records = new Map<number, RecordEntry>();
  const counts = { records: 0, acknowledged: 0, settled: 0 };
  ledger.onSettled = (record, reason) => {
    records.delete(record);
    counts[reason]++;
  };
  const segments: SegmentSummary[] = [];
  let torn: TornTail | undefined;
  let number: number | undefined;
  for (const [index, file] of files.entries()) {
    const last = index === files.length - 1;
    if (number !== undefined && file.base !== number) {
      throw new JournalCorruptedError(
        file.path,
        -1,
        `it starts at entry ${file.base} but the segment before it ends before entry ${number}: a segment file between them is missing or was cut short`,
      );
    }
    number = file.base;
    const { mtimeMs } = await stat(file.path);
    const contents = await readSegment(file, last);
    const segment = ledger.startSegment(file.base);
    for (const offset of contents.frames) {
      const [start, end] = payloadBounds(contents.bytes, offset);
      let entry: JournalEntry;
      try {
        entry = decodePayload(contents.bytes, start, end, number);
      } catch (error) {
        if (error instanceof EntryDecodeError) throw new JournalCorruptedError(file.path, offset, `entry ${number} does not decode: ${error.message}`);
        throw error;
      }
      ledger.addEntry(end - offset);
      // A segment started by a roll begins with a copy of the identity (see Journal).
      if (number === file.base && entry.kind === 'identity') segment.headerEntries = 1;
      switch (entry.kind) {
        case 'identity':
          ledger.identityEntry(entry);
          break;
        case 'record':
          ledger.record(number, ledger.partitionId(entry.topic, entry.partition));
          records.set(number, entry);
          counts.records++;
          break;
        case 'batch':
          ledger.batch(number, entry.records, ledger.partitionId(entry.topic, entry.partition), { entry, file: file.path, offset });
          break;
        case 'acknowledged':
          ledger.acknowledged(entry.batch);
          break;
        case 'settled':
          ledger.settle(entry.records, 'settled');
          break;
      }
      options.onEntry?.(number, entry, file, offset);
      number++;
    }
    segments.push({ name: file.name, path: file.path, base: file.base, bytes: contents.validBytes, entries: contents.frames.length, modifiedMs: Math.floor(mtimeMs) });
    if (last && contents.torn) {
      torn = contents.torn;
      if (options.repair) await cutTail(file.path, contents.validBytes);
    }
  }
  return { directory, ledger, segments, torn, nextNumber: number ?? 0, records, counts };
}

/** Truncates the torn tail and syncs, so that the next append starts at a frame boundary. */
async function cutTail(path: string, length: number): Promise<void> {
  await truncate(path, length);
  const handle = await open(path, 'r+');
  try {
    await handle.datasync();
  } finally {
    await handle.close();
  }
}
