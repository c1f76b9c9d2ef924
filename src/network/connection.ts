// One TCP or TLS connection to one broker, the class the rest of the client talks to. It ties
// together parts that each do one job: socket-opener.ts opens the socket; the handshake is
// ApiVersions (api-versions.ts) then SASL (sasl-login.ts, which also renews the session before the
// broker expires it, KIP-368); request-pipeline.ts carries requests and their answers. What stays
// here is the state they share: whether the connection is ready or closed, whether its socket
// holds the process open, and closing. Any close, socket error, timeout or malformed frame closes
// the connection and fails every pending request.
import type { LookupFunction, Socket } from 'node:net';
import type { ConnectionOptions as TlsOptions } from 'node:tls';
import { ConnectionError, type KafkaError, RequestNotSentError } from '../errors/kafka-error.js';
import { type ApiName, type ApiTypes, type BrokerApiRange, negotiateVersion } from '../protocol/index.js';
import { type Clock, systemClock } from '../time/clock.js';
import { negotiateApiVersions } from './api-versions.js';
import { asKafkaError } from './as-kafka-error.js';
import type { LogSink } from './log-sink.js';
import { RequestPipeline } from './request-pipeline.js';
import type { SaslConfig } from './sasl/authenticate.js';
import { type LoginHost, SaslLogin } from './sasl-login.js';
import { openSocket } from './socket-opener.js';

export type { LogSink } from './log-sink.js';

/** How to reach and talk to one broker. */
export interface ConnectionConfig {
  readonly host: string;
  readonly port: number;
  readonly clientId: string;
  /** TLS options, or true for TLS with Node's defaults. */
  readonly ssl?: TlsOptions | boolean | undefined;
  readonly sasl?: SaslConfig | undefined;
  /** Resolves the host name, as `net.connect`'s `lookup` (default `dns.lookup`). */
  readonly lookup?: LookupFunction | undefined;
  /** Bounds the whole opening: name resolution, TCP connect and TLS handshake. */
  readonly connectTimeoutMs: number;
  readonly requestTimeoutMs: number;
  /** Largest response frame accepted; larger ones close the connection. */
  readonly maxFrameSize?: number;
  /** Caps on the versions used per API (e.g. to act as an older client). */
  readonly versionCaps?: Partial<Record<ApiName, number>>;
  /** Called once when the connection closes, with the reason when it was not asked for. */
  readonly onClose?: (error: KafkaError | undefined) => void;
  /** Receives the connection's log lines (debug: bytes ignored after a complete response). */
  readonly log?: LogSink | undefined;
  /** Called once, at the first answer to a request sent after the handshake. */
  readonly onFirstAnswer?: () => void;
  /** Reads the time and sets the connection's timers (default the system clock). */
  readonly clock?: Clock | undefined;
}

/** Options of one request. */
export interface RequestOptions {
  /** False for requests the broker never answers (Produce with acks 0). */
  readonly expectResponse?: boolean;
  /** Overrides the connection's request timeout. */
  readonly timeoutMs?: number;
}

const DEFAULT_MAX_FRAME_SIZE = 100 * 1024 * 1024;

export class Connection {
  readonly config: ConnectionConfig;
  /** The broker's version range per API key, known once connected. */
  apiVersions: Map<number, BrokerApiRange> = new Map();
  /**
   * The cluster-wide feature levels this broker reported (ApiVersions v3+), such as
   * `transaction.version`, and the epoch of that view: a higher epoch is a newer view.
   */
  finalizedFeatures: ReadonlyMap<string, number> = new Map();
  finalizedFeaturesEpoch = -1n;
  private readonly clock: Clock;
  private socket: Socket | undefined;
  private readonly pipeline: RequestPipeline;
  /** The SASL login, when the connection authenticates. */
  private readonly login: SaslLogin | undefined;
  private closed = false;
  private connecting: Promise<void> | undefined;
  private ready = false;
  /**
   * Whether the socket holds the process open. A ready connection with no request awaiting an
   * answer does not (an idle producer lets the process exit); one with requests in flight does.
   */
  private referenced = true;
  /** Whether a request sent after the handshake has been answered. */
  private answeredAfterHandshake = false;
  private closedUnansweredFirst = false;

