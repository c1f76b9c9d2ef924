// The contract between the request router and the per-API handlers: what a handler is given (the
// shared cluster state, the broker it runs on, the decided faults) and what it may answer.
import type { ApiName, ApiTypes } from '../../protocol/index.js';
import type { ClusterRuntime } from '../cluster-runtime.js';
import type { RequestFaults } from '../faults/request-faults.js';
import type { SaslSession } from '../sasl/session.js';

/** What a handler knows about the request it handles. */
export interface RequestContext {
  readonly runtime: ClusterRuntime;
  /** The broker that received the request. */
  readonly brokerId: number;
  /** The request's API version (also the response's). */
  readonly version: number;
  readonly clientId: string;
  readonly faults: RequestFaults;
  /** Aborted when the connection or its broker closes; waits end then. */
  readonly signal: AbortSignal;
  /** The connection's SASL state when the cluster requires SASL. */
  readonly session: SaslSession | undefined;
}

/** A handler's answer: a response body (possibly the last on the connection), or none (Produce with acks 0), possibly closing the connection. */
export type HandlerOutcome<A extends ApiName> =
  | { readonly response: ApiTypes[A]['response']; readonly closeAfterResponse?: boolean }
  | { readonly noResponse: true; readonly closeConnection: boolean };

/** Handles one API. */
export type Handler<A extends ApiName> = (
  context: RequestContext,
  request: ApiTypes[A]['request'],
) => HandlerOutcome<A> | Promise<HandlerOutcome<A>>;

/** Handlers by API name. */
export type HandlerTable = { readonly [A in ApiName]?: Handler<A> };
