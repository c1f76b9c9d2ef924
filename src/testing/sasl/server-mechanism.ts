// The contract between a connection's SASL session and one mechanism's server side: consume a
// client message, answer with the next server message, and fail with what the client may be told.
import type { FakeSaslMechanism } from '../options.js';

/**
 * A failed exchange. As Kafka, only `visible` failures tell the client why; the others (which might
 * reveal whether a user exists) report a generic "invalid credentials" message to the client, while
 * `message` is kept for the cluster's inspection.
 */
export class SaslFailure extends Error {
  constructor(
    message: string,
    readonly visible = false,
  ) {
    super(message);
    this.name = 'SaslFailure';
  }
}

/** The server side of one SASL exchange on one connection. */
export interface SaslServerMechanism {
  readonly mechanism: FakeSaslMechanism;
  /** Whether the exchange has completed successfully. */
  readonly complete: boolean;
  /** The authenticated identity once complete (undefined for OAUTHBEARER, whose tokens are opaque here). */
  readonly principal: string | undefined;
  /** The credential presented, when it may be reported (OAUTHBEARER's token). */
  readonly presented?: string | undefined;
  /** Consumes one client message and returns the server's answer; rejects with a SaslFailure. */
  evaluate(message: Buffer): Promise<Buffer>;
}
