// The producer's availability: the circuit breaker fed by every connection attempt, the state
// derived from it and from the brokers' connections and the partitions without leader, the `state`
// events and their log lines, and the health() snapshot.
import { EventEmitter } from 'node:events';
import type { Cluster } from '../../cluster/cluster.js';
import { ClusterUnavailableError, type KafkaError } from '../../errors/kafka-error.js';
import type { ResolvedProducerOptions } from '../options.js';
import { CircuitBreaker } from './circuit-breaker.js';
import { deriveState, type ProducerHealth, type ProducerState, type ProducerStateChange } from './health.js';

export interface ProducerAvailabilityDependencies {
  readonly options: ResolvedProducerOptions;
  readonly cluster: Pick<Cluster, 'hasReadyConnection' | 'refreshMetadata' | 'brokerStates' | 'metadata'>;
  /** A connection attempt succeeded (for the connection-creation metric). */
  readonly onConnected: () => void;
  /** The breaker opened, and sends reject while it is open: what waits for metadata or memory fails with `error`. */
  readonly onUnavailable: (error: ClusterUnavailableError) => void;
  /** The breaker closed: what waits goes on, and the sender too. */
  readonly onAvailable: () => void;
}

/** The parts of health() that the producer's other parts know. */
export interface HealthCounts {
  readonly bufferUsedBytes: number;
  readonly recordsPending: number;
  readonly recordsWaiting: number;
  readonly producerId: bigint;
  readonly producerEpoch: number;
}

export class ProducerAvailability {
  /** Fails sends fast while the cluster is unreachable; undefined with `circuitBreaker: false`. */
  private readonly breaker: CircuitBreaker | undefined;
  /** Whether sends reject while the breaker is open (else they wait, as without a breaker). */
  private readonly rejectWhenUnavailable: boolean;
  private readonly events = new EventEmitter();
  private everConnected = false;
  private closed = false;
  private current: ProducerState = 'connecting';

  constructor(private readonly deps: ProducerAvailabilityDependencies) {
    const { options, cluster } = deps;
    const breakerOptions = options.circuitBreaker;
    this.rejectWhenUnavailable = breakerOptions !== false && breakerOptions.whenOpen === 'reject';
    this.breaker =
      breakerOptions === false
        ? undefined
        : new CircuitBreaker({
            openAfterMs: breakerOptions.openAfterMs,
            openAfterFailures: breakerOptions.openAfterFailures,
            reconnectBackoffMs: options.reconnectBackoffMs,
            reconnectBackoffMaxMs: options.reconnectBackoffMaxMs,
            hasReadyConnection: () => cluster.hasReadyConnection,
            probe: () => cluster.refreshMetadata(),
            onChange: (open) => this.onBreakerChange(open),
          });
  }

  /** Why a send() must be refused now, undefined when it may go on. */
  get refusal(): ClusterUnavailableError | undefined {
    return this.rejectWhenUnavailable && this.breaker!.isOpen ? this.unavailableError() : undefined;
  }

  /** Every connection attempt of the cluster: `error` when it failed. */
  onConnectAttempt(error: KafkaError | undefined): void {
    if (!error) {
      this.everConnected = true;
      this.deps.onConnected();
    }
    this.breaker?.onConnectAttempt(error);
    this.update(error);
  }

  // The breaker opened: what waits for metadata or memory cannot be accepted soon, so it fails now
  // (unless sends wait while unavailable); it closed: what waits goes on, and the sender too.
  private onBreakerChange(open: boolean): void {
    if (open) {
      this.deps.options.logger?.warn?.('no broker is reachable: the producer is unavailable', { error: String(this.breaker?.lastError) });
      if (this.rejectWhenUnavailable) this.deps.onUnavailable(this.unavailableError());
    } else if (!this.closed) {
      this.deps.onAvailable();
    }
    this.update(this.breaker?.lastError);
  }

  private unavailableError(): ClusterUnavailableError {
    const breaker = this.breaker!;
    const cause = breaker.lastError;
    return new ClusterUnavailableError(
      `No broker of the cluster is reachable (${breaker.consecutiveFailures} connection attempts failed in a row over ${breaker.unreachableForMs()} ms)${cause ? `: ${cause.message}` : ''}. The record was not sent; the producer keeps reconnecting and accepts records again once a broker answers`,
      { cause },
    );
  }

  /** Recomputes the state and reports a change (event and log); `error` is the cause of a change for the worse. */
  update(error: KafkaError | undefined): void {
    const next = deriveState({
      closed: this.closed,
      unavailable: this.breaker?.isOpen ?? false,
      everConnected: this.everConnected,
      brokers: this.deps.cluster.brokerStates(),
      partitionsWithoutLeader: this.partitionsWithoutLeader(),
    });
    if (next === this.current) return;
    const previous = this.current;
    this.current = next;
    const worse = next === 'degraded' || next === 'unavailable';
    const change: ProducerStateChange = { state: next, previous, error: worse ? (error ?? this.breaker?.lastError) : undefined };
    this.deps.options.logger?.[worse ? 'warn' : 'info']?.(`producer state: ${previous} -> ${next}`, change.error ? { error: String(change.error) } : undefined);
    this.events.emit('state', change);
  }

  private partitionsWithoutLeader(): number {
    let count = 0;
    for (const topic of this.deps.cluster.metadata.topics.values()) count += topic.partitions.length - topic.available.length;
    return count;
  }

  /** The snapshot of health(). */
  health(counts: HealthCounts): ProducerHealth {
    this.update(undefined);
    const lastError = this.breaker?.lastError;
    return {
      state: this.current,
      brokers: this.deps.cluster.brokerStates(),
      partitionsWithoutLeader: this.partitionsWithoutLeader(),
      bufferUsedBytes: counts.bufferUsedBytes,
      bufferLimitBytes: this.deps.options.bufferMemory,
      recordsPending: counts.recordsPending,
      recordsWaiting: counts.recordsWaiting,
      lastError: lastError ? `${lastError.code}: ${lastError.message}` : undefined,
      unreachableForMs: this.breaker?.unreachableForMs() ?? 0,
      producerId: counts.producerId.toString(),
      producerEpoch: counts.producerEpoch,
    };
  }

  on(listener: (change: ProducerStateChange) => void): void {
    this.events.on('state', listener);
  }

  off(listener: (change: ProducerStateChange) => void): void {
    this.events.off('state', listener);
  }

  /** The producer closed: the breaker stops probing, and the state becomes `closed`. */
  close(): void {
    this.breaker?.stop();
    this.closed = true;
    this.update(undefined);
  }
}
