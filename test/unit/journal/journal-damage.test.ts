// A crash leaves at most a torn tail at the end of the last segment: it is cut off when the journal
// opens (and reported), and appending goes on from there. Damage anywhere else is corruption: the
// journal refuses to open with JournalCorruptedError naming the file and byte offset, and changes
// nothing.
import * as assert from 'node:assert/strict';
import { appendFile, mkdir, readFile, rename, stat, truncate, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { JournalCorruptedError } from '../../../src/journal/journal-errors.js';
import { freshDirectory, openJournal, record, segmentNames, values } from './journal-fixtures.js';

const FIRST = '00000000000000000000.log';

/** A closed journal of `count` records of partition 0 (one segment unless segmentBytes says otherwise). */
async function journalOf(count: number, segmentBytes?: number): Promise<string> {
  const directory = await freshDirectory();
  const journal = await openJournal({ directory, segmentBytes });
  for (let index = 0; index < count; index++) journal.appendRecord(record(index));
  await journal.close();
  return directory;
}

/** Byte offsets of the frames of a segment file. */
async function frameOffsets(path: string): Promise<number[]> {
  const bytes = await readFile(path);
  const offsets: number[] = [];
  for (let offset = 0; offset < bytes.length; offset += 8 + bytes.readUInt32BE(offset)) offsets.push(offset);
  return offsets;
}

async function flipByte(path: string, position: number): Promise<void> {
  const bytes = await readFile(path);
  bytes[position] = bytes[position]! ^ 0xff;
  await writeFile(path, bytes);
}

async function recoveredValues(directory: string): Promise<{ values: string[]; truncatedBytes: number }> {
  const journal = await openJournal({ directory });
  const result = { values: journal.recovered.unbatched.flatMap((group) => values(group.records)), truncatedBytes: journal.recovered.truncatedBytes };
  await journal.close();
  return result;
}

describe('journal damage', { timeout: 60_000 }, () => {
  it('cuts a frame torn in the middle off the last segment, and appends after the cut', async () => {
    const directory = await journalOf(5);
    const path = join(directory, FIRST);
    const offsets = await frameOffsets(path);
    const size = (await stat(path)).size;
    const cut = offsets[4]! + 11;
    await truncate(path, cut);
    const journal = await openJournal({ directory });
    assert.equal(journal.recovered.truncatedBytes, cut - offsets[4]!);
    assert.deepEqual(values(journal.recovered.unbatched[0]!.records), ['value-0', 'value-1', 'value-2', 'value-3']);
    assert.equal((await stat(path)).size, offsets[4]);
    assert.equal(journal.appendRecord(record(99)), 4);
    await journal.close();
    assert.ok((await stat(path)).size < size + 100);
    assert.deepEqual((await recoveredValues(directory)).values, ['value-0', 'value-1', 'value-2', 'value-3', 'value-99']);
  });

  it('cuts a last frame whose CRC does not match', async () => {
    const directory = await journalOf(3);
    const path = join(directory, FIRST);
    const offsets = await frameOffsets(path);
    const size = (await stat(path)).size;
    await flipByte(path, size - 1);
    const result = await recoveredValues(directory);
    assert.deepEqual(result, { values: ['value-0', 'value-1'], truncatedBytes: size - offsets[2]! });
  });

  it('cuts a frame header cut short, and zeros the file system left at the end', async () => {
    const directory = await journalOf(2);
    const path = join(directory, FIRST);
    await appendFile(path, Buffer.from([0, 0, 1]));
    assert.deepEqual(await recoveredValues(directory), { values: ['value-0', 'value-1'], truncatedBytes: 3 });
    await appendFile(path, Buffer.alloc(4096));
    assert.deepEqual(await recoveredValues(directory), { values: ['value-0', 'value-1'], truncatedBytes: 4096 });
  });

  it('refuses a CRC mismatch before the last frame, naming the file and the frame offset, and changes nothing', async () => {
    const directory = await journalOf(4);
    const path = join(directory, FIRST);
    const offsets = await frameOffsets(path);
    await flipByte(path, offsets[1]! + 12);
    const before = await readFile(path);
    await assert.rejects(openJournal({ directory }), (error: unknown) => {
      assert.ok(error instanceof JournalCorruptedError);
      assert.equal(error.code, 'JOURNAL_CORRUPTED');
      assert.equal(error.file, path);
      assert.equal(error.offset, offsets[1]);
      assert.match(error.message, new RegExp(`${FIRST} is corrupted at byte ${offsets[1]}: CRC mismatch`));
      return true;
    });
    assert.deepEqual(await readFile(path), before);
    // The lock was released: a repaired directory opens.
    await writeFile(path, before.subarray(0, offsets[1]));
    assert.deepEqual((await recoveredValues(directory)).values, ['value-0']);
  });

  it('refuses an impossible frame length in the middle of the last segment', async () => {
    const directory = await journalOf(3);
    const path = join(directory, FIRST);
    const offsets = await frameOffsets(path);
    const bytes = await readFile(path);
    bytes.writeUInt32BE(0, offsets[1]!);
    await writeFile(path, bytes);
    await assert.rejects(openJournal({ directory }), (error: unknown) => error instanceof JournalCorruptedError && error.offset === offsets[1] && /impossible frame length 0/.test(error.message));
  });

  it('refuses a torn end of a segment that is not the last', async () => {
    const directory = await journalOf(60, 1024);
    const names = await segmentNames(directory);
    assert.ok(names.length >= 3);
    const second = join(directory, names[1]!);
    const size = (await stat(second)).size;
    await truncate(second, size - 3);
    await assert.rejects(openJournal({ directory }), (error: unknown) => error instanceof JournalCorruptedError && error.file === second && /not the last/.test(error.message));
  });

  it('refuses a missing segment between two others, naming the one after the gap', async () => {
    const directory = await journalOf(60, 1024);
    const names = await segmentNames(directory);
    await mkdir(join(directory, 'aside'));
    await rename(join(directory, names[1]!), join(directory, 'aside', names[1]!));
    await assert.rejects(
      openJournal({ directory }),
      (error: unknown) => error instanceof JournalCorruptedError && error.file === join(directory, names[2]!) && /segment file between them is missing/.test(error.message),
    );
  });

  it('refuses an entry that does not decode although its CRC matches', async () => {
    const directory = await journalOf(2);
    const path = join(directory, FIRST);
    const { crc32c } = await import('../../../src/records/crc32c.js');
    // A frame with a valid CRC around a payload of an unknown kind, then a good frame after it.
    const payload = Buffer.from([77, 1, 2]);
    const frame = Buffer.alloc(8 + payload.length);
    frame.writeUInt32BE(payload.length, 0);
    frame.writeUInt32BE(crc32c(payload) >>> 0, 4);
    payload.copy(frame, 8);
    const size = (await stat(path)).size;
    const bytes = await readFile(path);
    await writeFile(path, Buffer.concat([bytes, frame, bytes.subarray(0, (await frameOffsets(path))[1])]));
    await assert.rejects(openJournal({ directory }), (error: unknown) => error instanceof JournalCorruptedError && error.offset === size && /entry 2 does not decode: unknown entry kind 77/.test(error.message));
  });
});
