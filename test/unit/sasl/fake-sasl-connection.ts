// A SaslConnection without sockets for tests: records every request and answers SaslHandshake and
// SaslAuthenticate from scripted broker behaviour, including a Kafka-like SCRAM broker.
import type { SaslConnection } from '../../../src/network/sasl/authenticate.js';
import type { ApiName, ApiTypes } from '../../../src/protocol/index.js';
import { type StoredScramCredential, type TestScramHash, TestScramServer } from './scram-server.js';

export type HandshakeRequest = ApiTypes['SaslHandshake']['request'];
export type HandshakeResponse = ApiTypes['SaslHandshake']['response'];
export type AuthenticateRequest = ApiTypes['SaslAuthenticate']['request'];
export type AuthenticateResponse = ApiTypes['SaslAuthenticate']['response'];

/** Scripted broker behaviour. */
export interface FakeSaslBroker {
  handshake(request: HandshakeRequest): HandshakeResponse | Promise<HandshakeResponse>;
  authenticate(request: AuthenticateRequest): AuthenticateResponse | Promise<AuthenticateResponse>;
}

export interface RecordedRequest {
  readonly api: ApiName;
  readonly body: unknown;
}

export class FakeSaslConnection implements SaslConnection {
  readonly address = 'broker-1.example:9093';
  readonly requests: RecordedRequest[] = [];
  readonly versionFor?: (api: ApiName) => number;
  private readonly broker: FakeSaslBroker;

  /** `versionFor`, when given, plays the negotiated version lookup of a real connection. */
  constructor(broker: FakeSaslBroker, versionFor?: (api: ApiName) => number) {
    this.broker = broker;
    if (versionFor) this.versionFor = versionFor;
  }

  async request<A extends ApiName>(api: A, body: ApiTypes[A]['request']): Promise<ApiTypes[A]['response']> {
    this.requests.push({ api, body });
    if (api === 'SaslHandshake') {
      const response = await this.broker.handshake(body as unknown as HandshakeRequest);
      return response as unknown as ApiTypes[A]['response'];
    }
    if (api === 'SaslAuthenticate') {
      const response = await this.broker.authenticate(body as unknown as AuthenticateRequest);
      return response as unknown as ApiTypes[A]['response'];
    }
    throw new Error(`unexpected ${api} request`);
  }

  /** The authBytes of every SaslAuthenticate request, in order. */
  authBytesSent(): Buffer[] {
    return this.requests
      .filter((request) => request.api === 'SaslAuthenticate')
      .map((request) => (request.body as AuthenticateRequest).authBytes);
  }
}

export function success(authBytes: Buffer = Buffer.alloc(0), sessionLifetimeMs = 0n): AuthenticateResponse {
  return { errorCode: 0, errorMessage: null, authBytes, sessionLifetimeMs };
}

export function failure(errorCode: number, errorMessage: string | null): AuthenticateResponse {
  return { errorCode, errorMessage, authBytes: Buffer.alloc(0), sessionLifetimeMs: 0n };
}

/** A handshake that accepts the mechanisms in `enabled` and refuses others with error 33. */
export function handshakeEnabling(enabled: string[]): (request: HandshakeRequest) => HandshakeResponse {
  return ({ mechanism }) => ({ errorCode: enabled.includes(mechanism) ? 0 : 33, mechanisms: enabled });
}

/**
 * A broker that runs SCRAM as Kafka's ScramSaslServer does: a wrong proof fails the exchange with
 * SASL_AUTHENTICATION_FAILED (58) and Kafka's generic message, not with an "e=" attribute.
 */
export function scramBroker(hash: TestScramHash, users: ReadonlyMap<string, StoredScramCredential>): FakeSaslBroker & { server: TestScramServer } {
  const mechanism = hash === 'sha256' ? 'SCRAM-SHA-256' : hash === 'sha512' ? 'SCRAM-SHA-512' : 'SCRAM-SHA-1';
  const server = new TestScramServer(hash, users);
  let round = 0;
  return {
    server,
    handshake: handshakeEnabling(['PLAIN', mechanism]),
    authenticate({ authBytes }) {
      round++;
      const generic = `Authentication failed during authentication due to invalid credentials with SASL mechanism ${mechanism}`;
      if (round === 1) {
        try {
          return success(server.handleClientFirst(authBytes));
        } catch {
          return failure(58, generic);
        }
      }
      if (round === 2) {
        const verdict = server.handleClientFinal(authBytes);
        return verdict.accepted ? success(verdict.serverFinalMessage, 3_600_000n) : failure(58, generic);
      }
      return failure(34, 'Unexpected SaslAuthenticate request');
    },
  };
}
