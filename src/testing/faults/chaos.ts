// The seeded chaos mode: random faults drawn from one seeded generator, a fixed number of draws per
// request and per partition, so the same seed and the same request sequence give the same faults.
// Leader moves are timed, so they draw from a second generator and never shift the request draws.
import type { ApiName } from '../../protocol/index.js';
import { ErrorCode } from '../error-codes.js';
import { partitionedApis, type RequestDescription, type RequestFaults } from './request-faults.js';
import { seededRandom } from './seeded-random.js';

/** Options of {@link FakeCluster.chaos}. Rates are probabilities in [0, 1]; missing rates are 0. */
export interface ChaosOptions {
  /** Seed of the generator: the same seed and the same requests give the same faults. */
  readonly seed: number;
  /** Per request: process it and never answer (the connection is black-holed, as with dropResponse). */
  readonly dropResponseRate?: number;
  /** Per partition (per request for APIs that are not partitioned): answer with one of `errorCodes`. */
  readonly errorRate?: number;
  /** Codes drawn for errors; default NOT_LEADER_OR_FOLLOWER, NOT_ENOUGH_REPLICAS and REQUEST_TIMED_OUT. */
  readonly errorCodes?: readonly number[];
  /** Per request: close the connection without processing the request. */
  readonly disconnectRate?: number;
  /** Per request: process (append) the request, then close the connection without answering. */
  readonly closeAfterAppendRate?: number;
  /** Moves the leader of a random partition to another live replica at this interval. */
  readonly leaderMoveEveryMs?: number;
  /** The APIs the request faults apply to; default Produce only. */
  readonly apis?: readonly ApiName[];
}

/** Counts of the faults injected so far. */
export interface ChaosStats {
  /** Requests the chaos mode looked at. */
  requests: number;
  droppedResponses: number;
  /** Partitions (or whole requests) answered with an injected error. */
  errors: number;
  disconnects: number;
  closedAfterAppend: number;
  leaderMoves: number;
}

/** One injected fault, in injection order. */
export interface ChaosEvent {
  /** Index of the request among those the chaos mode looked at (0-based); -1 for leader moves. */
  readonly request: number;
  readonly fault: 'dropResponse' | 'error' | 'disconnect' | 'closeAfterAppend' | 'leaderMove';
  readonly errorCode?: number;
  readonly topic?: string;
  readonly partition?: number;
}

/** A running chaos mode. */
export interface ChaosHandle {
  /** Live counts of injected faults. */
  readonly stats: Readonly<ChaosStats>;
  /** The faults injected so far (the first 10000). */
  readonly events: readonly ChaosEvent[];
  /** Stops injecting faults and moving leaders. */
  stop(): void;
}

const defaultErrorCodes = [ErrorCode.NOT_LEADER_OR_FOLLOWER, ErrorCode.NOT_ENOUGH_REPLICAS, ErrorCode.REQUEST_TIMED_OUT];
const maxEvents = 10_000;

/** Moves one leader chosen with `random`; returns what moved, or undefined when nothing could. */
export type LeaderMover = (random: () => number) => { topic: string; partition: number } | undefined;

/** One chaos mode; the cluster asks it for faults on every request while it runs. */
export class Chaos implements ChaosHandle {
  readonly stats: ChaosStats = {
    requests: 0,
    droppedResponses: 0,
    errors: 0,
    disconnects: 0,
    closedAfterAppend: 0,
    leaderMoves: 0,
  };
  readonly events: ChaosEvent[] = [];
  private readonly random: () => number;
  private readonly apis: ReadonlySet<ApiName>;
  private readonly errorCodes: readonly number[];
  private readonly timer: NodeJS.Timeout | undefined;
  private stopped = false;

  constructor(
    private readonly options: ChaosOptions,
    moveLeader: LeaderMover,
    private readonly onStop: () => void,
  ) {
    if (!Number.isInteger(options.seed)) throw new TypeError('chaos needs an integer seed');
    for (const key of ['dropResponseRate', 'errorRate', 'disconnectRate', 'closeAfterAppendRate'] as const) {
      const rate = options[key] ?? 0;
      if (!(rate >= 0 && rate <= 1)) throw new TypeError(`chaos ${key} must be in [0, 1], got ${rate}`);
    }
    this.random = seededRandom(options.seed);
    this.apis = new Set(options.apis ?? ['Produce']);
    this.errorCodes = options.errorCodes && options.errorCodes.length > 0 ? options.errorCodes : defaultErrorCodes;
    if (options.leaderMoveEveryMs !== undefined) {
      if (!(options.leaderMoveEveryMs > 0)) throw new TypeError('chaos leaderMoveEveryMs must be > 0');
      const leaderRandom = seededRandom(options.seed ^ 0x5bd1e995);
      this.timer = setInterval(() => {
        const moved = moveLeader(leaderRandom);
        if (!moved) return;
        this.stats.leaderMoves++;
        this.record({ request: -1, fault: 'leaderMove', ...moved });
      }, options.leaderMoveEveryMs);
      this.timer.unref();
    }
  }

  /** Draws the faults of one request (a fixed number of draws whatever the outcome). */
  apply(request: RequestDescription, faults: RequestFaults): void {
    if (this.stopped || !this.apis.has(request.api)) return;
    const index = this.stats.requests++;
    const disconnect = this.random() < (this.options.disconnectRate ?? 0);
    const closeAfterAppend = this.random() < (this.options.closeAfterAppendRate ?? 0);
    const drop = this.random() < (this.options.dropResponseRate ?? 0);
    if (disconnect) {
      faults.close('before-append');
      this.stats.disconnects++;
      this.record({ request: index, fault: 'disconnect' });
    } else if (closeAfterAppend) {
      faults.close('after-append');
      this.stats.closedAfterAppend++;
      this.record({ request: index, fault: 'closeAfterAppend' });
    } else if (drop) {
      faults.dropResponse = true;
      this.stats.droppedResponses++;
      this.record({ request: index, fault: 'dropResponse' });
    }
    const errorRate = this.options.errorRate ?? 0;
    if (partitionedApis.has(request.api)) {
      for (const { topic, partition } of request.partitions) {
        const fails = this.random() < errorRate;
        const errorCode = this.pickCode();
        if (!fails || disconnect) continue;
        faults.failPartition(topic, partition, errorCode);
        this.stats.errors++;
        this.record({ request: index, fault: 'error', errorCode, topic, partition });
      }
    } else {
      const fails = this.random() < errorRate;
      const errorCode = this.pickCode();
      if (fails && !disconnect) {
        faults.requestError ??= errorCode;
        this.stats.errors++;
        this.record({ request: index, fault: 'error', errorCode });
      }
    }
  }

  /** Stops the chaos mode (idempotent). */
  stop(): void {
    if (this.stopped) return;
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    this.onStop();
  }

  private pickCode(): number {
    return this.errorCodes[Math.floor(this.random() * this.errorCodes.length)]!;
  }

  private record(event: ChaosEvent): void {
    if (this.events.length < maxEvents) this.events.push(event);
  }
}
