// The state every broker of one fake cluster shares: options, topology, coordinators, producer id
// allocation, fault rules, SASL credentials, and the signal that wakes fetches waiting for data.
// Brokers hold no data of their own, so stopping a broker never loses a record.
import type { Chaos } from './faults/chaos.js';
import { Interceptor } from './faults/interceptor.js';
import type { RequestDescription, RequestFaults } from './faults/request-faults.js';
import { GroupCoordinator } from './group-coordinator.js';
import type { ResolvedOptions } from './options.js';
import { SaslAuthority } from './sasl/authority.js';
import { TelemetryBroker } from './telemetry-broker.js';
import { Topology } from './topology.js';
import { TransactionCoordinator } from './transaction-coordinator.js';

/** First producer id handed out; distinct from small numbers such as epochs and sequences. */
const FIRST_PRODUCER_ID = 1000n;

/** Shared state of one fake cluster. */
export class ClusterRuntime {
  readonly topology: Topology;
  readonly interceptor = new Interceptor();
  readonly chaosModes = new Set<Chaos>();
  readonly transactions: TransactionCoordinator;
  readonly groups: GroupCoordinator;
  /** SASL settings and the record of authentications, when the cluster requires SASL. */
  readonly sasl: SaslAuthority | undefined;
  /** Client telemetry state, when the cluster serves it. */
  readonly telemetry: TelemetryBroker | undefined;
  /** Errors raised while handling requests (a request this fake cluster could not handle). */
  readonly serverErrors: Error[] = [];
  /** The `transaction.version` feature the brokers serve and report, and the epoch of that view. */
  transactionVersion: 1 | 2;
  featuresEpoch = 1n;
  private nextProducerId = FIRST_PRODUCER_ID;
  private appendWaiters = new Set<() => void>();

  constructor(readonly options: ResolvedOptions) {
    this.transactionVersion = options.transactionVersion;
    this.topology = new Topology(options);
    this.groups = new GroupCoordinator(options);
    this.sasl = options.sasl ? new SaslAuthority(options.sasl) : undefined;
    this.telemetry = options.telemetry ? new TelemetryBroker(options.telemetry) : undefined;
    this.transactions = new TransactionCoordinator(this.groups, options, () => this.allocateProducerId());
  }

  /** A new producer id. */
  allocateProducerId(): bigint {
    return this.nextProducerId++;
  }

  /** Creates a topic and wires its logs to the append signal. */
  createTopic(...args: Parameters<Topology['createTopic']>): ReturnType<Topology['createTopic']> {
    const topic = this.topology.createTopic(...args);
    for (const partition of topic.partitions) partition.log.onAppend = () => this.notifyAppend();
    return topic;
  }

  /** The broker coordinating `key` (a group or transactional id), or -1 when no broker is up. */
  coordinatorFor(key: string): number {
    const live = this.topology.liveBrokerIds();
    if (live.length === 0) return -1;
    let hash = 0;
    for (let index = 0; index < key.length; index++) hash = (Math.imul(hash, 31) + key.charCodeAt(index)) | 0;
    return live[Math.abs(hash) % live.length]!;
  }

  /** Adds the faults of the intercept rules and the chaos modes to `faults`. */
  decideFaults(request: RequestDescription, faults: RequestFaults): void {
    this.interceptor.apply(request, faults);
    for (const chaos of this.chaosModes) chaos.apply(request, faults);
  }

  /** Resolves after the next append anywhere in the cluster, after `timeoutMs`, or when `signal` aborts. */
  waitForAppend(timeoutMs: number, signal: AbortSignal): Promise<void> {
    if (signal.aborted || timeoutMs <= 0) return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        signal.removeEventListener('abort', done);
        this.appendWaiters.delete(done);
        resolve();
      };
      const timer = setTimeout(done, timeoutMs);
      signal.addEventListener('abort', done);
      this.appendWaiters.add(done);
    });
  }

  /** Ends timers of the coordinators and every wait. */
  shutdown(): void {
    this.transactions.shutdown();
    this.groups.shutdown();
    for (const chaos of [...this.chaosModes]) chaos.stop();
    this.notifyAppend();
  }

  private notifyAppend(): void {
    if (this.appendWaiters.size === 0) return;
    const waiters = this.appendWaiters;
    this.appendWaiters = new Set();
    for (const waiter of waiters) waiter();
  }
}
