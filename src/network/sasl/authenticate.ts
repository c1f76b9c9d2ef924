// SASL authentication over SaslHandshake v1 + SaslAuthenticate (KIP-152): agrees on the mechanism
// with the broker, then relays the mechanism's messages until it completes or the broker fails it.
// Every failure is an AuthenticationError naming the broker and the mechanism.
import { AuthenticationError, ConfigError, KafkaError, UnsupportedVersionError } from '../../errors/kafka-error.js';
import type { ApiName, ApiTypes } from '../../protocol/index.js';
import type { SaslClientExchange } from './exchange.js';
import { OAuthBearerExchange, type OAuthBearerToken } from './oauthbearer.js';
import { PlainExchange } from './plain.js';
import { ScramExchange } from './scram.js';

/** SASL settings of a connection. */
export type SaslConfig =
  | { readonly mechanism: 'plain'; readonly username: string; readonly password: string }
  | {
      readonly mechanism: 'scram-sha-256' | 'scram-sha-512';
      readonly username: string;
      readonly password: string;
      /**
       * Authenticate with a delegation token (KIP-48): `username` is the token id and `password`
       * the token's HMAC. Default false.
       */
      readonly tokenAuth?: boolean;
    }
  | {
      readonly mechanism: 'oauthbearer';
      /**
       * Called for each new connection and for each re-authentication of one (KIP-368, when the
       * broker limits the session lifetime); returns the bearer token and optional SASL extensions.
       * Return a fresh token: a re-authentication is how a token is replaced before it expires.
       */
      readonly oauthBearerProvider: () => Promise<OAuthBearerToken>;
    };

/** What a mechanism needs of a connection: its address and a way to send requests. */
export interface SaslConnection {
  readonly address: string;
  request<A extends ApiName>(api: A, body: ApiTypes[A]['request']): Promise<ApiTypes[A]['response']>;
  /**
   * The version of `api` that `request` will use with this broker. When present, the SaslHandshake
   * version is checked before anything is sent.
   */
  versionFor?(api: ApiName): number;
}

/** The outcome of a successful authentication. */
export interface SaslSession {
  /** The mechanism used, as Kafka spells it (e.g. `SCRAM-SHA-512`). */
  readonly mechanism: string;
  /**
   * Milliseconds after which the broker closes the connection unless it re-authenticates
   * (KIP-368); 0 when the broker does not expire sessions.
   */
  readonly sessionLifetimeMs: number;
}

// Broker error codes this exchange can meet (the protocol guide's error table).
const UNSUPPORTED_SASL_MECHANISM = 33;
const BROKER_ERROR_NAMES: Readonly<Record<number, string>> = {
  [-1]: 'UNKNOWN_SERVER_ERROR',
  33: 'UNSUPPORTED_SASL_MECHANISM',
  34: 'ILLEGAL_SASL_STATE',
  35: 'UNSUPPORTED_VERSION',
  58: 'SASL_AUTHENTICATION_FAILED',
};

const MECHANISMS = ['plain', 'scram-sha-256', 'scram-sha-512', 'oauthbearer'] as const;

/**
 * Authenticates `connection` with `config`: SaslHandshake v1 names the mechanism, then each
 * mechanism message travels in a SaslAuthenticate request, the broker's answer being the next
 * challenge. Resolves once the mechanism has completed (for SCRAM, after the server's signature
 * verified) and the broker reported no error; rejects with an AuthenticationError otherwise.
 * Connection failures and timeouts are passed through unchanged.
 */
export async function authenticate(connection: SaslConnection, config: SaslConfig): Promise<SaslSession> {
  const exchange = createSaslExchange(config);
  const { mechanism } = exchange;
  const context = `SASL ${mechanism} authentication with broker ${connection.address}`;
  requireHandshakeV1(connection, context);
  // The first message is prepared before the handshake, so that a failing token provider or an
  // invalid setting is reported without involving the broker.
  let message: Buffer | undefined = await runStep(context, () => exchange.initialResponse());

  const handshake = await connection.request('SaslHandshake', { mechanism });
  if (handshake.errorCode === UNSUPPORTED_SASL_MECHANISM) {
    const offered = handshake.mechanisms.length > 0 ? handshake.mechanisms.join(', ') : 'none';
    throw new AuthenticationError(
      `${context} failed: the broker does not enable ${mechanism} (${describeCode(handshake.errorCode)}); it enables: ${offered}`,
      brokerErrorOptions(handshake.errorCode),
    );
  }
  if (handshake.errorCode !== 0) {
    throw new AuthenticationError(
      `${context} failed: SaslHandshake returned ${describeCode(handshake.errorCode)}`,
      brokerErrorOptions(handshake.errorCode),
    );
  }

  let sessionLifetimeMs = 0;
  while (message !== undefined) {
    const response: ApiTypes['SaslAuthenticate']['response'] = await connection.request('SaslAuthenticate', {
      authBytes: message,
    });
    if (response.errorCode !== 0) {
      throw new AuthenticationError(
        `${context} failed: ${describeCode(response.errorCode)}${brokerDetail(response.errorMessage, exchange.failureDetail?.())}`,
        brokerErrorOptions(response.errorCode),
      );
    }
    sessionLifetimeMs = Number(response.sessionLifetimeMs ?? 0n);
    const challenge = response.authBytes;
    message = await runStep(context, () => exchange.evaluateChallenge(challenge));
  }
  return { mechanism, sessionLifetimeMs };
}

