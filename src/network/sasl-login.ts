// The SASL login of one connection: the first authentication on connect, and its renewal before
// the broker's session expires (KIP-368). A renewal holds new requests, waits for the answers in
// flight, authenticates again on the same socket, then releases the held requests in order.
import { AuthenticationError, type KafkaError, RequestNotSentError, RequestTimeoutError } from '../errors/kafka-error.js';
import type { ApiName, ApiTypes } from '../protocol/index.js';
import type { Clock, ClockTimer } from '../time/clock.js';
import { asKafkaError } from './as-kafka-error.js';
import type { LogSink } from './log-sink.js';
import { authenticate, type SaslConfig, type SaslConnection } from './sasl/authenticate.js';
import { reauthenticationDelay } from './sasl/reauthentication.js';

/** What the login needs of its connection. */
export interface LoginHost {
  /** `host:port` of the broker, for messages. */
  readonly address: string;
  readonly clock: Clock;
  /** Bounds a renewal, as it bounds a request: requests wait for it. */
  readonly requestTimeoutMs: number;
  readonly log: LogSink | undefined;
  /** Whether the connection has finished its handshake and is not closed. */
  readonly isReady: boolean;
  readonly isClosed: boolean;
  /** Requests written and not yet answered. */
  readonly waiting: number;
  /** Sends a request at once, never held, at the version negotiated with the broker. */
  send<A extends ApiName>(api: A, body: ApiTypes[A]['request']): Promise<ApiTypes[A]['response']>;
  versionFor(api: ApiName): number;
  /** Whether the socket holds the process open. */
  holdProcess(hold: boolean): void;
  close(error: KafkaError): void;
}

/** A request held back while the connection re-authenticates; written once it has. */
export interface HeldRequest {
  readonly send: () => void;
  readonly reject: (error: KafkaError) => void;
}

export class SaslLogin {
  /** Successful re-authentications (KIP-368). */
  renewals = 0;
  private readonly host: LoginHost;
  private readonly sasl: SaslConfig;
  /** The clock's time from which the next request waits for a renewal; undefined when the session does not expire. */
  private renewAt: number | undefined;
  private renewTimer: ClockTimer | undefined;
  /** The clock's time when the last SaslAuthenticate request was sent: the broker's session starts after it. */
  private saslSentAt = 0;
  /** Set while a renewal runs: new requests wait in `held`. */
  private renewal: Promise<void> | undefined;
  private heldRequests: HeldRequest[] = [];
  /** Resolved when no request awaits an answer any more (a renewal waits for it). */
  private idleWaiters: (() => void)[] = [];
  // The SASL exchange's view of the connection: its requests bypass the hold of a renewal.
  private readonly channel: SaslConnection;

  constructor(host: LoginHost, sasl: SaslConfig) {
    this.host = host;
    this.sasl = sasl;
    this.channel = {
      address: host.address,
      request: (api, body) => {
        if (api === 'SaslAuthenticate') this.saslSentAt = this.host.clock.now();
        return this.host.send(api, body);
      },
      versionFor: (api) => this.host.versionFor(api),
    };
  }

  /** Whether a renewal is in progress (requests wait until it ends). */
  get renewing(): boolean {
    return this.renewal !== undefined;
  }

  /** Requests held back by a renewal. */
  get held(): number {
    return this.heldRequests.length;
  }

  /** The first authentication, during the connection's handshake; rejects as `authenticate` does. */
  async authenticate(): Promise<void> {
    const session = await authenticate(this.channel, this.sasl);
    this.scheduleRenewal(session.sessionLifetimeMs);
  }

  /**
   * Whether a request must be held now: a renewal runs, or is due and starts. The broker would close
   * a connection whose session expired at its next request.
   */
  mustHold(): boolean {
    if (this.renewAt !== undefined && this.host.isReady && this.host.clock.now() >= this.renewAt) this.beginRenewal();
    return this.renewal !== undefined;
  }

  /** Holds `request` until the renewal ends (sent then, in order) or the connection closes (rejected). */
  hold(request: HeldRequest): void {
    this.heldRequests.push(request);
  }