  constructor(config: ConnectionConfig) {
    this.config = config;
    this.clock = config.clock ?? systemClock;
    const log = config.log;
    this.pipeline = new RequestPipeline({
      address: this.address,
      clientId: config.clientId,
      requestTimeoutMs: config.requestTimeoutMs,
      maxFrameSize: config.maxFrameSize ?? DEFAULT_MAX_FRAME_SIZE,
      clock: this.clock,
      onTrailingBytes: log
        ? (api, version, count) =>
            log('debug', `ignored ${count} bytes after the last field of a ${api} v${version} response from ${this.address}`, { api, version, bytes: count })
        : undefined,
      onFailure: (error) => this.close(error),
      onBusy: () => {
        if (!this.referenced) this.holdProcess(true);
      },
      onIdle: () => {
        if (this.ready && !this.login?.renewing) this.holdProcess(false);
        this.login?.onIdle();
      },
    });
    this.login = config.sasl ? new SaslLogin(this.loginHost(), config.sasl) : undefined;
  }

  /** `host:port` of the broker, for messages. */
  get address(): string {
    return `${this.config.host}:${this.config.port}`;
  }

  /** Whether the connection is open and has finished its handshake. */
  get isReady(): boolean {
    return this.ready && !this.closed;
  }

  get isClosed(): boolean {
    return this.closed;
  }

  /** Requests sent and not yet answered, plus those held back by a re-authentication. */
  get inFlight(): number {
    return this.pipeline.waiting + (this.login?.held ?? 0);
  }

  /**
   * Whether the broker closed the connection at the first request after the handshake, unanswered:
   * what a SASL listener does to a client that has not logged in.
   */
  get closedAtFirstRequest(): boolean {
    return this.closedUnansweredFirst;
  }

  /** Whether a SASL re-authentication is in progress (requests wait until it ends). */
  get isReauthenticating(): boolean {
    return this.login?.renewing ?? false;
  }

  /** Successful SASL re-authentications of this connection (KIP-368). */
  get reauthentications(): number {
    return this.login?.renewals ?? 0;
  }

  /** True while the socket's write buffer is over its high-water mark. */
  get isBlocked(): boolean {
    return this.pipeline.blocked;
  }

  /** Bytes of every request written so far, size prefixes included (the producer's byte metrics read it). */
  get bytesWritten(): number {
    return this.pipeline.bytesWritten;
  }

  /** Opens the socket, negotiates API versions and authenticates; idempotent. */
  connect(): Promise<void> {
    this.connecting ??= this.open();
    return this.connecting;
  }

  // A connection that fails its handshake is closed for good; the cluster opens a new one.
  private async open(): Promise<void> {
    try {
      const { host, port, ssl, lookup, connectTimeoutMs } = this.config;
      const opening = openSocket(
        { host, port, address: this.address, ssl, lookup, connectTimeoutMs, clock: this.clock },
        {
          failed: (error) => this.close(error),
          closed: () => this.close(this.closedByBroker()),
          data: (chunk) => this.pipeline.onData(chunk),
          drain: () => this.pipeline.onDrain(),
        },
      );
      this.socket = opening.socket;
      this.pipeline.attach(opening.socket);
      await opening.opened;
      const versions = await negotiateApiVersions(
        (version) => this.requestAt('ApiVersions', version, { clientSoftwareName: 'kafka-producer', clientSoftwareVersion: '0.1.0' }, { tolerateUnsupported: true }),
        this.address,
        this.config.versionCaps?.ApiVersions,
      );
      this.apiVersions = versions.apiVersions;
      this.finalizedFeatures = versions.finalizedFeatures;
      this.finalizedFeaturesEpoch = versions.finalizedFeaturesEpoch;
      await this.login?.authenticate();
    } catch (error) {
      const failure = asKafkaError(error, `Connecting to ${this.address} failed`);
      this.close(failure);
      throw failure;
    }
    this.ready = true;
    this.pipeline.onNextAnswer = () => {
      this.answeredAfterHandshake = true;
      this.config.onFirstAnswer?.();
    };
    this.holdProcess(this.inFlight > 0);
  }

