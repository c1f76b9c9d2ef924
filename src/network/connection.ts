// One TCP or TLS connection to one broker: framing, correlation ids, pipelined requests answered in
// order, one timer for the oldest request's deadline (judged after the socket's pending input was
// read), socket backpressure, ApiVersions plus SASL on connect, and SASL re-authentication before the
// broker's session expires (KIP-368). Any close, socket error, timeout or malformed frame fails every
// pending request.
import { connect as connectTcp, type LookupFunction, type Socket } from 'node:net';
import { connect as connectTls, type ConnectionOptions as TlsOptions } from 'node:tls';
import {
  AuthenticationError,
  ConnectionError,
  KafkaError,
  MalformedResponseError,
  RequestNotSentError,
  RequestTimeoutError,
} from '../errors/kafka-error.js';
import { FrameDecoder } from '../protocol/frame-decoder.js';
import {
  type ApiName,
  type ApiTypes,
  type ApiVersionsResponseData,
  apiSpecs,
  type BrokerApiRange,
  decodeResponse,
  encodeRequestChunks,
  negotiateVersion,
  peekCorrelationId,
  supportedVersions,
} from '../protocol/index.js';
import { authenticate, type SaslConfig, type SaslConnection } from './sasl/authenticate.js';
import { reauthenticationDelay } from './sasl/reauthentication.js';

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
}

/** Where a component's log lines go: the producer's logger, by level. */
export type LogSink = (level: 'debug' | 'info' | 'warn' | 'error', message: string, context?: Record<string, unknown>) => void;

/** Options of one request. */
export interface RequestOptions {
  /** False for requests the broker never answers (Produce with acks 0). */
  readonly expectResponse?: boolean;
  /** Overrides the connection's request timeout. */
  readonly timeoutMs?: number;
}

/** A request held back while the connection re-authenticates; written once it has. */
interface DeferredRequest {
  readonly send: () => void;
  readonly reject: (error: KafkaError) => void;
}

interface PendingRequest {
  readonly correlationId: number;
  readonly api: ApiName;
  readonly version: number;
  readonly deadline: number;
  readonly timeoutMs: number;
  /** ApiVersions only: an UNSUPPORTED_VERSION answer may come in an older layout. */
  readonly tolerateUnsupported: boolean;
  readonly resolve: (value: unknown) => void;
  readonly reject: (error: KafkaError) => void;
}

