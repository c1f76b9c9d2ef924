// The transaction calls that take time (initTransactions, commit, abort) run one at a time: a
// second identical call while one runs shares its promise (a retry after a timeout on the caller's
// side finds it), a different one is refused with an error naming what is under way.
import { KafkaError } from '../../errors/kafka-error.js';

export class OneCallAtATime {
  private running: { readonly operation: string; readonly promise: Promise<void> } | undefined;

  /** Runs `run` as `operation` unless a call runs; `state` words the refusal. */
  run(operation: string, run: () => Promise<void>, state: () => string): Promise<void> {
    const running = this.running;
    if (running) {
      if (running.operation === operation) return running.promise;
      return Promise.reject(
        new KafkaError('INVALID_TRANSACTION_STATE', `Cannot ${operation}: ${running.operation} is still under way (the producer's transaction state is ${state()})`),
      );
    }
    const promise = run().finally(() => {
      if (this.running?.promise === promise) this.running = undefined;
    });
    this.running = { operation, promise };
    return promise;
  }
}
