// The transaction state table: the transitions a transactional producer may make, the retries of a
// commit or abort that got no answer, FATAL_ERROR reachable from everywhere and final, and refused
// calls named with the state and what may be called in it.
import * as assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { KafkaError } from '../../../src/errors/kafka-error.js';
import { canTransition, type TransactionState, TransactionStateMachine } from '../../../src/producer/transactions/transaction-state.js';

const states: TransactionState[] = ['UNINITIALIZED', 'INITIALIZING', 'READY', 'IN_TRANSACTION', 'COMMITTING', 'ABORTING', 'ABORTABLE_ERROR', 'FATAL_ERROR'];

function machineIn(state: TransactionState): TransactionStateMachine {
  const machine = new TransactionStateMachine();
  machine.state = state;
  return machine;
}

function refused(run: () => void, pattern: RegExp): void {
  assert.throws(run, (error: unknown) => error instanceof KafkaError && error.code === 'INVALID_TRANSACTION_STATE' && pattern.test(error.message));
}

describe('TransactionStateMachine', () => {
  it('walks a commit and an abort with its epoch bump', () => {
    const machine = new TransactionStateMachine();
    for (const next of ['INITIALIZING', 'READY', 'IN_TRANSACTION', 'COMMITTING', 'READY', 'IN_TRANSACTION', 'ABORTABLE_ERROR', 'ABORTING', 'INITIALIZING', 'READY'] as const) {
      machine.transition(next, 'test');
      assert.equal(machine.state, next);
    }
  });

  it('lets a commit or an abort without an answer be retried, and refuses the other one meanwhile', () => {
    assert.ok(canTransition('COMMITTING', 'COMMITTING'));
    assert.ok(canTransition('ABORTING', 'ABORTING'));
    refused(() => machineIn('COMMITTING').transition('ABORTING', 'abortTransaction()'), /^Cannot abortTransaction\(\): .* state is COMMITTING \(.*call commitTransaction\(\) again/);
    refused(() => machineIn('ABORTING').transition('COMMITTING', 'commitTransaction()'), /state is ABORTING \(.*call abortTransaction\(\) again/);
    refused(() => machineIn('COMMITTING').transition('IN_TRANSACTION', 'beginTransaction()'), /COMMITTING/);
  });

  it('makes a refused commit abortable, and an abortable transaction only abortable', () => {
    assert.ok(canTransition('COMMITTING', 'ABORTABLE_ERROR'));
    assert.ok(canTransition('ABORTABLE_ERROR', 'ABORTING'));
    refused(() => machineIn('ABORTABLE_ERROR').transition('COMMITTING', 'commitTransaction()'), /ABORTABLE_ERROR \(.*call abortTransaction\(\)/);
  });

  it('lets initTransactions() or an epoch bump that failed be retried from UNINITIALIZED', () => {
    assert.ok(canTransition('INITIALIZING', 'UNINITIALIZED'));
    assert.ok(canTransition('UNINITIALIZED', 'INITIALIZING'));
  });

  it('reaches FATAL_ERROR from every state, and leaves it never', () => {
    for (const state of states) {
      if (state !== 'FATAL_ERROR') assert.ok(canTransition(state, 'FATAL_ERROR'), state);
      assert.equal(canTransition('FATAL_ERROR', state), false, state);
    }
  });

  it('names the state and what to call in a refused call', () => {
    refused(() => machineIn('READY').require('sendOffsetsToTransaction()', 'IN_TRANSACTION'), /^Cannot sendOffsetsToTransaction\(\): .* state is READY \(.*beginTransaction\(\)/);
    refused(() => machineIn('UNINITIALIZED').transition('IN_TRANSACTION', 'beginTransaction()'), /initTransactions\(\)/);
    machineIn('IN_TRANSACTION').require('sendOffsetsToTransaction()', 'IN_TRANSACTION');
  });
});