const DEFAULT_MAX_FRAME_SIZE = 100 * 1024 * 1024;
const UNSUPPORTED_VERSION = 35;

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
  private socket: Socket | undefined;
  private decoder: FrameDecoder;
  private pending: PendingRequest[] = [];
  private pendingHead = 0;
  private nextCorrelationId = 1;
  private timer: NodeJS.Timeout | undefined;
  private timerDeadline = Number.POSITIVE_INFINITY;
  /** The timeout check deferred by a due timer to after the next read of the socket. */
  private timeoutCheck: NodeJS.Immediate | undefined;
  private closed = false;
  private connecting: Promise<void> | undefined;
  private blocked = false;
  private ready = false;
  /**
   * Whether the socket holds the process open. A ready connection with no request awaiting an
   * answer does not (an idle producer lets the process exit); one with requests in flight does.
   */
  private referenced = true;
  private readonly unanswered = new Set<number>();
  /** Bytes of every request written so far, size prefixes included (the producer's byte metrics read it). */
  bytesWritten = 0;
  /** Whether a request sent after the handshake has been answered. */
  private answeredAfterHandshake = false;
  private closedUnansweredFirst = false;
  /** Successful SASL re-authentications of this connection (KIP-368). */
  reauthentications = 0;
  /** Date.now() from which the connection re-authenticates before its next request; undefined when the session does not expire. */
  private reauthenticateAt: number | undefined;
  private reauthTimer: NodeJS.Timeout | undefined;
  /** Date.now() when the last SaslAuthenticate request was sent: the broker's session starts after it. */
  private saslSentAt = 0;
  /** Set while a re-authentication runs: new requests wait in `deferred`. */
  private reauthenticating: Promise<void> | undefined;
  private deferred: DeferredRequest[] = [];
  /** Resolved when no request awaits an answer any more (a re-authentication waits for it). */
  private idleWaiters: (() => void)[] = [];

  /** Made once, not per response: decoding a response stays free of allocations for it. */
  private readonly onTrailingBytes: ((api: ApiName, version: number, count: number) => void) | undefined;

  constructor(config: ConnectionConfig) {
    this.config = config;
    this.decoder = new FrameDecoder(config.maxFrameSize ?? DEFAULT_MAX_FRAME_SIZE);
    const log = config.log;
    this.onTrailingBytes = log
      ? (api, version, count) =>
          log('debug', `ignored ${count} bytes after the last field of a ${api} v${version} response from ${this.address}`, { api, version, bytes: count })
      : undefined;
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
    return this.pending.length - this.pendingHead + this.deferred.length;
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
    return this.reauthenticating !== undefined;
  }

  /** True while the socket's write buffer is over its high-water mark. */
  get isBlocked(): boolean {
    return this.blocked;
  }

  /** Opens the socket, negotiates API versions and authenticates; idempotent. */
  connect(): Promise<void> {
    this.connecting ??= this.open();
    return this.connecting;
  }

  // A connection that fails its handshake is closed for good; the cluster opens a new one.
  private async open(): Promise<void> {
    try {
      await this.openSocket();
      await this.negotiateApiVersions();
      if (this.config.sasl) {
        const session = await authenticate(this.saslChannel(), this.config.sasl);
        this.scheduleReauthentication(session.sessionLifetimeMs);
      }
    } catch (error) {
      const failure = asKafkaError(error, `Connecting to ${this.address} failed`);
      this.close(failure);
      throw failure;
    }
    this.ready = true;
    this.holdProcess(this.inFlight > 0);
  }

  private holdProcess(hold: boolean): void {
    if (hold === this.referenced || !this.socket) return;
    this.referenced = hold;
    if (hold) this.socket.ref();
    else this.socket.unref();
  }

  private openSocket(): Promise<void> {
    const { host, port, ssl, connectTimeoutMs, lookup } = this.config;
    return new Promise((resolve, reject) => {
      const resolver = lookup ? { lookup } : {};
      const socket = ssl
        ? connectTls({ host, port, servername: isIp(host) ? undefined : host, ...resolver, ...(ssl === true ? {} : ssl) })
        : connectTcp({ host, port, ...resolver });
      this.socket = socket;
      socket.setNoDelay(true);
      // A host name is resolved first ('lookup' follows); an address needs no resolution.
      let resolved = isIp(host);
      socket.once('lookup', () => {
        resolved = true;
      });
      // As for requests (onTimer), the verdict waits for the check phase: after a stall of the event
      // loop, a connection established meanwhile is seen in the poll phase that follows the timers.
      let verdict: NodeJS.Immediate | undefined;
      const timer = setTimeout(() => {
        verdict = setImmediate(() =>
          fail(
            resolved
              ? new ConnectionError(`Connection to ${this.address} timed out after ${connectTimeoutMs} ms (connectTimeoutMs)`, { reason: 'timeout' })
              : new ConnectionError(
                  `Resolving the host name '${host}' of ${this.address} took longer than ${connectTimeoutMs} ms (connectTimeoutMs): the DNS server answers slowly or not at all; check this machine's DNS settings`,
                  { reason: 'dns' },
                ),
          ),
        );
      }, connectTimeoutMs);
      const settle = () => {
        clearTimeout(timer);
        if (verdict) clearImmediate(verdict);
      };
      const fail = (error: KafkaError) => {
        settle();
        this.close(error);
        reject(error);
      };
      socket.once(ssl ? 'secureConnect' : 'connect', () => {
        settle();
        socket.off('error', onConnectError);
        socket.on('error', (error) => this.close(new ConnectionError(`Connection to ${this.address} failed: ${error.message}`, { cause: error, reason: 'network' })));
        resolve();
      });
      const onConnectError = (error: Error) => fail(connectFailure(this.address, host, ssl !== undefined && ssl !== false, error));
      socket.once('error', onConnectError);
      const closed = () => this.close(this.closedByBroker());
      socket.on('close', closed);
      // Brokers never half-close: the end of the stream is the end of the connection.
      socket.on('end', closed);
      socket.on('data', (chunk: Buffer) => this.onData(chunk));
      socket.on('drain', () => this.onDrain());
    });
  }

  // The error of a close the client did not ask for. Closed before any answer after the handshake,
  // with a request waiting, the connection was refused rather than lost (see closedAtFirstRequest).
  private closedByBroker(): ConnectionError {
    if (!this.ready) {
      return new ConnectionError(`Connection to ${this.address} closed by the broker during the handshake (does the broker expect TLS or SASL on this port?)`, {
        reason: 'closed',
      });
    }
    const first = this.pending[this.pendingHead];
    if (!this.answeredAfterHandshake && first && !this.reauthenticating) {
      this.closedUnansweredFirst = true;
      return new ConnectionError(`Connection to ${this.address} closed by the broker at the first request after the handshake (${first.api}), unanswered`, {
        reason: 'closed',
      });
    }
    return new ConnectionError(`Connection to ${this.address} closed by the broker`, { reason: 'closed' });
  }

  // Sends ApiVersions at the newest version; a broker that does not speak it answers
  // UNSUPPORTED_VERSION, with its own range in the v0 layout where it can, and the request is
  // repeated at the highest version it lists, as the Java client does (v0 when it lists none).
  private async negotiateApiVersions(): Promise<void> {
    let version = Math.min(supportedVersions('ApiVersions').max, this.config.versionCaps?.ApiVersions ?? 99);
    for (let attempt = 0; attempt < 4; attempt++) {
      const response = await this.requestAt(
        'ApiVersions',
        version,
        { clientSoftwareName: 'kafka-producer', clientSoftwareVersion: '0.1.0' },
        { tolerateUnsupported: true },
      );
      if (response.errorCode === UNSUPPORTED_VERSION) {
        const theirs = response.apiKeys.find((entry) => entry.apiKey === apiSpecs.ApiVersions.apiKey);
        const next = theirs ? Math.min(theirs.maxVersion, version - 1) : 0;
        if (version === 0) break;
        version = Math.max(0, next);
        continue;
      }
      if (response.errorCode !== 0) {
        throw new ConnectionError(`ApiVersions to ${this.address} failed with error code ${response.errorCode}`, {
          retriable: false,
          brokerErrorCode: response.errorCode,
        });
      }
      const ranges = new Map<number, BrokerApiRange>();
      for (const entry of response.apiKeys) {
        ranges.set(entry.apiKey, { minVersion: entry.minVersion, maxVersion: entry.maxVersion });
      }
      this.apiVersions = ranges;
      const features = new Map<string, number>();
      for (const feature of response.finalizedFeatures ?? []) features.set(feature.name, feature.maxVersionLevel);
      this.finalizedFeatures = features;
      this.finalizedFeaturesEpoch = response.finalizedFeaturesEpoch ?? -1n;
      return;
    }
    throw new ConnectionError(`ApiVersions negotiation with ${this.address} failed`, { retriable: false });
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
    if (!options.bypassHold) {
      if (this.reauthenticateAt !== undefined && this.ready && Date.now() >= this.reauthenticateAt) this.beginReauthentication();
      if (this.reauthenticating) {
        // Held back, in order, until the session is renewed: the broker would close a connection
        // whose session expired at its next request. The wait counts against the request's
        // timeout, so that a held request is not answered later than any other would be.
        const deadline = Date.now() + (options.timeoutMs ?? this.config.requestTimeoutMs);
        return new Promise((resolve, reject) => {
          const send = () =>
            this.requestAt(api, version, body, { ...options, bypassHold: true, timeoutMs: Math.max(1, deadline - Date.now()) }).then(resolve, reject);
          this.deferred.push({ send, reject });
        });
      }
    }
    const correlationId = this.nextCorrelationId;
    this.nextCorrelationId = (this.nextCorrelationId + 1) & 0x7fffffff;
    const frame = encodeRequestChunks(api, version, correlationId, this.config.clientId, body);
    if (options.expectResponse === false) {
      this.rememberUnanswered(correlationId);
      return new Promise((resolve, reject) => {
        this.write(frame, (error) => {
          if (error) reject(new ConnectionError(`Write to ${this.address} failed: ${error.message}`, { cause: error }));
          else resolve(undefined as unknown as ApiTypes[A]['response']);
        });
      });
    }
    return new Promise((resolve, reject) => {
      const timeoutMs = options.timeoutMs ?? this.config.requestTimeoutMs;
      const deadline = Date.now() + timeoutMs;
      this.pending.push({
        correlationId,
        api,
        version,
        deadline,
        timeoutMs,
        tolerateUnsupported: options.tolerateUnsupported === true,
        resolve: resolve as (value: unknown) => void,
        reject,
      });
      this.armTimer(deadline);
      if (!this.referenced) this.holdProcess(true);
      this.write(frame);
    });
  }

  // One request, written as one vectored write: its chunks are corked, then flushed together.
  private write(frame: readonly Uint8Array[], callback?: (error?: Error | null) => void): void {
    const socket = this.socket!;
    let flushed = true;
    if (frame.length === 1) {
      this.bytesWritten += frame[0]!.byteLength;
      flushed = socket.write(frame[0]!, callback);
    } else {
      socket.cork();
      for (let index = 0; index < frame.length; index++) {
        this.bytesWritten += frame[index]!.byteLength;
        flushed = socket.write(frame[index]!, index === frame.length - 1 ? callback : undefined);
      }
      socket.uncork();
    }
    if (!flushed) this.blocked = true;
  }

  private onDrain(): void {
    this.blocked = false;
  }

  private onData(chunk: Buffer): void {
    if (this.closed) return;
    try {
      this.decoder.push(chunk, (frame) => this.onFrame(frame));
    } catch (error) {
      this.close(asKafkaError(error, `Malformed data from ${this.address}`));
    }
  }

  // Requests sent expecting no answer (Produce with acks 0). Kafka never answers them, but some
  // brokers do; such an answer is recognised by its correlation id and dropped.
  private rememberUnanswered(correlationId: number): void {
    this.unanswered.add(correlationId);
    if (this.unanswered.size > 1024) {
      const oldest = this.unanswered.values().next().value;
      if (oldest !== undefined) this.unanswered.delete(oldest);
    }
  }

  // Kafka answers the requests of one connection in order, so the answer belongs to the oldest one.
  private onFrame(frame: Buffer): void {
    const request = this.pending[this.pendingHead];
    const correlationId = peekCorrelationId(frame);
    if (this.unanswered.delete(correlationId)) return;
    if (!request || request.correlationId !== correlationId) {
      throw new MalformedResponseError(
        `Response with correlation id ${correlationId} from ${this.address} does not match the oldest request (${request?.correlationId ?? 'none'})`,
      );
    }
    this.pending[this.pendingHead++] = undefined as unknown as PendingRequest;
    if (this.pendingHead > 1024 && this.pendingHead * 2 > this.pending.length) {
      this.pending = this.pending.slice(this.pendingHead);
      this.pendingHead = 0;
    }
    if (this.pendingHead === this.pending.length) {
      if (this.ready && !this.reauthenticating) this.holdProcess(false);
      this.wakeIdleWaiters();
    }
    let body: unknown;
    try {
      body = request.tolerateUnsupported ? decodeApiVersionsAnswer(request.version, frame, this.onTrailingBytes)
        : decodeResponse(request.api, request.version, frame, this.onTrailingBytes);
    } catch (error) {
      const failure = asKafkaError(error, `Malformed ${request.api} v${request.version} response from ${this.address}`);
      request.reject(failure);
      throw failure;
    }
    if (this.ready && !this.answeredAfterHandshake) {
      this.answeredAfterHandshake = true;
      this.config.onFirstAnswer?.();
    }
    request.resolve(body);
  }

  private armTimer(deadline: number): void {
    if (deadline >= this.timerDeadline) return;
    if (this.timer) clearTimeout(this.timer);
    this.timerDeadline = deadline;
    this.timer = setTimeout(() => this.onTimer(), Math.max(0, deadline - Date.now()));
    this.timer.unref?.();
  }

  // Node runs due timers before it reads sockets, so after a stall of the event loop the timer fires
  // while the answers may already wait in the socket. The check is deferred to the check phase
  // (setImmediate), which follows the poll phase that reads them and hands every complete frame to
  // onFrame synchronously; only requests still unanswered then have timed out. Java's NetworkClient
  // likewise reads what is available before it expires requests. The immediate stays ref'd: an
  // unref'd one would not keep the poll phase from blocking, and could wait for other I/O.
  private onTimer(): void {
    this.timer = undefined;
    this.timerDeadline = Number.POSITIVE_INFINITY;
    if (this.closed || this.timeoutCheck) return;
    this.timeoutCheck = setImmediate(() => {
      this.timeoutCheck = undefined;
      this.expireRequests();
    });
  }

  // A request that outlived its deadline means the connection cannot be trusted (the answers are
  // ordered, so everything behind it is stuck too): close it, as the Java client does.
  private expireRequests(): void {
    if (this.closed) return;
    const now = Date.now();
    let earliest = Number.POSITIVE_INFINITY;
    for (let index = this.pendingHead; index < this.pending.length; index++) {
      const request = this.pending[index]!;
      if (request.deadline <= now) {
        this.close(
          new RequestTimeoutError(
            `${request.api} request to ${this.address} got no response within ${request.timeoutMs} ms`,
          ),
        );
        return;
      }
      earliest = Math.min(earliest, request.deadline);
    }
    if (earliest < Number.POSITIVE_INFINITY) this.armTimer(earliest);
  }

  // KIP-368: a positive session lifetime means the broker closes the connection at the first request
  // after it; the connection renews its session at a random point between 85% and 95% of it.
  private scheduleReauthentication(sessionLifetimeMs: number): void {
    if (this.reauthTimer) clearTimeout(this.reauthTimer);
    this.reauthTimer = undefined;
    if (!(sessionLifetimeMs > 0)) {
      this.reauthenticateAt = undefined;
      return;
    }
    // Counted from the sending of the last SaslAuthenticate, not from its answer: the broker's
    // clock started in between, so the renewal stays ahead of it by the round trip too.
    const delay = Math.max(0, this.saslSentAt + reauthenticationDelay(sessionLifetimeMs) - Date.now());
    this.reauthenticateAt = Date.now() + delay;
    // An idle connection renews its session too, so that its next request finds it valid; the
    // timer does not hold the process open.
    this.reauthTimer = setTimeout(() => {
      this.reauthTimer = undefined;
      if (this.ready && !this.closed) this.beginReauthentication();
    }, delay);
    this.reauthTimer.unref();
  }

  // The SASL exchange's view of this connection: its requests bypass the hold of a re-authentication.
  private saslChannel(): SaslConnection {
    return {
      address: this.address,
      request: (api, body) => {
        if (api === 'SaslAuthenticate') this.saslSentAt = Date.now();
        return this.requestAt(api, this.versionFor(api), body, { bypassHold: true });
      },
      versionFor: (api) => this.versionFor(api),
    };
  }

  private beginReauthentication(): void {
    if (this.reauthenticating || this.closed || !this.config.sasl) return;
    this.reauthenticateAt = undefined;
    const run = this.reauthenticate();
    this.reauthenticating = run;
    void run.finally(() => {
      if (this.reauthenticating === run) this.reauthenticating = undefined;
    });
  }

  // As the Java client: no new request goes out once the renewal is due; the answers to those in
  // flight are awaited (the broker handles a re-authentication only on a quiet connection), then
  // SaslHandshake and SaslAuthenticate run again on the same socket (no ApiVersions), and the held
  // requests are written in their order. A failure closes the connection with the
  // AuthenticationError a first authentication would have given.
  private async reauthenticate(): Promise<void> {
    const sasl = this.config.sasl!;
    try {
      await this.whenIdle();
      if (this.closed) return;
      this.holdProcess(true);
      const session = await this.withinRequestTimeout(authenticate(this.saslChannel(), sasl));
      if (this.closed) return;
      this.reauthentications++;
      this.scheduleReauthentication(session.sessionLifetimeMs);
      this.config.log?.('debug', `re-authenticated with ${this.address} (${session.mechanism})`, { mechanism: session.mechanism, sessionLifetimeMs: session.sessionLifetimeMs });
    } catch (error) {
      const failure = asKafkaError(error, `Re-authenticating with ${this.address} failed`);
      const reported =
        failure instanceof AuthenticationError
          ? new AuthenticationError(`Re-authentication failed: ${failure.message}`, {
              cause: failure,
              stage: failure.stage,
              ...(failure.brokerErrorCode === undefined ? {} : { brokerErrorCode: failure.brokerErrorCode }),
              ...(failure.brokerErrorName === undefined ? {} : { brokerErrorName: failure.brokerErrorName }),
            })
          : failure;
      this.close(reported);
      return;
    }
    const held = this.deferred;
    this.deferred = [];
    this.reauthenticating = undefined;
    for (const request of held) request.send();
    if (this.inFlight === 0) this.holdProcess(false);
  }

  // The held requests wait for the renewal, so it is bounded as a request is: a token provider
  // that never answers closes the connection instead of holding them for good.
  private withinRequestTimeout<T>(work: Promise<T>): Promise<T> {
    const { requestTimeoutMs } = this.config;
    let timer: NodeJS.Timeout | undefined;
    const expired = new Promise<never>((_resolve, reject) => {
      timer = setTimeout(
        () => reject(new RequestTimeoutError(`Re-authentication with ${this.address} did not complete within ${requestTimeoutMs} ms (requestTimeoutMs)`)),
        requestTimeoutMs,
      );
    });
    return Promise.race([work, expired]).finally(() => clearTimeout(timer));
  }

  private whenIdle(): Promise<void> {
    if (this.pendingHead === this.pending.length || this.closed) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  private wakeIdleWaiters(): void {
    if (this.idleWaiters.length === 0) return;
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const resolve of waiters) resolve();
  }

  /** Closes the connection; pending requests reject with `error` (or a ConnectionError). */
  close(error?: KafkaError): void {
    if (this.closed) return;
    this.closed = true;
    this.ready = false;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    if (this.timeoutCheck) clearImmediate(this.timeoutCheck);
    this.timeoutCheck = undefined;
    if (this.reauthTimer) clearTimeout(this.reauthTimer);
    this.reauthTimer = undefined;
    const reason = error ?? new ConnectionError(`Connection to ${this.address} was closed`);
    const pending = this.pending.slice(this.pendingHead);
    this.pending = [];
    this.pendingHead = 0;
    for (const request of pending) request.reject(reason);
    // Requests held back by a re-authentication never reached the broker.
    const deferred = this.deferred;
    this.deferred = [];
    for (const request of deferred) {
      request.reject(new RequestNotSentError(`${reason.message}; the request was not sent`, { cause: reason }));
    }
    this.wakeIdleWaiters();
    this.onDrain();
    this.socket?.destroy();
    this.config.onClose?.(error);
  }
}

