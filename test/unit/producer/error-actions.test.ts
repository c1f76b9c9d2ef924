// How each error code is handled: for a batch of a Produce request (success, retry, retry after a
// metadata refresh, split, sequence rules, fenced, fatal to the batch) and for a coordinator
// request (look the coordinator up again, retry, fenced, fatal).
import * as assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { classify, mayHaveBeenWritten } from '../../../src/producer/error-actions.js';

describe('classify', () => {
  const cases: [number, string][] = [
    [0, 'success'],
    [46, 'success'],
    [10, 'split'],
    [18, 'split'],
    [45, 'sequence-rejected'],
    [59, 'sequence-rejected'],
    // INVALID_PRODUCER_EPOCH fails the batch only (KIP-588): abortable for a transaction.
    [47, 'fatal'],
    [90, 'fenced'],
    [6, 'retry-after-metadata'],
    [3, 'retry-after-metadata'],
    [5, 'retry-after-metadata'],
    [74, 'retry-after-metadata'],
    [19, 'retry'],
    [20, 'retry'],
    [7, 'retry'],
    [2, 'retry'],
    [29, 'fatal'],
    [40, 'fatal'],
    [87, 'fatal'],
    [31, 'fatal'],
    [-1, 'fatal'],
    [9999, 'fatal'],
  ];
  for (const [code, outcome] of cases) {
    it(`Produce code ${code} -> ${outcome}`, () => assert.equal(classify(code, 'produce'), outcome));
  }

  const coordinatorCases: [number, string][] = [
    [0, 'success'],
    [15, 'find-coordinator'],
    [16, 'find-coordinator'],
    [14, 'retry'],
    [51, 'retry'],
    [47, 'fenced'],
    [90, 'fenced'],
    [7, 'retry'],
    [53, 'fatal'],
    [31, 'fatal'],
  ];
  for (const [code, action] of coordinatorCases) {
    it(`coordinator code ${code} -> ${action}`, () => assert.equal(classify(code, 'coordinator'), action));
  }

  it('knows which errors may follow an append', () => {
    assert.equal(mayHaveBeenWritten(20), true);
    assert.equal(mayHaveBeenWritten(7), true);
    assert.equal(mayHaveBeenWritten(19), false);
    assert.equal(mayHaveBeenWritten(6), false);
  });
});
