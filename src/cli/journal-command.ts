// `kafka-producer journal inspect <directory>`: what a producer's journal holds, read-only: the
// identity, the segment files, how many records are pending, acknowledged and settled, the
// batches a producer opening it would resend, and a torn tail or corruption. Nothing is changed,
// not even a torn tail (opening the journal cuts that), so it can look at a running producer's.
import { stat } from 'node:fs/promises';
import { JournalCorruptedError } from '../journal/journal-errors.js';
import { type InspectedEntry, inspectJournal, type JournalInspection } from '../journal/journal-inspection.js';
import { integerOption, parseCommandLine } from './arguments.js';
import { formatBytes, formatCount } from './format-units.js';
import { formatTable } from './text-table.js';
import { UsageError } from './usage-error.js';

export const usage = `Usage: kafka-producer journal inspect <directory> [options]

Prints what a producer journal holds, without changing it: the producer identity, the segment
files (name, bytes, entries), how many records are pending, acknowledged and settled, the
unacknowledged batches a producer opening the journal would resend (topic-partition, producer
id, epoch, base sequence, records), and a torn tail or corruption. A torn tail (the end of a
write a crash cut short) is reported and left in place: opening the journal cuts it.
The exit code is 1 when a file is corrupted or cannot be read.

Options:
  --entries        also list every entry (number, file, byte offset, kind, fields)
  --limit <n>      list at most n batches and n entries (default 100)
  --json           print the inspection as JSON instead of text (producer ids and
                   offsets as strings, keys and values in base64)
  -h, --help       this text`;

export const options = {
  entries: { type: 'boolean' },
  limit: { type: 'string' },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

export async function run(argv: string[]): Promise<number> {
  const { values, positionals } = parseCommandLine('journal', usage, { args: argv, options, allowPositionals: true });
  if (values.help) {
    process.stdout.write(`${usage}\n`);
    return 0;
  }
  const [action, directory, ...extra] = positionals;
  if (action !== 'inspect') throw new UsageError(action === undefined ? 'journal: no action given (inspect)' : `journal: unknown action '${action}' (inspect)`, usage);
  if (directory === undefined) throw new UsageError('journal inspect: no directory given', usage);
  if (extra.length > 0) throw new UsageError(`journal inspect: unexpected argument '${extra[0]}'`, usage);
  const limit = integerOption('limit', values.limit, usage, 0) ?? 100;
  if (!(await isDirectory(directory))) {
    process.stderr.write(`kafka-producer: journal inspect: ${directory} is not a directory\n`);
    return 1;
  }
  let inspection: JournalInspection;
  try {
    inspection = await inspectJournal(directory, { entryLimit: values.entries ? limit : 0 });
  } catch (error) {
    if (!(error instanceof JournalCorruptedError)) throw error;
    if (values.json) process.stdout.write(`${JSON.stringify({ directory, corrupted: { file: error.file, offset: error.offset, message: error.message } }, null, 2)}\n`);
    else process.stdout.write(`Journal ${directory}\nCORRUPTED: ${error.message}\nNothing was changed. A producer cannot open this journal until the file is repaired or moved away.\n`);
    return 1;
  }
  if (values.json) process.stdout.write(`${JSON.stringify(inspection, jsonValue, 2)}\n`);
  else for (const line of report(inspection, limit)) process.stdout.write(`${line}\n`);
  return 0;
}

async function isDirectory(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isDirectory();
  } catch {
    return false;
  }
}

/** Bigints (producer ids, offsets) as strings and byte fields in base64: JSON has neither. */
function jsonValue(_key: string, value: unknown): unknown {
  if (typeof value === 'bigint') return value.toString();
  if (value && typeof value === 'object' && (value as { type?: unknown }).type === 'Buffer' && Array.isArray((value as { data?: unknown }).data)) {
    return Buffer.from((value as { data: number[] }).data).toString('base64');
  }
  return value;
}

