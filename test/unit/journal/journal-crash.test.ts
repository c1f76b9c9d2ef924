// A producer process killed with SIGKILL in the middle of journaling: the next journal on the
// directory takes over its stale lock and gets back every unacknowledged batch the dead process
// had made durable, exactly (records, producer id, epoch, sequences), no acknowledged batch, and
// the records it had not batched yet, in order.
import * as assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { readChildLines } from '../../helpers/child-lines.js';
import { freshDirectory, openJournal, values } from './journal-fixtures.js';

const childPath = fileURLToPath(new URL('./journal-crash-child.js', import.meta.url));

/** Starts the child and kills it after it has reported `reports` durable batches; returns the last one reported. */
function runAndKill(directory: string, reports: number): Promise<number> {
  const child = spawn(process.execPath, [childPath, directory], { stdio: ['ignore', 'pipe', 'pipe'] });
  let last = -1;
  let seen = 0;
  const onLines = (lines: readonly string[]) => {
    for (const line of lines) {
      last = Number(line.split(' ')[1]);
      if (++seen === reports) child.kill('SIGKILL');
    }
  };
  const timedOut = (stderr: string) => new Error(`the child reported ${seen} batches in 30 s; stderr: ${stderr}`);
  return readChildLines(child, onLines, 30_000, timedOut).then(({ code, signal, stderr }) => {
    if (signal === 'SIGKILL') return last;
    throw new Error(`the child exited with ${code} before it was killed; stderr: ${stderr}`);
  });
}

describe('journal after a crash', { timeout: 60_000 }, () => {
  it('recovers what a killed process made durable', async () => {
    const directory = await freshDirectory();
    const reported = await runAndKill(directory, 30);
    const warnings: string[] = [];
    const journal = await openJournal({ directory, logger: { warn: (message) => warnings.push(message) } });
    assert.ok(warnings.some((warning) => /taking over a stale lock/.test(warning)), 'the dead process lock is taken over');
    const { recovered } = journal;
    assert.deepEqual(recovered.identity, { producerId: 77n, epoch: 4, time: 1 });
    const recoveredBatches = new Set<number>();
    for (const batch of recovered.batches) {
      const index = batch.baseSequence / 10;
      assert.ok(Number.isInteger(index));
      assert.deepEqual([batch.producerId, batch.epoch, batch.topic, batch.partition], [77n, 4, 'orders', 0]);
      assert.deepEqual(
        values(batch.records),
        Array.from({ length: 10 }, (_, offset) => `value-${batch.baseSequence + offset}`),
      );
      // An even batch reported durable had its acknowledgement durable with it.
      assert.ok(index % 2 === 1 || index > reported, `batch ${index} was acknowledged`);
      recoveredBatches.add(index);
    }
    assert.equal(recovered.unbatched.length, 1);
    const unbatched = values(recovered.unbatched[0]!.records).map((value) => Number(value.slice('value-'.length)));
    const firstUnbatched = unbatched[0]!;
    assert.equal(firstUnbatched % 10, 0);
    assert.deepEqual(
      unbatched,
      Array.from({ length: unbatched.length }, (_, offset) => firstUnbatched + offset),
    );
    const batched = firstUnbatched / 10;
    assert.ok(batched > reported, `batches up to ${reported} were durable, the journal holds ${batched}`);
    for (let index = 1; index < batched; index += 2) assert.ok(recoveredBatches.has(index), `unacknowledged batch ${index} is recovered`);
    await journal.close();
  });
});
