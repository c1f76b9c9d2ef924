// The client's view of a cluster: bootstrap through the given servers in turn, one connection per
// broker (reopened with jittered exponential backoff), and the metadata cache refreshed on demand
// (coalesced: concurrent callers share one request) and by age.
import type { LookupFunction } from 'node:net';
import type { ConnectionOptions as TlsOptions } from 'node:tls';
import { AuthenticationError, ConnectionError, KafkaError } from '../errors/kafka-error.js';
import { Connection, type ConnectionConfig, type LogSink } from '../network/connection.js';
import { backoffDelay } from '../network/exponential-backoff.js';
import { closedAfterApiVersionsHint, PRODUCER_SETTINGS } from '../network/listener-hints.js';
import type { SaslConfig } from '../network/sasl/authenticate.js';
import type { ApiName, MetadataRequestData } from '../protocol/index.js';
import { type Clock, systemClock } from '../time/clock.js';
import { type BrokerInfo, MetadataCache } from './metadata-cache.js';

export interface ClusterConfig {
  readonly bootstrapServers: readonly string[];
  readonly clientId: string;
  readonly ssl?: TlsOptions | boolean | undefined;
  readonly sasl?: SaslConfig | undefined;
  /** Resolves broker host names (default `dns.lookup`). */
  readonly lookup?: LookupFunction | undefined;
  readonly connectTimeoutMs: number;
  readonly requestTimeoutMs: number;
  readonly metadataMaxAgeMs: number;
  readonly reconnectBackoffMs: number;
  readonly reconnectBackoffMaxMs: number;
  /** Whether Metadata requests ask the broker to create unknown topics. */
  readonly allowAutoTopicCreation: boolean;
  readonly versionCaps?: Partial<Record<ApiName, number>>;
  /** Called when a broker connection closes unexpectedly (the producer fails or retries its requests). */
  readonly onConnectionClosed?: (nodeId: number, error: KafkaError | undefined) => void;
  /** Called after every attempt to open a connection: `error` is undefined when it succeeded. */
  readonly onConnectAttempt?: (error: KafkaError | undefined) => void;
  /** Called after every metadata update. */
  readonly onMetadataUpdated?: () => void;
  /** Receives the connections' log lines. */
  readonly log?: LogSink | undefined;
  /** Reads the time and sets the timers of the cluster and its connections (default the system clock). */
  readonly clock?: Clock | undefined;
}

/** The connection state of one broker of the cluster metadata. */
export interface BrokerConnectionState {
  readonly nodeId: number;
  readonly host: string;
  readonly port: number;
  /** `connected`, `connecting`, `failing` (its last attempt failed) or `idle` (never needed yet). */
  readonly state: 'connected' | 'connecting' | 'failing' | 'idle';
  /** Connection attempts in a row that failed. */
  readonly failures: number;
}

interface NodeState {
  connection: Connection | undefined;
  connecting: Promise<Connection> | undefined;
  failures: number;
  /** The clock's time before which no reconnect is attempted. */
  retryAt: number;
  /**
   * Its last connection was closed at its first request: the next one counts as a success only
   * once it answers a request, not when its handshake completes.
   */
  suspect: boolean;
}

/** Parses `host:port` (IPv6 in brackets). */
export function parseHostPort(server: string): { host: string; port: number } {
  const trimmed = server.trim();
  const match = /^\[([^\]]+)\]:(\d+)$/.exec(trimmed) ?? /^([^:]+):(\d+)$/.exec(trimmed);
  if (!match) throw new TypeError(`'${server}' is not host:port`);
  return { host: match[1]!, port: Number(match[2]) };
}

export class Cluster {
  readonly config: ClusterConfig;
  readonly metadata = new MetadataCache();
  private readonly clock: Clock;
  private readonly nodes = new Map<number | string, NodeState>();
  private readonly wantedTopics = new Set<string>();
  private refreshing: Promise<void> | undefined;
  private closed = false;
  private bootstrapIndex = 0;
  /** Connections in a row (any broker) closed at their first request after the handshake. */
  private refusedInARow = 0;

  constructor(config: ClusterConfig) {
    this.config = config;
    this.clock = config.clock ?? systemClock;
  }

  /** Fetches metadata for the first time (trying every bootstrap server in turn). */
  async connect(): Promise<void> {
    await this.refreshMetadata();
  }

  /** Adds topics to those whose metadata is fetched on every refresh. */
  addTopics(topics: Iterable<string>): void {
    for (const topic of topics) this.wantedTopics.add(topic);
  }

  /** Whether cached metadata is older than metadataMaxAgeMs. */
  isMetadataStale(now = this.clock.now()): boolean {
    return now - this.metadata.updatedAt >= this.config.metadataMaxAgeMs;
  }

  /** Refreshes metadata of every wanted topic; concurrent callers share one request. */
  refreshMetadata(): Promise<void> {
    this.refreshing ??= this.fetchMetadata().finally(() => {
      this.refreshing = undefined;
    });
    return this.refreshing;
  }

