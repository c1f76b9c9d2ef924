// What `producer.health()` returns and how the producer's state is derived: a plain object for
// readiness probes, and the state whose changes `producer.on('state', ...)` reports.
import type { BrokerConnectionState } from '../../cluster/cluster.js';
import type { KafkaError } from '../../errors/kafka-error.js';

/**
 * The producer's state: `connecting` (no broker answered yet), `ready` (every broker it needed is
 * connected), `degraded` (some broker cannot be reached, or some partition has no leader, while
 * others work), `unavailable` (no broker has been reachable for a while: the circuit breaker is
 * open), `closed`.
 */
export type ProducerState = 'connecting' | 'ready' | 'degraded' | 'unavailable' | 'closed';

/** One broker in {@link ProducerHealth}. */
export type BrokerHealth = BrokerConnectionState;

/** A snapshot for readiness and liveness probes. */
export interface ProducerHealth {
  readonly state: ProducerState;
  /** Every broker of the cluster metadata, with its connection state. */
  readonly brokers: readonly BrokerHealth[];
  /** Partitions of the topics sent to whose leader is unknown. */
  readonly partitionsWithoutLeader: number;
  /** Bytes of records buffered (accepted, not yet acknowledged), and the `bufferMemory` limit. */
  readonly bufferUsedBytes: number;
  readonly bufferLimitBytes: number;
  /** Records accepted and not yet settled (buffered or in flight). */
  readonly recordsPending: number;
  /** Records waiting to be accepted (for metadata or buffer memory). */
  readonly recordsWaiting: number;
  /** The last connection error, if any, as `code: message`. */
  readonly lastError: string | undefined;
  /** How long no broker has been reachable, in ms (0 when some is). */
  readonly unreachableForMs: number;
  /** The idempotent producer's id and epoch (-1 before InitProducerId, or without idempotence). */
  readonly producerId: string;
  readonly producerEpoch: number;
}

/** The argument of a `state` event. */
export interface ProducerStateChange {
  readonly state: ProducerState;
  readonly previous: ProducerState;
  /** The last connection error when the state got worse. */
  readonly error: KafkaError | undefined;
}

/** The state the producer is in, from what its parts report. */
export function deriveState(facts: {
  readonly closed: boolean;
  readonly unavailable: boolean;
  readonly everConnected: boolean;
  readonly brokers: readonly BrokerConnectionState[];
  readonly partitionsWithoutLeader: number;
}): ProducerState {
  if (facts.closed) return 'closed';
  if (facts.unavailable) return 'unavailable';
  if (!facts.everConnected) return 'connecting';
  if (facts.partitionsWithoutLeader > 0 || facts.brokers.some((broker) => broker.state === 'failing')) return 'degraded';
  return 'ready';
}
