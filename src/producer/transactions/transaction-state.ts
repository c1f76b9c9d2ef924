// The states of a transactional producer and the only transitions allowed between them (as in
// Java's TransactionManager). Any other move is a usage error reported to the caller, naming the
// state and what may be called in it.
import { KafkaError } from '../../errors/kafka-error.js';

export type TransactionState =
  | 'UNINITIALIZED'
  | 'INITIALIZING'
  | 'READY'
  | 'IN_TRANSACTION'
  | 'COMMITTING'
  | 'ABORTING'
  | 'ABORTABLE_ERROR'
  | 'FATAL_ERROR';

// Every state may move to FATAL_ERROR (fenced, or refused for good); FATAL_ERROR is final.
const transitions: Readonly<Record<TransactionState, readonly TransactionState[]>> = {
  // initTransactions(); also the retry of an epoch bump whose InitProducerId failed.
  UNINITIALIZED: ['INITIALIZING', 'FATAL_ERROR'],
  // READY once InitProducerId answered; back to UNINITIALIZED when it failed, so that it can be retried.
  INITIALIZING: ['READY', 'UNINITIALIZED', 'FATAL_ERROR'],
  READY: ['IN_TRANSACTION', 'INITIALIZING', 'FATAL_ERROR'],
  IN_TRANSACTION: ['COMMITTING', 'ABORTING', 'ABORTABLE_ERROR', 'FATAL_ERROR'],
  // COMMITTING again: a commit whose EndTxn got no answer is retried (abort is refused, since the
  // commit may be completing at the coordinator). ABORTABLE_ERROR: a record failed, or the
  // coordinator refused the commit.
  // INITIALIZING: the epoch bump that ends the last transaction of the first protocol once the
  // cluster moved to transactions v2.
  COMMITTING: ['READY', 'COMMITTING', 'INITIALIZING', 'ABORTABLE_ERROR', 'FATAL_ERROR'],
  // ABORTING again: an abort whose EndTxn got no answer is retried. INITIALIZING: the epoch bump.
  ABORTING: ['READY', 'ABORTING', 'INITIALIZING', 'FATAL_ERROR'],
  ABORTABLE_ERROR: ['ABORTING', 'ABORTABLE_ERROR', 'FATAL_ERROR'],
  FATAL_ERROR: [],
};

// What a caller may do in each state, for the message of a refused call.
const hints: Readonly<Record<TransactionState, string>> = {
  UNINITIALIZED: 'call initTransactions(), again if it or the epoch bump that ends an abort failed',
  INITIALIZING: 'initTransactions(), or the epoch bump that ends an abort, is under way',
  READY: 'no transaction is open: call beginTransaction() first',
  IN_TRANSACTION: 'a transaction is open: commit or abort it first',
  COMMITTING:
    'a commitTransaction() is under way, or got no answer from the coordinator and may have completed there: call commitTransaction() again to finish it',
  ABORTING: 'an abortTransaction() is under way, or got no answer from the coordinator: call abortTransaction() again to finish it',
  ABORTABLE_ERROR: 'a record or request of the transaction failed: call abortTransaction()',
  FATAL_ERROR: 'the producer cannot go on: close it',
};

/** Whether the table allows moving from `from` to `to`. */
export function canTransition(from: TransactionState, to: TransactionState): boolean {
  return transitions[from].includes(to);
}

/** Holds the current state; refuses transitions the table does not list. */
export class TransactionStateMachine {
  state: TransactionState = 'UNINITIALIZED';

  /** Moves to `next`, or throws a usage error naming the operation, the current state and what to do. */
  transition(next: TransactionState, operation: string): void {
    if (!canTransition(this.state, next)) throw refusal(operation, this.state);
    this.state = next;
  }

  /** Throws the usage error of `operation` unless the state is one of `states`. */
  require(operation: string, ...states: TransactionState[]): void {
    if (!states.includes(this.state)) throw refusal(operation, this.state);
  }

  is(...states: TransactionState[]): boolean {
    return states.includes(this.state);
  }
}

/** The usage error of calling `operation` in `state`. */
export function refusal(operation: string, state: TransactionState): KafkaError {
  return new KafkaError('INVALID_TRANSACTION_STATE', `Cannot ${operation}: the producer's transaction state is ${state} (${hints[state]})`);
}
