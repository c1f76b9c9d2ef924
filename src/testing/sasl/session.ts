// One connection's SASL state, as Kafka's SaslServerAuthenticator keeps it: ApiVersions (once) and
// SaslHandshake before the handshake, SaslAuthenticate (v1) or raw size-prefixed tokens (v0) after
// it, and the normal APIs only once the mechanism has completed. Every failure ends the connection.
// With a session lifetime (KIP-368) the session expires, and a SaslHandshake on the authenticated
// connection starts a re-authentication with the same mechanism and principal.
import { ErrorCode } from '../error-codes.js';
import type { FakeSaslMechanism } from '../options.js';
import type { SaslAuthority } from './authority.js';
import { SaslFailure, type SaslServerMechanism } from './server-mechanism.js';

/** Where a connection stands in its authentication. */
export type SaslStage = 'handshake' | 'authenticate' | 'raw-tokens' | 'complete' | 'failed';

/** The result of one client message: the server's answer, or the message to fail with. */
export type SaslStep = { readonly ok: true; readonly answer: Buffer } | { readonly ok: false; readonly errorMessage: string };

/** The SASL state of one connection. */
export class SaslSession {
  private currentStage: SaslStage = 'handshake';
  private apiVersionsAnswered = false;
  private server: SaslServerMechanism | undefined;
  /** Date.now() after which the session has expired; undefined when it does not expire. */
  private expiresAt: number | undefined;
  /** The mechanism and principal of the first authentication, which a re-authentication must keep. */
  private established: { readonly mechanism: FakeSaslMechanism; readonly principal: string | undefined } | undefined;
  private reauthenticating = false;

  constructor(
    private readonly authority: SaslAuthority,
    private readonly brokerId: number,
  ) {}

  get stage(): SaslStage {
    return this.currentStage;
  }

  get authenticated(): boolean {
    return this.currentStage === 'complete';
  }

  /** Whether an ApiVersions request is still accepted: once, before the handshake (Kafka closes on a second one). */
  get acceptsApiVersions(): boolean {
    return this.currentStage === 'handshake' && !this.apiVersionsAnswered;
  }

  /** Whether the session has expired at `now`: Kafka closes the connection at its next request. */
  expiredAt(now: number): boolean {
    return this.expiresAt !== undefined && now > this.expiresAt;
  }

  /** Whether a SaslHandshake now starts a re-authentication: authenticated, with an expiring session. */
  get acceptsReauthentication(): boolean {
    return this.currentStage === 'complete' && this.expiresAt !== undefined;
  }

  /** Notes a successful ApiVersions answer. */
  apiVersionsDone(): void {
    this.apiVersionsAnswered = true;
  }

  /**
   * Picks the mechanism. v1 carries the exchange in SaslAuthenticate requests; v0 (Kafka before 1.0)
   * in raw size-prefixed tokens. An unknown mechanism answers UNSUPPORTED_SASL_MECHANISM with the
   * enabled list; the caller then closes the connection.
   */
  handshake(mechanism: string, version: number): { errorCode: number; mechanisms: string[] } {
    const mechanisms = [...this.authority.mechanisms];
    this.reauthenticating = this.currentStage === 'complete';
    // As Kafka: a re-authentication must use the mechanism of the first authentication.
    if (!this.authority.enables(mechanism) || (this.reauthenticating && mechanism !== this.established?.mechanism)) {
      this.currentStage = 'failed';
      return { errorCode: ErrorCode.UNSUPPORTED_SASL_MECHANISM, mechanisms: this.reauthenticating && this.established ? [this.established.mechanism] : mechanisms };
    }
    this.server = this.authority.createServer(mechanism);
    // As Kafka, whose new authenticator has no expiry until it completes: a renewal that began in
    // time is not cut off by the old session's end.
    this.expiresAt = undefined;
    this.currentStage = version >= 1 ? 'authenticate' : 'raw-tokens';
    return { errorCode: ErrorCode.NONE, mechanisms };
  }

  /** Runs one client message through the mechanism; a failure is final. */
  async step(message: Buffer): Promise<SaslStep> {
    const server = this.server;
    if (!server || (this.currentStage !== 'authenticate' && this.currentStage !== 'raw-tokens')) {
      return { ok: false, errorMessage: `Unexpected SASL message in state ${this.currentStage}` };
    }
    try {
      const answer = await server.evaluate(message);
      if (server.complete) {
        if (this.reauthenticating && server.principal !== this.established?.principal) {
          throw new SaslFailure(`Cannot change principals during re-authentication from ${this.established?.principal} to ${server.principal}`, true);
        }
        this.currentStage = 'complete';
        this.established ??= { mechanism: server.mechanism, principal: server.principal };
        const lifetime = this.authority.sessionLifetimeMs(server.mechanism);
        this.expiresAt = lifetime > 0 ? Date.now() + lifetime : undefined;
        this.record(server.mechanism, true, server.principal);
      }
      return { ok: true, answer };
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      // As Kafka: only failures meant for the client are told; others get a generic message.
      const errorMessage =
        error instanceof SaslFailure && error.visible
          ? reason
          : `Authentication failed during authentication due to invalid credentials with SASL mechanism ${server.mechanism}`;
      this.fail(reason);
      return { ok: false, errorMessage };
    }
  }

  /** The lifetime granted to the session just completed, for SaslAuthenticate v1+ (0: it does not expire). */
  get sessionLifetimeMs(): number {
    return this.server ? this.authority.sessionLifetimeMs(this.server.mechanism) : 0;
  }

  /** Ends an expired session: the connection is about to close. */
  expire(): void {
    this.currentStage = 'failed';
    this.authority.sessionExpired();
  }

  /** Fails the authentication in progress (a request the SASL stage does not allow). */
  fail(reason: string): void {
    if (this.currentStage === 'failed' || this.currentStage === 'complete') return;
    this.currentStage = 'failed';
    if (this.server) this.record(this.server.mechanism, false, undefined, reason);
  }

  private record(mechanism: FakeSaslMechanism, succeeded: boolean, principal: string | undefined, reason?: string): void {
    const presented = this.server?.presented;
    this.authority.record({
      brokerId: this.brokerId,
      mechanism,
      succeeded,
      reauthentication: this.reauthenticating,
      ...(principal !== undefined ? { principal } : {}),
      ...(presented !== undefined ? { token: presented } : {}),
      ...(reason !== undefined ? { reason } : {}),
    });
  }
}