// An ApiVersions answer: UNSUPPORTED_VERSION (its first field in every version) comes in the v0
// layout from Kafka, and in no usable layout from some other brokers; then no range is known.
function decodeApiVersionsAnswer(
  version: number,
  frame: Buffer,
  onTrailingBytes: ((api: ApiName, version: number, count: number) => void) | undefined,
): ApiVersionsResponseData {
  const errorCode = frame.length >= 6 ? frame.readInt16BE(4) : 0;
  if (errorCode !== UNSUPPORTED_VERSION) return decodeResponse('ApiVersions', version, frame, onTrailingBytes);
  // The v0 layout is a guess here, so bytes left after it mean the guess was wrong, not that the
  // broker added some: the answer then gives no ranges.
  let leftOver = 0;
  try {
    const answer = decodeResponse('ApiVersions', 0, frame, (_api, _version, count) => {
      leftOver = count;
    });
    if (leftOver === 0) return answer;
  } catch {
    // no usable layout
  }
  return { errorCode, apiKeys: [] };
}

function asKafkaError(error: unknown, context: string): KafkaError {
  if (error instanceof KafkaError) return error;
  const message = error instanceof Error ? error.message : String(error);
  return new MalformedResponseError(`${context}: ${message}`, { cause: error });
}

// A certificate the client does not trust will not become trusted by retrying: such a handshake
// failure is reported as an AuthenticationError (not retriable), as Java reports SSL failures.
function isCertificateError(error: Error): boolean {
  const code = (error as { code?: unknown }).code;
  return typeof code === 'string' && (/CERT|SIGNATURE|ISSUER|ALTNAME|SELF_SIGNED/.test(code) || code.startsWith('ERR_SSL_'));
}