  private async fetchMetadata(): Promise<void> {
    const connection = await this.anyConnection();
    const topics = [...this.wantedTopics];
    const version = connection.versionFor('Metadata');
    // In Metadata v0 an empty topic list means "every topic"; ask for a name that cannot exist instead.
    const request: MetadataRequestData = {
      topics: topics.length === 0 && version === 0 ? [{ name: '' }] : topics.map((name) => ({ name })),
      allowAutoTopicCreation: this.config.allowAutoTopicCreation,
      includeClusterAuthorizedOperations: false,
      includeTopicAuthorizedOperations: false,
    };
    const response = await connection.requestAt('Metadata', version, request);
    if (this.closed) return;
    this.metadata.update(response, this.clock.now());
    this.dropRemovedBrokers();
    this.config.onMetadataUpdated?.();
  }

  // Connections to brokers that left the cluster are closed; their node state is forgotten.
  private dropRemovedBrokers(): void {
    for (const [key, state] of this.nodes) {
      if (typeof key === 'number' && !this.metadata.brokers.has(key)) {
        state.connection?.close();
        this.nodes.delete(key);
      }
    }
  }

  /** A ready connection to some broker: a known broker if any is connected, else a bootstrap server. */
  async anyConnection(): Promise<Connection> {
    for (const [key, state] of this.nodes) {
      if (typeof key === 'number' && state.connection?.isReady) return state.connection;
    }
    const candidates: { key: number | string; host: string; port: number }[] = [];
    for (const broker of this.metadata.brokers.values()) candidates.push({ key: broker.nodeId, ...broker });
    const servers = this.config.bootstrapServers;
    for (let index = 0; index < servers.length; index++) {
      const server = servers[(this.bootstrapIndex + index) % servers.length]!;
      candidates.push({ key: `bootstrap:${server}`, ...parseHostPort(server) });
    }
    this.bootstrapIndex++;
    let lastError: unknown;
    for (const candidate of candidates) {
      try {
        return await this.connectNode(candidate.key, candidate.host, candidate.port);
      } catch (error) {
        lastError = error;
      }
    }
    const reason = lastError instanceof Error ? `: ${lastError.message}` : '';
    throw new ConnectionError(
      `Could not reach any broker (tried ${candidates.map((candidate) => `${candidate.host}:${candidate.port}`).join(', ')})${reason}`,
      { cause: lastError },
    );
  }

  /**
   * The level of a cluster-wide feature (e.g. `transaction.version`) in the newest view any
   * connected broker reported, or 0 when no broker reported it (older brokers report none).
   */
  finalizedFeatureLevel(name: string): number {
    let newest: Connection | undefined;
    for (const state of this.nodes.values()) {
      const connection = state.connection;
      if (connection?.isReady && (!newest || connection.finalizedFeaturesEpoch > newest.finalizedFeaturesEpoch)) newest = connection;
    }
    return newest?.finalizedFeatures.get(name) ?? 0;
  }

  /** Whether some broker (or bootstrap server) has a ready connection now. */
  get hasReadyConnection(): boolean {
    return this.connectionCount > 0;
  }

  /** The connection state of every broker in the metadata. */
  brokerStates(): BrokerConnectionState[] {
    return [...this.metadata.brokers.values()].map((broker) => {
      const node = this.nodes.get(broker.nodeId);
      // A broker whose last attempt failed is failing, also while it waits to retry or retries.
      const state = node?.connection?.isReady ? 'connected' : node && node.failures > 0 ? 'failing' : node?.connecting ? 'connecting' : 'idle';
      return { nodeId: broker.nodeId, host: broker.host, port: broker.port, state, failures: node?.failures ?? 0 };
    });
  }

  /** Open, ready connections (to brokers and bootstrap servers), for the connection-count metric. */
  get connectionCount(): number {
    let count = 0;
    for (const state of this.nodes.values()) if (state.connection?.isReady) count++;
    return count;
  }

  /** The ready connection to broker `nodeId`, if there is one (never waits). */
  connectionIfReady(nodeId: number): Connection | undefined {
    const connection = this.nodes.get(nodeId)?.connection;
    return connection?.isReady ? connection : undefined;
  }

  /** Whether a connection attempt to `nodeId` should wait for its backoff; returns the wait in ms. */
  reconnectDelay(nodeId: number, now = this.clock.now()): number {
    const state = this.nodes.get(nodeId);
    return state ? Math.max(0, state.retryAt - now) : 0;
  }

  /** A ready connection to broker `nodeId`, opened if needed (after its reconnect backoff). */
  connectionTo(nodeId: number): Promise<Connection> {
    const broker: BrokerInfo | undefined = this.metadata.brokers.get(nodeId);
    if (!broker) return Promise.reject(new ConnectionError(`Broker ${nodeId} is not in the cluster metadata`));
    return this.connectNode(nodeId, broker.host, broker.port);
  }

