// The SASL configuration every broker of one fake cluster shares: the enabled mechanisms, the users'
// passwords and derived SCRAM credentials, the OAUTHBEARER validator, and the record of every
// authentication attempt for inspection.
import type { FakeSaslMechanism, FakeSaslOptions } from '../options.js';
import { OAuthBearerServer } from './oauthbearer.js';
import { PlainServer } from './plain.js';
import { type ScramCredential, type ScramMechanismName, ScramServer, scramCredential } from './scram.js';
import type { SaslServerMechanism } from './server-mechanism.js';

/** One authentication attempt on one connection, as {@link FakeCluster.saslAuthentications} reports it. */
export interface SaslAuthentication {
  /** The broker that received the connection. */
  readonly brokerId: number;
  readonly mechanism: FakeSaslMechanism;
  readonly succeeded: boolean;
  /** The authenticated user (PLAIN and SCRAM), once succeeded. */
  readonly principal?: string;
  /** The bearer token presented (OAUTHBEARER), whether accepted or not. */
  readonly token?: string;
  /** True for a re-authentication of a connection already authenticated (KIP-368). */
  readonly reauthentication: boolean;
  /** Why it failed, in the broker's words (more detail than the client is told). */
  readonly reason?: string;
}

/** SASL settings and state shared by the brokers of one cluster. */
export class SaslAuthority {
  readonly mechanisms: readonly FakeSaslMechanism[];
  private readonly passwords: ReadonlyMap<string, string>;
  private readonly scram = new Map<ScramMechanismName, Map<string, ScramCredential>>();
  private readonly attempts: SaslAuthentication[] = [];
  private expired = 0;

  constructor(private readonly options: FakeSaslOptions) {
    this.mechanisms = [...options.mechanisms];
    this.passwords = new Map(Object.entries(options.users ?? {}));
    for (const mechanism of ['SCRAM-SHA-256', 'SCRAM-SHA-512'] as const) {
      if (!this.mechanisms.includes(mechanism)) continue;
      const credentials = new Map<string, ScramCredential>();
      for (const [username, password] of this.passwords) credentials.set(username, scramCredential(mechanism, password));
      this.scram.set(mechanism, credentials);
    }
  }

  /** Whether `name` is an enabled mechanism (names are case-sensitive, as in Kafka). */
  enables(name: string): name is FakeSaslMechanism {
    return (this.mechanisms as readonly string[]).includes(name);
  }

  /** A new server side of an exchange with `mechanism`, for one connection. */
  createServer(mechanism: FakeSaslMechanism): SaslServerMechanism {
    switch (mechanism) {
      case 'PLAIN':
        return new PlainServer(this.passwords);
      case 'SCRAM-SHA-256':
      case 'SCRAM-SHA-512':
        return new ScramServer(mechanism, this.scram.get(mechanism) ?? new Map());
      case 'OAUTHBEARER':
        return new OAuthBearerServer(this.options.oauthBearerValidator);
    }
  }

  /** The session lifetime a successful `mechanism` authentication grants; 0 when sessions do not expire. */
  sessionLifetimeMs(mechanism: FakeSaslMechanism): number {
    const lifetime = this.options.sessionLifetimeMs;
    if (lifetime === undefined) return 0;
    return typeof lifetime === 'number' ? lifetime : (lifetime[mechanism] ?? 0);
  }

  /** Notes a connection closed because a request arrived after its session expired. */
  sessionExpired(): void {
    this.expired++;
  }

  /** Connections closed because a request arrived after their session expired. */
  get expiredSessions(): number {
    return this.expired;
  }

  /** Records the outcome of an exchange. */
  record(attempt: SaslAuthentication): void {
    this.attempts.push(attempt);
  }

  /** Every recorded attempt, oldest first. */
  get authentications(): readonly SaslAuthentication[] {
    return this.attempts;
  }
}
