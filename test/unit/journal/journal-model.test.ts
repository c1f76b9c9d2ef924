// Random sequences of what a producer does with its journal (records on three partitions, batches
// of the oldest unbatched records, batches sent again under a new epoch or split in two,
// acknowledgements, records settled, reopening) against a plain model of the same rules: after
// every reopening the journal gives back exactly the model's unacknowledged batches and unbatched
// records; small segments make it roll and delete on the way, and once everything is settled
// only the last segment remains.
import * as assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import type { Journal } from '../../../src/journal/journal.js';
import { freshDirectory, openJournal, record, segmentNames } from './journal-fixtures.js';

type Step =
  | { kind: 'append'; partition: number; count: number }
  | { kind: 'batch'; partition: number; size: number }
  | { kind: 'resend'; pick: number }
  | { kind: 'split'; pick: number }
  | { kind: 'acknowledge'; pick: number }
  | { kind: 'settle'; pick: number }
  | { kind: 'reopen' };

const step: fc.Arbitrary<Step> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ kind: fc.constant('append' as const), partition: fc.nat(2), count: fc.integer({ min: 1, max: 12 }) }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('batch' as const), partition: fc.nat(2), size: fc.integer({ min: 1, max: 6 }) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('resend' as const), pick: fc.nat() }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('split' as const), pick: fc.nat() }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('acknowledge' as const), pick: fc.nat() }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('settle' as const), pick: fc.nat() }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('reopen' as const) }) },
);

interface ModelBatch {
  partition: number;
  epoch: number;
  baseSequence: number;
  /** Record numbers in batch order. */
  records: number[];
}

/** The rules of docs/journal-format.md, with arrays. */
class Model {
  /** Pending record number -> its partition and value index. */
  readonly pending = new Map<number, { partition: number; index: number }>();
  /** Pending record number -> the batch entry holding it. */
  readonly owner = new Map<number, number>();
  readonly batches = new Map<number, ModelBatch>();
  readonly sequences = [0, 0, 0];

  live(): number[] {
    return [...this.batches.keys()].filter((number) => this.batches.get(number)!.records.some((record) => this.owner.get(record) === number));
  }

  unbatched(partition: number): number[] {
    return [...this.pending.keys()].filter((record) => this.pending.get(record)!.partition === partition && !this.owner.has(record)).sort((a, b) => a - b);
  }

  take(number: number, batch: ModelBatch): void {
    this.batches.set(number, batch);
    for (const record of batch.records) this.owner.set(record, number);
  }

  settle(record: number): void {
    this.pending.delete(record);
    this.owner.delete(record);
  }

  /** The runs of records a live batch still holds, with their sequences. */
  parts(number: number): { baseSequence: number; records: number[]; whole: boolean }[] {
    const batch = this.batches.get(number)!;
    const parts: { baseSequence: number; records: number[]; whole: boolean }[] = [];
    let current: number[] | undefined;
    batch.records.forEach((record, position) => {
      if (this.owner.get(record) !== number) {
        current = undefined;
        return;
      }
      if (!current) parts.push({ baseSequence: (batch.baseSequence + position) % 2 ** 31, records: (current = []), whole: false });
      current.push(record);
    });
    if (parts.length === 1 && parts[0]!.records.length === batch.records.length) parts[0]!.whole = true;
    return parts;
  }
}

