// `kafka-producer journal inspect`, run as the built command: what it prints for a small journal,
// a torn tail reported and left in place, corruption reported with file and offset (exit code 1),
// and a command line it cannot run (exit code 2).
import * as assert from 'node:assert/strict';
import { appendFile, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { runCli } from '../../integration/cli/run-cli.js';
import { freshDirectory, openJournal, record } from './journal-fixtures.js';

const FIRST = '00000000000000000000.log';

/** A closed journal: an identity, 10 records on two partitions, three batches, one acknowledged, one record settled. */
async function smallJournal(): Promise<{ directory: string; batches: number[] }> {
  const directory = await freshDirectory();
  const journal = await openJournal({ directory });
  journal.appendIdentity({ producerId: 42n, epoch: 3, time: Date.UTC(2025, 2, 1) });
  const numbers = Array.from({ length: 10 }, (_, index) => journal.appendRecord(record(index, index % 2)));
  const even = numbers.filter((_, index) => index % 2 === 0);
  const odd = numbers.filter((_, index) => index % 2 === 1);
  const a = journal.appendBatch({ topic: 'orders', partition: 0, producerId: 42n, epoch: 3, baseSequence: 0, records: even.slice(0, 2) });
  const b = journal.appendBatch({ topic: 'orders', partition: 1, producerId: 42n, epoch: 3, baseSequence: 0, records: odd.slice(0, 2) });
  const c = journal.appendBatch({ topic: 'orders', partition: 0, producerId: 42n, epoch: 3, baseSequence: 2, records: even.slice(2, 5) });
  journal.acknowledge(a, 100n);
  journal.settle([odd[4]!]);
  await journal.close();
  return { directory, batches: [a, b, c] };
}

describe('kafka-producer journal inspect', { timeout: 120_000 }, () => {
  it('prints the identity, segments, record counts and unacknowledged batches', async () => {
    const { directory, batches } = await smallJournal();
    const { code, stdout, stderr } = await runCli(['journal', 'inspect', directory]);
    assert.equal(code, 0, stderr);
    const lines = stdout.split('\n');
    assert.ok(lines.includes(`Journal ${directory}`));
    assert.ok(lines.includes('Lock: none'));
    assert.ok(lines.includes('Identity: producer id 42, epoch 3 (obtained 2025-03-01T00:00:00.000Z)'), stdout);
    const size = (await stat(join(directory, FIRST))).size;
    assert.match(stdout, new RegExp(`^${FIRST}\\s+${size}\\s+16\\s+0$`, 'm'));
    assert.ok(lines.includes('Records in the files: 10: pending 7 (in batches 5, never batched 2), acknowledged 2, settled 1'), stdout);
    assert.ok(lines.includes('Unacknowledged batches: 2'));
    assert.match(stdout, new RegExp(`^${batches[1]}\\s+orders-1\\s+42\\s+3\\s+0\\s+2$`, 'm'));
    assert.match(stdout, new RegExp(`^${batches[2]}\\s+orders-0\\s+42\\s+3\\s+2\\s+3$`, 'm'));
    assert.ok(lines.includes('Torn tail: none'));
  });

  it('lists entries and prints JSON', async () => {
    const { directory, batches } = await smallJournal();
    const listed = await runCli(['journal', 'inspect', directory, '--entries', '--limit', '3']);
    assert.equal(listed.code, 0, listed.stderr);
    assert.match(listed.stdout, new RegExp(`^0\\s+${FIRST}\\s+0\\s+identity\\s+producer id 42, epoch 3$`, 'm'));
    assert.match(listed.stdout, /^2\s+\S+\s+\d+\s+record\s+orders-1, timestamp 1700000000001, key 2 B, value 7 B, 1 header\(s\)$/m);
    assert.doesNotMatch(listed.stdout, /^3\s/m);
    const json = await runCli(['journal', 'inspect', directory, '--json']);
    assert.equal(json.code, 0, json.stderr);
    const parsed = JSON.parse(json.stdout) as { identity: { producerId: string }; records: { pending: number }; batches: { entry: number; baseSequence: number }[] };
    assert.equal(parsed.identity.producerId, '42');
    assert.equal(parsed.records.pending, 7);
    assert.deepEqual(
      parsed.batches.map((batch) => [batch.entry, batch.baseSequence]),
      [
        [batches[1], 0],
        [batches[2], 2],
      ],
    );
  });

  it('reports a torn tail and leaves it in place', async () => {
    const { directory } = await smallJournal();
    const path = join(directory, FIRST);
    const size = (await stat(path)).size;
    await appendFile(path, Buffer.from([0, 0, 0, 99, 1, 2, 3, 4, 5]));
    const { code, stdout } = await runCli(['journal', 'inspect', directory]);
    assert.equal(code, 0);
    assert.ok(stdout.includes(`Torn tail: ${path} at byte ${size}: 9 bytes (a frame of 99 bytes runs past the end of the file (1 bytes left)); left in place`), stdout);
    assert.equal((await stat(path)).size, size + 9);
  });

  it('reports corruption with the file and offset, changing nothing, with exit code 1', async () => {
    const { directory } = await smallJournal();
    const path = join(directory, FIRST);
    const bytes = await readFile(path);
    const second = 8 + bytes.readUInt32BE(0);
    bytes[second + 9] = bytes[second + 9]! ^ 0xff;
    await writeFile(path, bytes);
    const { code, stdout } = await runCli(['journal', 'inspect', directory]);
    assert.equal(code, 1);
    assert.ok(stdout.includes(`CORRUPTED: Journal file ${path} is corrupted at byte ${second}: CRC mismatch`), stdout);
    assert.deepEqual(await readFile(path), bytes);
  });

  it('refuses a command line it cannot run', async () => {
    const missing = await runCli(['journal']);
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /journal: no action given/);
    const noDirectory = await runCli(['journal', 'inspect']);
    assert.equal(noDirectory.code, 2);
    assert.match(noDirectory.stderr, /no directory given/);
    const notDirectory = await runCli(['journal', 'inspect', join(await freshDirectory(), 'nothing-here')]);
    assert.equal(notDirectory.code, 1);
    assert.match(notDirectory.stderr, /is not a directory/);
  });
});