function report(inspection: JournalInspection, limit: number): string[] {
  const lines = [`Journal ${inspection.directory}`];
  const { lock, identity, records } = inspection;
  lines.push(
    lock
      ? `Lock: process ${lock.pid} on ${lock.host} since ${lock.startedAt} (${lock.alive ? 'running: the files may be changing' : 'not running: the next producer takes the lock over'})`
      : 'Lock: none',
  );
  lines.push(identity ? `Identity: producer id ${identity.producerId}, epoch ${identity.epoch} (obtained ${new Date(identity.time).toISOString()})` : 'Identity: none');
  lines.push(`Next entry: ${inspection.nextNumber}; ${formatBytes(inspection.usedBytes)} in ${inspection.segments.length} segment(s)`, '');
  lines.push(
    ...formatTable(
      ['SEGMENT', 'BYTES', 'ENTRIES', 'FIRST ENTRY'],
      inspection.segments.map((segment) => [segment.name, String(segment.bytes), String(segment.entries), String(segment.base)]),
    ),
  );
  lines.push(
    '',
    `Records in the files: ${formatCount(records.total)}: pending ${formatCount(records.pending)} (in batches ${formatCount(records.batched)}, never batched ${formatCount(records.pending - records.batched)}), acknowledged ${formatCount(records.acknowledged)}, settled ${formatCount(records.settled)}`,
  );
  lines.push('', `Unacknowledged batches: ${inspection.batches.length}`);
  if (inspection.batches.length > 0) {
    lines.push(
      ...formatTable(
        ['BATCH', 'TOPIC-PARTITION', 'PRODUCER ID', 'EPOCH', 'BASE SEQUENCE', 'RECORDS'],
        inspection.batches
          .slice(0, limit)
          .map((batch) => [
            `${batch.entry}${batch.part ? ' (part)' : ''}`,
            `${batch.topic}-${batch.partition}`,
            String(batch.producerId),
            String(batch.epoch),
            String(batch.baseSequence),
            String(batch.records),
          ]),
      ),
    );
    if (inspection.batches.length > limit) lines.push(`... ${inspection.batches.length - limit} more (--limit)`);
  }
  if (inspection.entries.length > 0) {
    lines.push('', 'Entries:');
    lines.push(...formatTable(['NUMBER', 'FILE', 'OFFSET', 'KIND', 'FIELDS'], inspection.entries.map(entryRow)));
  }
  const { torn } = inspection;
  lines.push(
    '',
    torn
      ? `Torn tail: ${torn.file} at byte ${torn.offset}: ${torn.bytes} bytes (${torn.reason}); left in place, opening the journal cuts it`
      : 'Torn tail: none',
  );
  return lines;
}

function entryRow({ number, file, offset, entry }: InspectedEntry): string[] {
  let fields: string;
  switch (entry.kind) {
    case 'identity':
      fields = `producer id ${entry.producerId}, epoch ${entry.epoch}`;
      break;
    case 'record':
      fields = `${entry.topic}-${entry.partition}, timestamp ${entry.timestamp}, key ${sizeOf(entry.key)}, value ${sizeOf(entry.value)}, ${entry.headers.length} header(s)`;
      break;
    case 'batch':
      fields = `${entry.topic}-${entry.partition}, producer id ${entry.producerId}, epoch ${entry.epoch}, base sequence ${entry.baseSequence}, records ${runsText(entry.records)}`;
      break;
    case 'acknowledged':
      fields = `batch ${entry.batch} at offset ${entry.offset}`;
      break;
    case 'settled':
      fields = `records ${runsText(entry.records)}`;
      break;
  }
  return [String(number), file, String(offset), entry.kind, fields];
}

function sizeOf(data: Buffer | null): string {
  return data === null ? 'null' : `${data.length} B`;
}

function runsText(runs: readonly number[]): string {
  const parts: string[] = [];
  for (let index = 0; index < runs.length; index += 2) {
    const start = runs[index]!;
    const count = runs[index + 1]!;
    parts.push(count === 1 ? String(start) : `${start}-${start + count - 1}`);
  }
  return parts.join(',');
}
