// One connection's SASL state, as Kafka's SaslServerAuthenticator keeps it: ApiVersions (once) and
// SaslHandshake before the handshake, SaslAuthenticate (v1) or raw size-prefixed tokens (v0) after
// it, and the normal APIs only once the mechanism has completed. Every failure ends the connection.
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
    if (!this.authority.enables(mechanism)) {
      this.currentStage = 'failed';
      return { errorCode: ErrorCode.UNSUPPORTED_SASL_MECHANISM, mechanisms };
    }
    this.server = this.authority.createServer(mechanism);
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
        this.currentStage = 'complete';
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

  /** Fails the authentication in progress (a request the SASL stage does not allow). */
  fail(reason: string): void {
    if (this.currentStage === 'failed' || this.currentStage === 'complete') return;
    this.currentStage = 'failed';
    if (this.server) this.record(this.server.mechanism, false, undefined, reason);
  }

  private record(mechanism: FakeSaslMechanism, succeeded: boolean, principal: string | undefined, reason?: string): void {
    this.authority.record({
      brokerId: this.brokerId,
      mechanism,
      succeeded,
      ...(principal !== undefined ? { principal } : {}),
      ...(reason !== undefined ? { reason } : {}),
    });
  }
}
