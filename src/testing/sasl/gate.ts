// What a connection that has not authenticated yet may send, as Kafka's SaslServerAuthenticator
// decides: before the handshake anything but ApiVersions (once) and SaslHandshake closes the
// connection unanswered; during the exchange anything but SaslAuthenticate is answered with
// ILLEGAL_SASL_STATE (where the API has an error layout) and the connection closed. Raw v0 tokens
// bypass the request decoder altogether.
import { type ApiTypes, type DecodedRequest, encodeResponse } from '../../protocol/index.js';
import { ErrorCode } from '../error-codes.js';
import { hasWholeRequestErrorLayout, wholeRequestErrorBody } from '../handlers/error-responses.js';
import type { RequestOutcome } from '../request-router.js';
import type { SaslSession } from './session.js';

/** The outcome for a request refused before authentication, or undefined to handle it normally. */
export function refuseBeforeAuthentication(session: SaslSession, request: DecodedRequest): RequestOutcome | undefined {
  const { api, apiVersion, correlationId, body } = request;
  if (session.stage === 'handshake') {
    if (api === 'SaslHandshake' || (api === 'ApiVersions' && session.acceptsApiVersions)) return undefined;
    session.fail(`Unexpected Kafka request of type ${api ?? `api key ${request.apiKey}`} during SASL handshake.`);
    return { kind: 'close' };
  }
  if (session.stage === 'authenticate' && api === 'SaslAuthenticate') return undefined;
  session.fail(`Unexpected Kafka request of type ${api ?? `api key ${request.apiKey}`} during SASL authentication.`);
  if (!api || !body || !hasWholeRequestErrorLayout(api)) return { kind: 'close' };
  const response = wholeRequestErrorBody(api, body as ApiTypes[typeof api]['request'], ErrorCode.ILLEGAL_SASL_STATE, apiVersion);
  return { kind: 'respond', frame: encodeResponse(api, apiVersion, correlationId, response), delayMs: 0, thenClose: true };
}

/** Handles one raw SASL token (after SaslHandshake v0): the answer is a size-prefixed token; a failure closes. */
export async function handleRawToken(session: SaslSession, token: Buffer): Promise<RequestOutcome> {
  const step = await session.step(token);
  if (!step.ok) return { kind: 'close' };
  const frame = Buffer.alloc(4 + step.answer.length);
  frame.writeInt32BE(step.answer.length, 0);
  step.answer.copy(frame, 4);
  return { kind: 'respond', frame, delayMs: 0 };
}