  private connectNode(key: number | string, host: string, port: number): Promise<Connection> {
    if (this.closed) return Promise.reject(new ConnectionError('The client is closed', { retriable: false }));
    let state = this.nodes.get(key);
    if (!state) {
      state = { connection: undefined, connecting: undefined, failures: 0, retryAt: 0, suspect: false };
      this.nodes.set(key, state);
    }
    if (state.connection?.isReady) return Promise.resolve(state.connection);
    if (state.connecting) return state.connecting;
    const node = state;
    const open = async (): Promise<Connection> => {
      const wait = node.retryAt - this.clock.now();
      if (wait > 0) await new Promise<void>((resolve) => this.clock.setTimer(resolve, wait));
      if (this.closed) throw new ConnectionError('The client is closed', { retriable: false });
      const connection = new Connection({
        ...this.connectionConfig(host, port),
        onFirstAnswer: () => {
          this.refusedInARow = 0;
          if (!node.suspect) return;
          node.suspect = false;
          node.failures = 0;
          node.retryAt = 0;
          if (!this.closed) this.config.onConnectAttempt?.(undefined);
        },
        onClose: (error) => {
          const established = node.connection === connection;
          if (established) node.connection = undefined;
          // A refused re-authentication (KIP-368) counts as a failed attempt, as a refused first
          // authentication does: it backs the next connection off and reaches the breaker.
          if (established && error instanceof AuthenticationError) this.connectFailed(node, error);
          else if (established && error && connection.closedAtFirstRequest) this.refusedAtFirstRequest(node, error);
          if (error && typeof key === 'number') this.config.onConnectionClosed?.(key, error);
        },
      });
      try {
        await connection.connect();
      } catch (error) {
        connection.close();
        this.connectFailed(node, error);
        throw error;
      }
      node.connection = connection;
      // After a connection refused at its first request, the handshake alone proves nothing: the
      // success is told at the first answer (onFirstAnswer).
      if (!node.suspect) {
        node.failures = 0;
        node.retryAt = 0;
        this.config.onConnectAttempt?.(undefined);
      }
      return connection;
    };
    state.connecting = open().finally(() => {
      node.connecting = undefined;
    });
    return state.connecting;
  }

  /**
   * A connection of its own to some broker of the metadata (a bootstrap server while none is known),
   * with this cluster's settings, neither shared with the producer's requests nor counted among its
   * connections: the caller owns and closes it. Used for client telemetry, so that its requests
   * never take an in-flight slot of a Produce connection.
   */
  async openSeparateConnection(): Promise<Connection> {
    if (this.closed) throw new ConnectionError('The client is closed', { retriable: false });
    const brokers = [...this.metadata.brokers.values()];
    const target =
      brokers.length > 0 ? brokers[Math.floor(Math.random() * brokers.length)]! : parseHostPort(this.config.bootstrapServers[0] ?? '');
    const connection = new Connection(this.connectionConfig(target.host, target.port));
    try {
      await connection.connect();
    } catch (error) {
      connection.close();
      throw error;
    }
    return connection;
  }

  // A failed attempt: the node's next one waits its backoff, and the producer hears of it.
  private connectFailed(node: NodeState, error: unknown): void {
    node.failures++;
    node.retryAt = this.clock.now() + backoffDelay({ initialMs: this.config.reconnectBackoffMs, maxMs: this.config.reconnectBackoffMaxMs }, node.failures - 1);
    if (!this.closed) this.config.onConnectAttempt?.(error instanceof KafkaError ? error : new ConnectionError(String(error), { cause: error }));
  }

  // A connection closed at its first request after the handshake, unanswered, was refused, not lost:
  // it counts as a failed attempt (backoff, breaker). Happening again and again, with no answer from
  // any connection between, it is what a SASL listener does to a client that does not log in, which
  // the error then says.
  private refusedAtFirstRequest(node: NodeState, error: KafkaError): void {
    node.suspect = true;
    this.refusedInARow++;
    const hint = closedAfterApiVersionsHint(PRODUCER_SETTINGS, this.config.sasl !== undefined, this.config.ssl !== undefined && this.config.ssl !== false);
    this.connectFailed(
      node,
      this.refusedInARow < 2
        ? error
        : new ConnectionError(`${error.message}, as the last ${this.refusedInARow} connections were: ${hint}`, { cause: error, reason: 'closed' }),
    );
  }

  // The settings every connection of this cluster is made with.
  private connectionConfig(host: string, port: number): ConnectionConfig {
    return {
      host,
      port,
      clientId: this.config.clientId,
      ssl: this.config.ssl,
      sasl: this.config.sasl,
      ...(this.config.lookup ? { lookup: this.config.lookup } : {}),
      connectTimeoutMs: this.config.connectTimeoutMs,
      requestTimeoutMs: this.config.requestTimeoutMs,
      ...(this.config.versionCaps ? { versionCaps: this.config.versionCaps } : {}),
      log: this.config.log,
      clock: this.clock,
    };
  }

  /** Closes every connection; pending requests reject. */
  close(): void {
    this.closed = true;
    for (const state of this.nodes.values()) state.connection?.close();
    this.nodes.clear();
  }
}
