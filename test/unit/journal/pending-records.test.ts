// The ring of pending records' owners against a Map doing the same: any mix of appends, owner
// changes and deletions, with gaps of other entries between records, reads back the same, in
// number order, through growth, wrap-around and restarts of an empty window.
import * as assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { PendingRecords } from '../../../src/journal/pending-records.js';

type Operation = { kind: 'append'; gap: number; owner: number } | { kind: 'owner'; pick: number; owner: number } | { kind: 'delete'; pick: number };

const operation = fc.oneof(
  fc.record({ kind: fc.constant('append' as const), gap: fc.nat(5), owner: fc.integer({ min: -4, max: 50 }) }),
  fc.record({ kind: fc.constant('owner' as const), pick: fc.nat(), owner: fc.integer({ min: 0, max: 50 }) }),
  fc.record({ kind: fc.constant('delete' as const), pick: fc.nat() }),
  // Deleting the oldest, as acknowledgements mostly do, moves the window.
  fc.record({ kind: fc.constant('delete' as const), pick: fc.constant(0) }),
);

describe('PendingRecords', () => {
  it('behaves as a Map of pending records in number order', () => {
    fc.assert(
      fc.property(fc.array(operation, { maxLength: 3000 }), fc.nat(2 ** 40), (operations: Operation[], first) => {
        const table = new PendingRecords();
        const model = new Map<number, number>();
        let next = first;
        for (const step of operations) {
          const keys = [...model.keys()];
          if (step.kind === 'append') {
            next += step.gap;
            table.set(next, step.owner);
            model.set(next, step.owner);
            next++;
          } else if (keys.length > 0) {
            const number = keys[step.pick % keys.length]!;
            if (step.kind === 'owner') {
              table.set(number, step.owner);
              model.set(number, step.owner);
            } else {
              assert.equal(table.delete(number), model.get(number));
              model.delete(number);
              assert.equal(table.delete(number), undefined);
            }
          }
          assert.equal(table.size, model.size);
        }
        const seen: [number, number][] = [];
        table.forEach((number, owner) => {
          seen.push([number, owner]);
        });
        assert.deepEqual(
          seen,
          [...model].sort((a, b) => a[0] - b[0]),
        );
        for (let number = first; number < next; number++) assert.equal(table.get(number), model.get(number));
      }),
      { numRuns: 200 },
    );
  });

  it('refuses a number behind its window', () => {
    const table = new PendingRecords();
    table.set(10, -1);
    table.set(11, -1);
    table.delete(10);
    assert.throws(() => table.set(10, 3), RangeError);
  });
});
