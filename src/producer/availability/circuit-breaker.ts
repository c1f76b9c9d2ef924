// The producer's circuit breaker: it opens when no broker has been reachable for `openAfterMs`, or
// after `openAfterFailures` connection attempts in a row failed while no connection was up; while
// open, a probe reconnects with exponential backoff, and any connection that opens (the probe's,
// or one the sender opened for records already accepted) closes it. Failures while some broker is
// connected do not count: one broker down is a degraded cluster, not an unavailable one.
import type { KafkaError } from '../../errors/kafka-error.js';
import { backoffDelay } from '../../network/exponential-backoff.js';

export interface CircuitBreakerConfig {
  readonly openAfterMs: number;
  readonly openAfterFailures: number;
  readonly reconnectBackoffMs: number;
  readonly reconnectBackoffMaxMs: number;
  /** Whether some connection is up now. */
  readonly hasReadyConnection: () => boolean;
  /** One reconnection attempt while open (its success or failure is reported through onConnectAttempt). */
  readonly probe: () => Promise<void>;
  /** Called when the breaker opens or closes. */
  readonly onChange: (open: boolean) => void;
}

// Probes are spaced by at least this much, whatever reconnectBackoffMs says.
const MIN_PROBE_INTERVAL_MS = 50;

export class CircuitBreaker {
  /** The last connection error, kept as the cause of ClusterUnavailableError. */
  lastError: KafkaError | undefined;
  private openSince: number | undefined;
  private failuresInARow = 0;
  private unreachableSince: number | undefined;
  private probeTimer: NodeJS.Timeout | undefined;
  private probes = 0;
  private stopped = false;

  constructor(private readonly config: CircuitBreakerConfig) {}

  get isOpen(): boolean {
    return this.openSince !== undefined;
  }

  /** How long no broker has been reachable, in ms (0 while some attempt succeeds). */
  unreachableForMs(now = Date.now()): number {
    return this.unreachableSince === undefined ? 0 : now - this.unreachableSince;
  }

  /** Connection attempts in a row that failed while no connection was up. */
  get consecutiveFailures(): number {
    return this.failuresInARow;
  }

  /** Every attempt to open a connection reports here: `error` undefined when it succeeded. */
  onConnectAttempt(error: KafkaError | undefined, now = Date.now()): void {
    if (this.stopped) return;
    if (!error) {
      this.failuresInARow = 0;
      this.unreachableSince = undefined;
      if (this.isOpen) this.close();
      return;
    }
    this.lastError = error;
    if (this.config.hasReadyConnection()) return;
    this.failuresInARow++;
    this.unreachableSince ??= now;
    if (!this.isOpen && (this.failuresInARow >= this.config.openAfterFailures || now - this.unreachableSince >= this.config.openAfterMs)) {
      this.openSince = now;
      this.probes = 0;
      this.scheduleProbe();
      this.config.onChange(true);
    }
  }

  /** Stops probing for good (the producer is closed). */
  stop(): void {
    this.stopped = true;
    if (this.probeTimer) clearTimeout(this.probeTimer);
    this.probeTimer = undefined;
  }

  private close(): void {
    this.openSince = undefined;
    if (this.probeTimer) clearTimeout(this.probeTimer);
    this.probeTimer = undefined;
    this.config.onChange(false);
  }

  // The probe's timer does not hold the process open: an unavailable, idle producer lets it exit.
  private scheduleProbe(): void {
    if (this.stopped || !this.isOpen || this.probeTimer) return;
    const delay = Math.max(MIN_PROBE_INTERVAL_MS, backoffDelay({ initialMs: this.config.reconnectBackoffMs, maxMs: this.config.reconnectBackoffMaxMs }, this.probes++));
    this.probeTimer = setTimeout(() => {
      this.probeTimer = undefined;
      if (this.stopped || !this.isOpen) return;
      this.config.probe().then(
        () => {
          if (this.isOpen && this.config.hasReadyConnection()) this.onConnectAttempt(undefined);
        },
        () => this.scheduleProbe(),
      );
    }, delay);
    this.probeTimer.unref();
  }
}