function isIp(host: string): boolean {
  return /^[\d.]+$/.test(host) || host.includes(':');
}

// The error of a connection that could not be opened, told apart by cause, with what to check.
function connectFailure(address: string, host: string, tls: boolean, error: Error): KafkaError {
  const code = (error as NodeJS.ErrnoException).code;
  if (tls && isCertificateError(error)) {
    return new AuthenticationError(`TLS handshake with ${address} failed: the broker's certificate was refused: ${error.message}`, { cause: error, stage: 'tls' });
  }
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN' || code === 'EAI_NONAME' || code === 'EAI_FAIL') {
    return new ConnectionError(`Cannot resolve the host name '${host}' of ${address} (${code}): check the bootstrap servers and DNS`, { cause: error, reason: 'dns' });
  }
  if (code === 'ECONNREFUSED') {
    return new ConnectionError(`Connection to ${address} refused (ECONNREFUSED): no broker listens on that port; check the port and that the broker runs`, {
      cause: error,
      reason: 'refused',
    });
  }
  if (tls) {
    return new ConnectionError(`TLS handshake with ${address} failed: ${error.message} (does the broker listen with TLS on this port?)`, { cause: error, reason: 'tls' });
  }
  return new ConnectionError(`Cannot connect to ${address}: ${error.message}`, { cause: error, reason: 'network' });
}
