// The network probes of `check`, each answering one question about one broker address: does the
// name resolve, does the port accept TCP, does it complete a TLS handshake, does it speak Kafka
// (ApiVersions), does it ask for SASL. Each is bounded by a timeout and leaves no socket open.
import { lookup } from 'node:dns/promises';
import { isIP, connect as tcpConnect } from 'node:net';
import { type ConnectionOptions as TlsOptions, connect as tlsConnect } from 'node:tls';
import { Connection } from '../network/connection.js';
import type { SaslConfig } from '../network/sasl/authenticate.js';

/** Where and how to reach one broker. */
export interface ProbeTarget {
  readonly host: string;
  readonly port: number;
  readonly timeoutMs: number;
  readonly clientId: string;
}

/** Runs `work`, failing with a ETIMEDOUT error after `timeoutMs`. */
export async function withTimeout<T>(work: Promise<T>, timeoutMs: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(Object.assign(new Error(`${what} got no answer within ${timeoutMs} ms`), { code: 'ETIMEDOUT' })), timeoutMs);
  });
  try {
    return await Promise.race([work, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** The addresses `host` resolves to (the host itself when it is an IP address). */
export async function resolveHost(target: ProbeTarget): Promise<string[]> {
  if (isIP(target.host) !== 0) return [target.host];
  const addresses = await withTimeout(lookup(target.host, { all: true }), target.timeoutMs, `DNS lookup of ${target.host}`);
  return addresses.map((entry) => entry.address);
}

/** Opens and closes a TCP connection; resolves with the peer address and the time it took. */
export function connectTcp(target: ProbeTarget): Promise<{ readonly address: string; readonly ms: number }> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const socket = tcpConnect({ host: target.host, port: target.port });
    socket.setTimeout(target.timeoutMs, () => {
      socket.destroy();
      reject(Object.assign(new Error(`no answer within ${target.timeoutMs} ms`), { code: 'ETIMEDOUT' }));
    });
    socket.once('connect', () => {
      const address = `${socket.remoteAddress}:${socket.remotePort}`;
      socket.destroy();
      resolve({ address, ms: performance.now() - started });
    });
    socket.once('error', (error) => {
      socket.destroy();
      reject(error);
    });
  });
}

/** What a TLS handshake showed of the broker. */
export interface TlsHandshake {
  readonly protocol: string;
  readonly subject: string;
  readonly issuer: string;
  readonly validTo: string;
  /** The verification error when the certificate was accepted without verification (--tls-insecure). */
  readonly unverifiedBecause: string | undefined;
}

/** Completes a TLS handshake with `ssl` options and closes; rejects with the handshake's error. */
export function handshakeTls(target: ProbeTarget, ssl: TlsOptions): Promise<TlsHandshake> {
  return new Promise((resolve, reject) => {
    const socket = tlsConnect({ host: target.host, port: target.port, ...(isIP(target.host) === 0 ? { servername: target.host } : {}), ...ssl });
    socket.setTimeout(target.timeoutMs, () => {
      socket.destroy();
      reject(Object.assign(new Error(`TLS handshake got no answer within ${target.timeoutMs} ms`), { code: 'ETIMEDOUT' }));
    });
    socket.once('secureConnect', () => {
      const certificate = socket.getPeerCertificate();
      const handshake: TlsHandshake = {
        protocol: socket.getProtocol() ?? 'TLS',
        subject: describeName(certificate.subject),
        issuer: describeName(certificate.issuer),
        validTo: certificate.valid_to ?? '?',
        unverifiedBecause: socket.authorized ? undefined : String(socket.authorizationError ?? 'not verified'),
      };
      socket.destroy();
      resolve(handshake);
    });
    socket.once('error', (error) => {
      socket.destroy();
      reject(error);
    });
  });
}

/** Whether the port completes a TLS handshake at all (certificate not verified). */
export async function speaksTls(target: ProbeTarget): Promise<boolean> {
  try {
    await handshakeTls(target, { rejectUnauthorized: false });
    return true;
  } catch {
    return false;
  }
}

/** A connection that completed ApiVersions (and SASL when `sasl` is given); rejects like Connection.connect. */
export async function openKafkaConnection(target: ProbeTarget, ssl: TlsOptions | undefined, sasl?: SaslConfig): Promise<Connection> {
  const connection = new Connection({
    host: target.host,
    port: target.port,
    clientId: target.clientId,
    ssl,
    sasl,
    connectTimeoutMs: target.timeoutMs,
    requestTimeoutMs: target.timeoutMs,
  });
  await connection.connect();
  return connection;
}

/**
 * Whether the listener asks for SASL, and which mechanisms it enables: a SaslHandshake on a
 * connection of its own (the broker then expects the authentication, so the connection is closed).
 * A listener without SASL answers ILLEGAL_SASL_STATE; undefined when the probe itself failed.
 */
export async function probeSasl(target: ProbeTarget, ssl: TlsOptions | undefined): Promise<{ readonly required: boolean; readonly mechanisms: readonly string[] } | undefined> {
  let connection: Connection | undefined;
  try {
    connection = await openKafkaConnection(target, ssl);
    const response = await connection.request('SaslHandshake', { mechanism: 'PLAIN' });
    const UNSUPPORTED_SASL_MECHANISM = 33;
    const required = response.errorCode === 0 || response.errorCode === UNSUPPORTED_SASL_MECHANISM;
    return { required, mechanisms: response.mechanisms };
  } catch {
    return undefined;
  } finally {
    connection?.close();
  }
}

function describeName(name: Readonly<Record<string, string | string[] | undefined>> | undefined): string {
  if (!name) return '?';
  const common = name['CN'];
  if (common !== undefined) return `CN=${Array.isArray(common) ? common.join('+') : common}`;
  return Object.entries(name)
    .map(([key, value]) => `${key}=${String(value)}`)
    .join(', ');
}
