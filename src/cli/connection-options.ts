// The TLS and SASL options every command that talks to a cluster takes, and their translation into
// the producer's `ssl` and `sasl` settings. Files (CA, certificate, key) are read here, so that a
// missing file is reported as a command-line error before anything connects.
import { readFileSync } from 'node:fs';
import type { ConnectionOptions as TlsOptions } from 'node:tls';
import type { SaslConfig } from '../network/sasl/authenticate.js';
import { choiceOption } from './arguments.js';
import { UsageError } from './usage-error.js';

/** parseArgs declarations of the connection options. */
export const connectionOptionSpecs = {
  tls: { type: 'boolean' },
  'tls-ca': { type: 'string' },
  'tls-cert': { type: 'string' },
  'tls-key': { type: 'string' },
  'tls-insecure': { type: 'boolean' },
  'sasl-mechanism': { type: 'string' },
  'sasl-username': { type: 'string' },
  'sasl-password': { type: 'string' },
  'sasl-token': { type: 'string' },
} as const;

/** The help lines of the connection options. */
export const connectionOptionsUsage = `Connection (TLS and SASL):
  --tls                                connect with TLS, verifying the brokers against the system CAs
  --tls-ca <file>                      PEM file of the CA(s) that signed the brokers' certificates (implies --tls)
  --tls-cert <file>, --tls-key <file>  client certificate and key, PEM, for brokers requiring one (implies --tls)
  --tls-insecure                       do not verify the brokers' certificates (testing only; implies --tls)
  --sasl-mechanism <name>              plain, scram-sha-256, scram-sha-512 or oauthbearer
  --sasl-username <name>               user for plain and scram
  --sasl-password <secret>             password for plain and scram; default: the KAFKA_SASL_PASSWORD
                                       environment variable (which keeps it out of the process list)
  --sasl-token <token>                 bearer token for oauthbearer`;

interface ConnectionValues {
  readonly tls?: boolean | undefined;
  readonly 'tls-ca'?: string | undefined;
  readonly 'tls-cert'?: string | undefined;
  readonly 'tls-key'?: string | undefined;
  readonly 'tls-insecure'?: boolean | undefined;
  readonly 'sasl-mechanism'?: string | undefined;
  readonly 'sasl-username'?: string | undefined;
  readonly 'sasl-password'?: string | undefined;
  readonly 'sasl-token'?: string | undefined;
}

/** The TLS and SASL settings the options ask for (undefined for none). */
export interface ConnectionSettings {
  readonly ssl: TlsOptions | undefined;
  readonly sasl: SaslConfig | undefined;
}

/** Reads the connection options; throws UsageError for missing files or incomplete SASL settings. */
export function connectionSettings(values: ConnectionValues, usage: string, environment: NodeJS.ProcessEnv = process.env): ConnectionSettings {
  return { ssl: tlsSettings(values, usage), sasl: saslSettings(values, usage, environment) };
}

function tlsSettings(values: ConnectionValues, usage: string): TlsOptions | undefined {
  const wanted = values.tls || values['tls-ca'] !== undefined || values['tls-cert'] !== undefined || values['tls-key'] !== undefined || values['tls-insecure'];
  if (!wanted) return undefined;
  if ((values['tls-cert'] === undefined) !== (values['tls-key'] === undefined)) {
    throw new UsageError('--tls-cert and --tls-key go together', usage);
  }
  const ssl: TlsOptions = {};
  if (values['tls-ca'] !== undefined) ssl.ca = readPem('tls-ca', values['tls-ca'], usage);
  if (values['tls-cert'] !== undefined) ssl.cert = readPem('tls-cert', values['tls-cert'], usage);
  if (values['tls-key'] !== undefined) ssl.key = readPem('tls-key', values['tls-key'], usage);
  if (values['tls-insecure']) ssl.rejectUnauthorized = false;
  return ssl;
}

function readPem(option: string, path: string, usage: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (error) {
    throw new UsageError(`--${option}: cannot read '${path}': ${error instanceof Error ? error.message : String(error)}`, usage);
  }
}

function saslSettings(values: ConnectionValues, usage: string, environment: NodeJS.ProcessEnv): SaslConfig | undefined {
  const mechanism = choiceOption('sasl-mechanism', values['sasl-mechanism'], usage, ['plain', 'scram-sha-256', 'scram-sha-512', 'oauthbearer']);
  if (mechanism === undefined) {
    for (const option of ['sasl-username', 'sasl-password', 'sasl-token'] as const) {
      if (values[option] !== undefined) throw new UsageError(`--${option} needs --sasl-mechanism`, usage);
    }
    return undefined;
  }
  if (mechanism === 'oauthbearer') {
    const token = values['sasl-token'];
    if (token === undefined) throw new UsageError('--sasl-mechanism oauthbearer needs --sasl-token', usage);
    return { mechanism, oauthBearerProvider: async () => ({ value: token }) };
  }
  const username = values['sasl-username'];
  if (username === undefined) throw new UsageError(`--sasl-mechanism ${mechanism} needs --sasl-username`, usage);
  const password = values['sasl-password'] ?? environment['KAFKA_SASL_PASSWORD'];
  if (password === undefined) throw new UsageError(`--sasl-mechanism ${mechanism} needs --sasl-password (or the KAFKA_SASL_PASSWORD environment variable)`, usage);
  return { mechanism, username, password };
}