  /** The connection's last request awaiting an answer got it. */
  onIdle(): void {
    if (this.idleWaiters.length === 0) return;
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const resolve of waiters) resolve();
  }

  // A positive session lifetime means the broker closes the connection at the first request after
  // it; the connection renews its session at a random point between 85% and 95% of it.
  private scheduleRenewal(sessionLifetimeMs: number): void {
    this.renewTimer?.cancel();
    this.renewTimer = undefined;
    if (!(sessionLifetimeMs > 0)) {
      this.renewAt = undefined;
      return;
    }
    // Counted from the sending of the last SaslAuthenticate, not from its answer: the broker's
    // clock started in between, so the renewal stays ahead of it by the round trip too.
    const now = this.host.clock.now();
    const delay = Math.max(0, this.saslSentAt + reauthenticationDelay(sessionLifetimeMs) - now);
    this.renewAt = now + delay;
    // An idle connection renews its session too, so that its next request finds it valid; the
    // timer does not hold the process open.
    this.renewTimer = this.host.clock.setTimer(
      () => {
        this.renewTimer = undefined;
        if (this.host.isReady) this.beginRenewal();
      },
      delay,
      { unref: true },
    );
  }

  private beginRenewal(): void {
    if (this.renewal || this.host.isClosed) return;
    this.renewAt = undefined;
    const run = this.renew();
    this.renewal = run;
    void run.finally(() => {
      if (this.renewal === run) this.renewal = undefined;
    });
  }

  // As the Java client: no new request goes out once the renewal is due; the answers to those in
  // flight are awaited (the broker handles a re-authentication only on a quiet connection), then
  // SaslHandshake and SaslAuthenticate run again on the same socket (no ApiVersions), and the held
  // requests are written in their order. A failure closes the connection with the
  // AuthenticationError a first authentication would have given.
  private async renew(): Promise<void> {
    const host = this.host;
    try {
      await this.whenIdle();
      if (host.isClosed) return;
      host.holdProcess(true);
      const session = await this.withinRequestTimeout(authenticate(this.channel, this.sasl));
      if (host.isClosed) return;
      this.renewals++;
      this.scheduleRenewal(session.sessionLifetimeMs);
      host.log?.('debug', `re-authenticated with ${host.address} (${session.mechanism})`, { mechanism: session.mechanism, sessionLifetimeMs: session.sessionLifetimeMs });
    } catch (error) {
      const failure = asKafkaError(error, `Re-authenticating with ${host.address} failed`);
      const reported =
        failure instanceof AuthenticationError
          ? new AuthenticationError(`Re-authentication failed: ${failure.message}`, {
              cause: failure,
              stage: failure.stage,
              ...(failure.brokerErrorCode === undefined ? {} : { brokerErrorCode: failure.brokerErrorCode }),
              ...(failure.brokerErrorName === undefined ? {} : { brokerErrorName: failure.brokerErrorName }),
            })
          : failure;
      host.close(reported);
      return;
    }
    const held = this.heldRequests;
    this.heldRequests = [];
    this.renewal = undefined;
    for (const request of held) request.send();
    if (host.waiting === 0) host.holdProcess(false);
  }

  // The held requests wait for the renewal, so it is bounded as a request is: a token provider
  // that never answers closes the connection instead of holding them for good.
  private withinRequestTimeout<T>(work: Promise<T>): Promise<T> {
    const { requestTimeoutMs, address, clock } = this.host;
    let timer: ClockTimer | undefined;
    const expired = new Promise<never>((_resolve, reject) => {
      timer = clock.setTimer(
        () => reject(new RequestTimeoutError(`Re-authentication with ${address} did not complete within ${requestTimeoutMs} ms (requestTimeoutMs)`)),
        requestTimeoutMs,
      );
    });
    return Promise.race([work, expired]).finally(() => timer?.cancel());
  }

  private whenIdle(): Promise<void> {
    if (this.host.waiting === 0 || this.host.isClosed) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /** The connection closed: the renewal timer stops, and held requests reject (they never reached the broker). */
  close(reason: KafkaError): void {
    this.renewTimer?.cancel();
    this.renewTimer = undefined;
    const held = this.heldRequests;
    this.heldRequests = [];
    for (const request of held) {
      request.reject(new RequestNotSentError(`${reason.message}; the request was not sent`, { cause: reason }));
    }
    this.onIdle();
  }
}
