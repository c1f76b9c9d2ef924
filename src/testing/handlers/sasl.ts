// SaslHandshake and SaslAuthenticate: before authentication they drive the connection's SASL session
// (a failure is answered, then the connection closes, as Kafka does); after it a SaslHandshake starts
// a re-authentication when sessions expire (KIP-368), and otherwise both are answered with
// ILLEGAL_SASL_STATE, as Kafka's request handler does when re-authentication is not enabled.
import { ErrorCode } from '../error-codes.js';
import type { Handler } from './handler.js';

const EMPTY = Buffer.alloc(0);

/** Answers SaslHandshake: picks the mechanism, or UNSUPPORTED_SASL_MECHANISM with the enabled ones. */
export const handleSaslHandshake: Handler<'SaslHandshake'> = (context, request) => {
  const { session } = context;
  if (!session || (session.authenticated && !session.acceptsReauthentication)) return { response: { errorCode: ErrorCode.ILLEGAL_SASL_STATE, mechanisms: [] } };
  const response = session.handshake(request.mechanism, context.version);
  return response.errorCode === ErrorCode.NONE ? { response } : { response, closeAfterResponse: true };
};

/** Answers SaslAuthenticate with the mechanism's next message, or SASL_AUTHENTICATION_FAILED. */
export const handleSaslAuthenticate: Handler<'SaslAuthenticate'> = async (context, request) => {
  const { session } = context;
  if (!session || session.authenticated) {
    return {
      response: {
        errorCode: ErrorCode.ILLEGAL_SASL_STATE,
        errorMessage: 'SaslAuthenticate request received after successful authentication',
        authBytes: EMPTY,
        sessionLifetimeMs: 0n,
      },
    };
  }
  const step = await session.step(request.authBytes);
  if (!step.ok) {
    return {
      response: { errorCode: ErrorCode.SASL_AUTHENTICATION_FAILED, errorMessage: step.errorMessage, authBytes: EMPTY, sessionLifetimeMs: 0n },
      closeAfterResponse: true,
    };
  }
  // The lifetime is told once the exchange completes; SaslAuthenticate v0 has no field for it.
  const sessionLifetimeMs = session.authenticated ? BigInt(session.sessionLifetimeMs) : 0n;
  return { response: { errorCode: ErrorCode.NONE, errorMessage: null, authBytes: step.answer, sessionLifetimeMs } };
};
