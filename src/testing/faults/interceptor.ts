// Deterministic fault injection rules: which requests a rule matches, when it fires (skip the first
// `after` matching requests, then fire on the next `times`), and what it does. A rule counts
// requests, not partitions: one matching request is one match, however many partitions it names.
import type { ApiName } from '../../protocol/index.js';
import { partitionedApis, type RequestDescription, type RequestFaults } from './request-faults.js';

/**
 * What an intercept rule does to a request it fires on.
 *
 * - `{ error: code }`: answer with that Kafka error code. For Produce, Fetch and ListOffsets only the
 *   matching partitions get it (a failed Produce partition is not appended; the request's other
 *   partitions are processed normally); other APIs fail as a whole.
 * - `{ delayMs }`: process normally and hold the response back; later requests on the same
 *   connection wait behind it, since a broker answers a connection's requests one at a time, in order.
 * - `{ dropResponse: true }`: process (append) and never answer: the lost acknowledgement. The
 *   connection is then black-holed: later requests on it are neither processed nor answered, because
 *   a broker never answers out of order; the client has to time out and reconnect.
 * - `{ loseResponses: true }`: process this request and every later one the connection receives, but
 *   none of their answers reach the client: a connection cut in the broker-to-client direction after
 *   the request arrived. The client sees silence on every request it pipelined, although the broker
 *   appended them all, and has to time out and reconnect.
 * - `{ closeConnection: 'before-append' }`: close the connection without processing the request.
 * - `{ closeConnection: 'after-append' }`: process (append), then close without answering.
 * - `{ throttleMs }`: process normally, set throttleTimeMs in the response and send it that much later.
 */
export type FaultAction =
  | { readonly error: number }
  | { readonly delayMs: number }
  | { readonly dropResponse: true }
  | { readonly loseResponses: true }
  | { readonly closeConnection: 'before-append' | 'after-append' }
  | { readonly throttleMs: number };

/** Which requests a rule matches. Omitted fields match anything. */
export interface InterceptMatch {
  /** The API, e.g. 'Produce'. */
  readonly api: ApiName;
  /** Only requests received by this broker id. */
  readonly broker?: number;
  /** Only requests naming this topic (Produce, Fetch and ListOffsets only). */
  readonly topic?: string;
  /** Only requests naming this partition (Produce, Fetch and ListOffsets only). */
  readonly partition?: number;
}

/** When a rule fires. */
export interface InterceptOptions {
  /** How many matching requests it fires on; default 1, `Infinity` for every one. */
  readonly times?: number;
  /** How many matching requests it lets through before firing; default 0. */
  readonly after?: number;
}

/** A registered rule. */
export interface InterceptHandle {
  /** How many requests the rule has fired on so far. */
  readonly hits: number;
  /** Unregisters the rule; requests from now on are not affected by it. */
  remove(): void;
}

interface Rule {
  readonly match: InterceptMatch;
  readonly action: FaultAction;
  readonly times: number;
  readonly after: number;
  matched: number;
  hits: number;
}

/** The registered rules of one cluster, applied in registration order. */
export class Interceptor {
  private rules: Rule[] = [];

  /** Registers a rule; see {@link FaultAction} for the actions. */
  add(match: InterceptMatch, action: FaultAction, options: InterceptOptions = {}): InterceptHandle {
    const times = options.times ?? 1;
    const after = options.after ?? 0;
    if (!(times >= 0) || !(after >= 0)) throw new TypeError('intercept times and after must be >= 0');
    if ((match.topic !== undefined || match.partition !== undefined) && !partitionedApis.has(match.api)) {
      throw new TypeError(`intercept: topic and partition filters apply to Produce, Fetch and ListOffsets, not ${match.api}`);
    }
    validateAction(action);
    const rule: Rule = { match, action, times, after, matched: 0, hits: 0 };
    this.rules.push(rule);
    return {
      get hits() {
        return rule.hits;
      },
      remove: () => {
        this.rules = this.rules.filter((candidate) => candidate !== rule);
      },
    };
  }

  /** Removes every rule. */
  clear(): void {
    this.rules = [];
  }

  /** Adds the actions of every rule firing on `request` to `faults`. */
  apply(request: RequestDescription, faults: RequestFaults): void {
    for (const rule of this.rules) {
      const { match } = rule;
      if (match.api !== request.api) continue;
      if (match.broker !== undefined && match.broker !== request.brokerId) continue;
      const filtered = match.topic !== undefined || match.partition !== undefined;
      const partitions = request.partitions.filter(
        (named) =>
          (match.topic === undefined || named.topic === match.topic) &&
          (match.partition === undefined || named.partition === match.partition),
      );
      if (filtered && partitions.length === 0) continue;
      rule.matched++;
      if (rule.matched <= rule.after || rule.hits >= rule.times) continue;
      rule.hits++;
      applyAction(rule.action, request, partitions, faults);
    }
  }
}

function applyAction(
  action: FaultAction,
  request: RequestDescription,
  partitions: RequestDescription['partitions'],
  faults: RequestFaults,
): void {
  if ('error' in action) {
    if (partitionedApis.has(request.api)) {
      for (const named of partitions) faults.failPartition(named.topic, named.partition, action.error);
    } else {
      faults.requestError ??= action.error;
    }
  } else if ('delayMs' in action) {
    faults.delayMs += action.delayMs;
  } else if ('dropResponse' in action) {
    faults.dropResponse = true;
  } else if ('loseResponses' in action) {
    faults.loseResponses = true;
  } else if ('closeConnection' in action) {
    faults.close(action.closeConnection);
  } else {
    faults.throttleMs += action.throttleMs;
  }
}

function validateAction(action: FaultAction): void {
  const count = ['error', 'delayMs', 'dropResponse', 'loseResponses', 'closeConnection', 'throttleMs'].filter((key) => key in action).length;
  if (count !== 1) throw new TypeError(`intercept action must have exactly one of error, delayMs, dropResponse, loseResponses, closeConnection, throttleMs`);
  if ('closeConnection' in action && action.closeConnection !== 'before-append' && action.closeConnection !== 'after-append') {
    throw new TypeError(`closeConnection must be 'before-append' or 'after-append'`);
  }
  for (const key of ['delayMs', 'throttleMs'] as const) {
    if (key in action) {
      const value = (action as Record<string, unknown>)[key];
      if (typeof value !== 'number' || !(value >= 0)) throw new TypeError(`${key} must be a number >= 0`);
    }
  }
}
