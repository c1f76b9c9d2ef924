// The contract between authenticate() and one SASL mechanism: the client side of an RFC 4422
// exchange, as a small state machine that turns server challenges into client responses.

/**
 * The client side of one SASL exchange (RFC 4422 section 3). Every mechanism Kafka offers starts
 * with a client message, so there is always an initial response; afterwards each successful
 * SaslAuthenticate response carries the server's next challenge.
 */
export interface SaslClientExchange {
  /** The mechanism name as Kafka spells it in SaslHandshake (e.g. `SCRAM-SHA-256`). */
  readonly mechanism: string;
  /** The client's first message. Called once, before anything else. */
  initialResponse(): Promise<Buffer>;
  /**
   * Consumes the server's bytes from a successful SaslAuthenticate response and returns the next
   * client message, or `undefined` once the exchange has completed successfully. Rejects with an
   * AuthenticationError when the server's message is invalid or reports a failure.
   */
  evaluateChallenge(challenge: Buffer): Promise<Buffer | undefined>;
  /**
   * What the server said about a failure earlier in the exchange, if anything (OAUTHBEARER's
   * error JSON), so that the broker's final error can be reported with it.
   */
  failureDetail?(): string | undefined;
}
