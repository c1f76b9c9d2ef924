// The states of a transactional producer and the only transitions allowed between them (as in
// Java's TransactionManager). Any other move is a usage error reported to the caller.
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

const transitions: Readonly<Record<TransactionState, readonly TransactionState[]>> = {
  UNINITIALIZED: ['INITIALIZING'],
  INITIALIZING: ['READY', 'UNINITIALIZED'],
  READY: ['IN_TRANSACTION', 'INITIALIZING'],
  IN_TRANSACTION: ['COMMITTING', 'ABORTING', 'ABORTABLE_ERROR'],
  COMMITTING: ['READY', 'ABORTABLE_ERROR'],
  ABORTING: ['READY', 'INITIALIZING'],
  ABORTABLE_ERROR: ['ABORTING', 'ABORTABLE_ERROR'],
  FATAL_ERROR: [],
};

/** Holds the current state; refuses transitions the table does not list. */
export class TransactionStateMachine {
  state: TransactionState = 'UNINITIALIZED';

  /** Moves to `next`, or throws a usage error naming the operation and the current state. */
  transition(next: TransactionState, operation: string): void {
    if (next === 'FATAL_ERROR') {
      this.state = next;
      return;
    }
    if (!transitions[this.state].includes(next)) {
      throw new KafkaError('INVALID_TRANSACTION_STATE', `Cannot ${operation}: the producer's transaction state is ${this.state}`);
    }
    this.state = next;
  }

  is(...states: TransactionState[]): boolean {
    return states.includes(this.state);
  }
}