async function check(journal: Journal, model: Model): Promise<void> {
  const expected = model
    .live()
    .flatMap((number) => model.parts(number).map((part) => ({ number, part, batch: model.batches.get(number)! })))
    .sort((a, b) => a.part.records[0]! - b.part.records[0]!);
  const { batches, unbatched } = journal.recovered;
  assert.deepEqual(
    batches.map((batch) => [batch.partition, batch.epoch, batch.baseSequence, batch.records.map((entry) => entry.number)]),
    expected.map(({ part, batch }) => [batch.partition, batch.epoch, part.baseSequence, part.records]),
  );
  for (const [index, batch] of batches.entries()) {
    const { number, part } = expected[index]!;
    if (part.whole) assert.equal(batch.number, number);
    else {
      // A remainder got an entry of its own: the model follows.
      const original = model.batches.get(number)!;
      model.take(batch.number, { partition: original.partition, epoch: original.epoch, baseSequence: part.baseSequence, records: part.records });
    }
    for (const entry of batch.records) assert.equal(entry.value?.toString(), `value-${model.pending.get(entry.number)!.index}`);
  }
  for (let partition = 0; partition < 3; partition++) {
    const group = unbatched.find((entry) => entry.partition === partition);
    assert.deepEqual(group?.records.map((entry) => entry.number) ?? [], model.unbatched(partition));
  }
}

describe('journal against a model', { timeout: 300_000 }, () => {
  it('gives back what the model says after every reopening', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(step, { minLength: 40, maxLength: 160, size: 'max' }), async (steps) => {
        const directory = await freshDirectory();
        const options = { directory, segmentBytes: 1024, maxBytes: 1 << 20 };
        let journal = await openJournal(options);
        const model = new Model();
        let index = 0;
        for (const current of [...steps, { kind: 'reopen' } as const]) {
          const live = model.live();
          const pick = (value: number) => live[value % live.length]!;
          switch (current.kind) {
            case 'append':
              for (let count = 0; count < current.count; count++, index++) {
                model.pending.set(journal.appendRecord(record(index, current.partition)), { partition: current.partition, index });
              }
              break;
            case 'batch': {
              const records = model.unbatched(current.partition).slice(0, current.size);
              if (records.length === 0) break;
              const batch = { partition: current.partition, epoch: 0, baseSequence: model.sequences[current.partition]!, records };
              model.sequences[current.partition]! += records.length;
              model.take(journal.appendBatch({ topic: 'orders', producerId: 1n, ...batch }), batch);
              break;
            }
            case 'resend': {
              if (live.length === 0) break;
              const number = pick(current.pick);
              const original = model.batches.get(number)!;
              const part = model.parts(number)[0]!;
              const batch = { partition: original.partition, epoch: original.epoch + 1, baseSequence: part.baseSequence, records: part.records };
              model.take(journal.appendBatch({ topic: 'orders', producerId: 1n, ...batch }), batch);
              break;
            }
            case 'split': {
              if (live.length === 0) break;
              const number = pick(current.pick);
              const original = model.batches.get(number)!;
              const part = model.parts(number)[0]!;
              if (part.records.length < 2) break;
              const half = { ...original, baseSequence: part.baseSequence, records: part.records.slice(0, part.records.length >> 1) };
              model.take(journal.appendBatch({ topic: 'orders', producerId: 1n, ...half }), half);
              break;
            }
            case 'acknowledge': {
              if (live.length === 0) break;
              const number = pick(current.pick);
              journal.acknowledge(number, 0n);
              for (const record of model.batches.get(number)!.records) model.settle(record);
              break;
            }
            case 'settle': {
              const pending = [...model.pending.keys()];
              if (pending.length === 0) break;
              const record = pending[current.pick % pending.length]!;
              journal.settle([record]);
              model.settle(record);
              break;
            }
            case 'reopen':
              await journal.close();
              journal = await openJournal(options);
              await check(journal, model);
              break;
          }
        }
        // Settle everything: the journal shrinks to its last segment.
        const pending = [...model.pending.keys()].sort((a, b) => a - b);
        if (pending.length > 0) journal.settle(pending);
        await journal.close();
        journal = await openJournal(options);
        assert.deepEqual([journal.recovered.batches, journal.recovered.unbatched], [[], []]);
        assert.ok((await segmentNames(directory)).length <= 1, "at most the last segment is left");
        assert.equal(journal.stats().segments, 1);
        await journal.close();
      }),
      { numRuns: 50 },
    );
  });
});