/** The client side of the exchange `config` asks for; throws ConfigError for invalid settings. */
export function createSaslExchange(config: SaslConfig): SaslClientExchange {
  if (typeof config !== 'object' || config === null) throw new ConfigError('sasl', 'must be an object with a mechanism');
  switch (config.mechanism) {
    case 'plain':
      requireString(config.username, 'sasl.username');
      requireString(config.password, 'sasl.password');
      return new PlainExchange(config.username, config.password);
    case 'scram-sha-256':
    case 'scram-sha-512':
      requireString(config.username, 'sasl.username');
      requireString(config.password, 'sasl.password');
      return new ScramExchange({
        hash: config.mechanism === 'scram-sha-256' ? 'sha256' : 'sha512',
        username: config.username,
        password: config.password,
        ...(config.tokenAuth === true ? { extensions: { tokenauth: 'true' } } : {}),
      });
    case 'oauthbearer':
      if (typeof config.oauthBearerProvider !== 'function') {
        throw new ConfigError('sasl.oauthBearerProvider', 'must be a function returning a promise of { value, extensions? }');
      }
      return new OAuthBearerExchange(config.oauthBearerProvider);
    default: {
      const given = (config as { mechanism?: unknown }).mechanism;
      throw new ConfigError('sasl.mechanism', `must be one of ${MECHANISMS.map((name) => `'${name}'`).join(', ')}; got ${JSON.stringify(given)}`);
    }
  }
}

// SaslHandshake v0 (Kafka before 1.0) is followed by raw SASL tokens outside Kafka's request
// framing; only v1 carries them in SaslAuthenticate requests, which is what this client speaks.
function requireHandshakeV1(connection: SaslConnection, context: string): void {
  if (!connection.versionFor) return;
  let handshakeVersion: number;
  try {
    handshakeVersion = connection.versionFor('SaslHandshake');
    connection.versionFor('SaslAuthenticate');
  } catch (error) {
    if (error instanceof UnsupportedVersionError) {
      throw new AuthenticationError(`${context} is not possible: ${error.message}`, { cause: error });
    }
    throw error;
  }
  if (handshakeVersion < 1) {
    throw new AuthenticationError(
      `${context} is not possible: the broker speaks only SaslHandshake v0 (Kafka before 1.0); this client needs SaslHandshake v1 and SaslAuthenticate (KIP-152)`,
    );
  }
}

// Runs one step of the mechanism, naming the broker and mechanism in its failures. Settings
// errors stay ConfigErrors; anything else unexpected becomes an AuthenticationError with a cause.
async function runStep<T>(context: string, step: () => Promise<T>): Promise<T> {
  try {
    return await step();
  } catch (error) {
    if (error instanceof ConfigError) throw error;
    if (error instanceof AuthenticationError && error.brokerErrorCode === undefined) {
      throw new AuthenticationError(`${context} failed: ${error.message}`, { cause: error });
    }
    if (error instanceof KafkaError) throw error;
    const reason = error instanceof Error ? error.message : String(error);
    throw new AuthenticationError(`${context} failed: ${reason}`, { cause: error });
  }
}

function requireString(value: unknown, option: string): void {
  if (typeof value !== 'string') throw new ConfigError(option, 'must be a string');
}

function describeCode(code: number): string {
  const name = BROKER_ERROR_NAMES[code];
  return name ? `${name} (error code ${code})` : `error code ${code}`;
}

function brokerErrorOptions(code: number): { brokerErrorCode: number; brokerErrorName?: string } {
  const name = BROKER_ERROR_NAMES[code];
  return name ? { brokerErrorCode: code, brokerErrorName: name } : { brokerErrorCode: code };
}

// The broker's message, plus what the mechanism heard earlier when the broker did not repeat it
// (OAUTHBEARER's error JSON precedes the final SASL_AUTHENTICATION_FAILED).
function brokerDetail(errorMessage: string | null, earlier: string | undefined): string {
  let detail = errorMessage ? `: ${errorMessage}` : '';
  if (earlier && !errorMessage?.includes(earlier)) detail += `; the server reported: ${earlier}`;
  return detail;
}
