// What to try when a step of `check` fails: the likely cause of an error, told from its code
// (Node's system and TLS error codes, Kafka's error codes) and from what the other probes found.
import { KafkaError } from '../errors/kafka-error.js';
import { type SecuritySettingNames, tlsRequiredHint } from '../network/listener-hints.js';

/** The command line's flags, as the listener hints shared with the producer name them. */
export const CLI_SETTINGS: SecuritySettingNames = {
  enableTls: 'add --tls',
  tlsCa: '--tls-ca <file>',
  enableSasl: 'authenticate with --sasl-mechanism <name> --sasl-username <user> --sasl-password <password> (or KAFKA_SASL_PASSWORD)',
};

const SASL_AUTHENTICATION_FAILED = 58;
const UNSUPPORTED_SASL_MECHANISM = 33;
const ILLEGAL_SASL_STATE = 34;

/** Every `code` along the cause chain of `error` (Node's system and TLS codes, KafkaError codes). */
export function errorCodes(error: unknown): string[] {
  const codes: string[] = [];
  let current: unknown = error;
  for (let depth = 0; current !== undefined && current !== null && depth < 8; depth++) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string') codes.push(code);
    current = current instanceof Error ? current.cause : undefined;
  }
  return codes;
}

/** Every message along the cause chain, joined: some causes are told only by their text. */
function messages(error: unknown): string {
  const parts: string[] = [];
  let current: unknown = error;
  for (let depth = 0; current !== undefined && current !== null && depth < 8; depth++) {
    parts.push(current instanceof Error ? current.message : String(current));
    current = current instanceof Error ? current.cause : undefined;
  }
  return parts.join(' / ');
}

export function dnsHint(error: unknown, host: string): string {
  const codes = errorCodes(error);
  if (codes.includes('ENOTFOUND')) {
    return `the name '${host}' does not resolve: check its spelling, and this machine's DNS (VPN, /etc/hosts); container names resolve only inside their network`;
  }
  if (codes.includes('EAI_AGAIN') || codes.includes('ETIMEDOUT')) return 'the DNS server did not answer: check this machine\'s network and DNS settings, then try again';
  return 'check the host name and this machine\'s DNS settings';
}

export function tcpHint(error: unknown, port: number): string {
  const codes = errorCodes(error);
  if (codes.includes('ECONNREFUSED')) {
    return `nothing accepts connections on port ${port} there: check the port (Kafka listens on 9092 unless configured otherwise) and that the broker is running`;
  }
  if (codes.includes('ETIMEDOUT')) return 'no answer: a firewall or security group may drop the traffic, or the host is down';
  if (codes.includes('EHOSTUNREACH') || codes.includes('ENETUNREACH')) return 'no route to the host: check the network (VPN, routes)';
  if (codes.includes('ECONNRESET')) return 'the connection was reset at once: a proxy or firewall may refuse it';
  return 'check the host, the port and the network between them';
}

export function tlsHint(error: unknown, host: string): string {
  const codes = errorCodes(error);
  const text = messages(error);
  const has = (...wanted: string[]) => wanted.some((code) => codes.includes(code));
  if (has('DEPTH_ZERO_SELF_SIGNED_CERT', 'SELF_SIGNED_CERT_IN_CHAIN', 'UNABLE_TO_VERIFY_LEAF_SIGNATURE', 'UNABLE_TO_GET_ISSUER_CERT', 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY')) {
    return "the broker's certificate is not signed by a CA this machine trusts: pass the CA that signed it with --tls-ca <file> (--tls-insecure skips the check, for testing only)";
  }
  if (has('ERR_TLS_CERT_ALTNAME_INVALID')) {
    return `the broker's certificate does not name '${host}': connect by a name the certificate lists, or have the certificate reissued with this name`;
  }
  if (has('CERT_HAS_EXPIRED')) return "the broker's certificate has expired: it must be renewed on the broker";
  if (has('CERT_NOT_YET_VALID')) return "the broker's certificate is not valid yet: check the clocks of this machine and the broker";
  if (/CERTIFICATE_REQUIRED|certificate required/i.test(text)) return 'the broker requires a client certificate: pass --tls-cert <file> and --tls-key <file>';
  if (has('ERR_SSL_WRONG_VERSION_NUMBER', 'ERR_SSL_PACKET_LENGTH_TOO_LONG', 'ECONNRESET', 'EPROTO') || /before secure TLS connection|wrong version number/i.test(text)) {
    return "the port does not speak TLS (probably a PLAINTEXT or SASL_PLAINTEXT listener): drop --tls, or use the broker's TLS port";
  }
  if (has('ETIMEDOUT')) return 'the handshake got no answer: the port may not speak TLS, or a proxy holds the connection';
  return 'check the TLS settings (--tls-ca, --tls-cert, --tls-key) against the listener\'s';
}

/** Why ApiVersions failed, given whether TLS is in use and whether the port speaks TLS. */
export function apiVersionsHint(error: unknown, usingTls: boolean, portSpeaksTls: boolean | undefined): string {
  if (!usingTls && portSpeaksTls) return tlsRequiredHint(CLI_SETTINGS, true);
  const text = messages(error);
  if (usingTls && /CERTIFICATE_REQUIRED|certificate required/i.test(text)) {
    return 'the broker requires a client certificate: pass --tls-cert <file> and --tls-key <file>';
  }
  if (errorCodes(error).includes('UNSUPPORTED_VERSION')) return 'the broker is too old for this client (it needs Kafka 0.11 or newer)';
  if (errorCodes(error).includes('REQUEST_TIMEOUT')) return 'the port accepted the connection but did not answer as a Kafka broker would: is it a Kafka listener port?';
  return 'the port does not answer as a Kafka listener: check that it is a Kafka broker port, and whether the listener needs TLS';
}

export function saslHint(error: unknown): string {
  const code = error instanceof KafkaError ? error.brokerErrorCode : undefined;
  if (code === SASL_AUTHENTICATION_FAILED) return 'wrong username or password (for SCRAM: or no credential of this mechanism for the user)';
  if (code === UNSUPPORTED_SASL_MECHANISM) return 'choose one of the mechanisms the broker enables (listed in the detail) with --sasl-mechanism';
  if (code === ILLEGAL_SASL_STATE) return "this listener does not use SASL: drop the --sasl-* options, or use the broker's SASL listener port";
  if (errorCodes(error).includes('CONNECTION_ERROR')) return 'the broker closed the connection while authenticating: check the mechanism, and that this is its SASL listener';
  return 'check the SASL mechanism and credentials';
}

export function brokerConnectionHint(error: unknown, bootstrapWorked: boolean): string {
  const codes = errorCodes(error);
  const unreachable = codes.includes('ENOTFOUND') || codes.includes('EAI_AGAIN') || codes.includes('ECONNREFUSED') || codes.includes('ETIMEDOUT') || codes.includes('EHOSTUNREACH');
  if (bootstrapWorked && unreachable) {
    return "the broker advertises an address this machine cannot reach: check its advertised.listeners (an internal or container host name is the common case)";
  }
  return 'the broker is in the metadata but cannot be connected to: it may be down or restarting';
}
