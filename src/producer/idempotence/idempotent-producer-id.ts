// The producer id of an idempotent (not transactional) producer: any broker answers InitProducerId.
// Retriable failures are retried with exponential backoff; a refusal retrying cannot change
// (authorization denied) is fatal to the producer. Transactional producers get theirs from the
// transaction coordinator (TransactionManager), through the same loadProducerId.
import type { Cluster } from '../../cluster/cluster.js';
import { brokerErrorByCode, ErrorCode } from '../../errors/broker-error-codes.js';
import { BrokerError, type KafkaError, permanentCause } from '../../errors/kafka-error.js';
import { backoffDelay } from '../../network/exponential-backoff.js';
import type { Clock } from '../../time/clock.js';
import { IDEMPOTENT_ONLY, loadProducerId } from './producer-id-loader.js';
import type { ProducerIdentity } from './producer-identity.js';

export interface IdempotentProducerIdDependencies {
  readonly cluster: Pick<Cluster, 'anyConnection'>;
  readonly identity: ProducerIdentity;
  readonly clock: Clock;
  readonly backoff: { readonly initialMs: number; readonly maxMs: number };
  /** The id was assigned, or a retry is due: the sender should run. */
  readonly wake: () => void;
  /** Asks the sender to run at `due` (the next retry). */
  readonly wakeAt: (due: number) => void;
  /** The cluster refused for good: every record fails with `error`. */
  readonly fatal: (error: KafkaError) => void;
  readonly log: (level: 'debug' | 'warn', message: string, context?: Record<string, unknown>) => void;
}

export class IdempotentProducerId {
  private pending = false;
  private failures = 0;
  private retryAt = 0;

  constructor(private readonly deps: IdempotentProducerIdDependencies) {}

  /** Requests a producer id unless a request is under way or its backoff has not passed. */
  request(now: number): void {
    if (this.pending) return;
    if (now < this.retryAt) {
      this.deps.wakeAt(this.retryAt);
      return;
    }
    this.pending = true;
    const { cluster, identity } = this.deps;
    cluster
      .anyConnection()
      .then((connection) => loadProducerId(connection, identity, IDEMPOTENT_ONLY))
      .then(
        (response) => {
          this.pending = false;
          if (response.errorCode === ErrorCode.NONE) {
            this.failures = 0;
            this.deps.log('debug', 'producer id assigned', { producerId: String(response.producerId), epoch: response.producerEpoch });
          } else {
            const info = brokerErrorByCode(response.errorCode);
            if (!info.retriable) {
              this.deps.fatal(
                new BrokerError(info.name, `InitProducerId failed: ${info.name} (${info.code}): ${info.description}`, {
                  brokerErrorCode: info.code,
                  brokerErrorName: info.name,
                }),
              );
            }
            this.backOff();
          }
          this.deps.wake();
        },
        (error: unknown) => {
          this.pending = false;
          const permanent = permanentCause(error);
          if (permanent) this.deps.fatal(permanent);
          this.deps.log('warn', 'InitProducerId failed', { error: String(error) });
          this.backOff();
          this.deps.wake();
        },
      );
  }

  private backOff(): void {
    this.retryAt = this.deps.clock.now() + backoffDelay(this.deps.backoff, this.failures++);
    this.deps.wakeAt(this.retryAt);
  }
}