  private holdProcess(hold: boolean): void {
    if (hold === this.referenced || !this.socket) return;
    this.referenced = hold;
    if (hold) this.socket.ref();
    else this.socket.unref();
  }

  // The error of a close the client did not ask for. Closed before any answer after the handshake,
  // with a request waiting, the connection was refused rather than lost (see closedAtFirstRequest).
  private closedByBroker(): ConnectionError {
    if (!this.ready) {
      return new ConnectionError(`Connection to ${this.address} closed by the broker during the handshake (does the broker expect TLS or SASL on this port?)`, {
        reason: 'closed',
      });
    }
    const first = this.pipeline.oldestApi;
    if (!this.answeredAfterHandshake && first && !this.login?.renewing) {
      this.closedUnansweredFirst = true;
      return new ConnectionError(`Connection to ${this.address} closed by the broker at the first request after the handshake (${first}), unanswered`, {
        reason: 'closed',
      });
    }
    return new ConnectionError(`Connection to ${this.address} closed by the broker`, { reason: 'closed' });
  }

  // The SASL login's view of this connection: its requests bypass the hold of a re-authentication.
  private loginHost(): LoginHost {
    const connection = this;
    return {
      address: this.address,
      clock: this.clock,
      requestTimeoutMs: this.config.requestTimeoutMs,
      log: this.config.log,
      get isReady() {
        return connection.isReady;
      },
      get isClosed() {
        return connection.closed;
      },
      get waiting() {
        return connection.pipeline.waiting;
      },
      send: (api, body) => this.requestAt(api, this.versionFor(api), body, { bypassHold: true }),
      versionFor: (api) => this.versionFor(api),
      holdProcess: (hold) => this.holdProcess(hold),
      close: (error) => this.close(error),
    };
  }

  /** The version of `api` to use with this broker: the highest both sides speak. */
  versionFor(api: ApiName): number {
    return negotiateVersion(api, this.apiVersions, this.config.versionCaps?.[api]);
  }

  /** Sends `body` at the negotiated version of `api`. */
  request<A extends ApiName>(api: A, body: ApiTypes[A]['request'], options?: RequestOptions): Promise<ApiTypes[A]['response']> {
    return this.requestAt(api, this.versionFor(api), body, options);
  }

  /** Sends `body` as `api` at `version`; resolves with the decoded response. */
  requestAt<A extends ApiName>(
    api: A,
    version: number,
    body: ApiTypes[A]['request'],
    options: RequestOptions & { tolerateUnsupported?: boolean; bypassHold?: boolean } = {},
  ): Promise<ApiTypes[A]['response']> {
    const socket = this.socket;
    if (this.closed || !socket || socket.readableEnded || !socket.writable) {
      return Promise.reject(new RequestNotSentError(`Connection to ${this.address} is closed; the ${api} request was not sent`));
    }
    const login = this.login;
    if (!options.bypassHold && login?.mustHold()) {
      // Held back, in order, until the session is renewed. The wait counts against the request's
      // timeout, so that a held request is not answered later than any other would be.
      const deadline = this.clock.now() + (options.timeoutMs ?? this.config.requestTimeoutMs);
      return new Promise((resolve, reject) => {
        const send = () =>
          this.requestAt(api, version, body, { ...options, bypassHold: true, timeoutMs: Math.max(1, deadline - this.clock.now()) }).then(resolve, reject);
        login.hold({ send, reject });
      });
    }
    return this.pipeline.send(api, version, body, options);
  }

  /** Closes the connection; pending requests reject with `error` (or a ConnectionError). */
  close(error?: KafkaError): void {
    if (this.closed) return;
    this.closed = true;
    this.ready = false;
    const reason = error ?? new ConnectionError(`Connection to ${this.address} was closed`);
    this.pipeline.close(reason);
    // Requests held back by a re-authentication never reached the broker.
    this.login?.close(reason);
    this.pipeline.onDrain();
    this.socket?.destroy();
    this.config.onClose?.(error);
  }
}
