// What a broker's way of closing a connection says about its listener, shared by the producer's
// connection errors and the command line's `check` hints, each naming its own settings. A SASL
// listener accepts only ApiVersions and SaslHandshake before a login and closes the connection on
// anything else, so a client without SASL sees ApiVersions answered, then its next request cut off
// (a TLS listener spoken to in plaintext closes before answering anything: see the handshake error).

/** How a hint names the settings it suggests: the producer's options or the command line's flags. */
export interface SecuritySettingNames {
  /** How to turn TLS on, e.g. `set ssl` or `add --tls`. */
  readonly enableTls: string;
  /** How to give the trusted CA, e.g. `ssl.ca` or `--tls-ca <file>`. */
  readonly tlsCa: string;
  /** How to log in with SASL, e.g. `set sasl` or `authenticate with --sasl-mechanism ...`. */
  readonly enableSasl: string;
}

/** The producer's option names. */
export const PRODUCER_SETTINGS: SecuritySettingNames = {
  enableTls: 'set ssl',
  tlsCa: 'ssl.ca',
  enableSasl: "set sasl (e.g. { mechanism: 'scram-sha-512', username, password })",
};

/** Hint for a listener known (or suspected) to require TLS. */
export function tlsRequiredHint(names: SecuritySettingNames, certain: boolean): string {
  return `the broker ${certain ? 'requires' : 'may require'} TLS: ${names.enableTls} (and ${names.tlsCa} when its certificate comes from a private CA)`;
}

/** Hint for a listener known (or suspected) to require SASL. */
export function saslRequiredHint(names: SecuritySettingNames, certain: boolean): string {
  return `the listener ${certain ? 'requires' : 'probably requires'} SASL authentication: ${names.enableSasl}`;
}

/**
 * Why a broker that answered ApiVersions closed the connection at the next request, before
 * answering anything else: for a client without SASL, the listener's SASL gate.
 */
export function closedAfterApiVersionsHint(names: SecuritySettingNames, usingSasl: boolean, usingTls: boolean): string {
  if (!usingSasl) {
    return `${saslRequiredHint(names, false)} (a SASL listener answers ApiVersions, then closes the connection at any request but SaslHandshake until a login)`;
  }
  return `the broker refused the connection after the login: check the listener's authorization and its logs${usingTls ? '' : `; if the listener expects TLS, ${names.enableTls}`}`;
}
