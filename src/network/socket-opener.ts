// Opening the socket of a connection: TCP or TLS (SNI from the host name), an optional resolver,
// one timeout over resolution, connect and TLS handshake, and each way of failing told apart with
// what to check (DNS, nothing listening, certificate refused, TLS expected or not).
import { connect as connectTcp, type LookupFunction, type Socket } from 'node:net';
import { connect as connectTls, type ConnectionOptions as TlsOptions } from 'node:tls';
import { AuthenticationError, ConnectionError, type KafkaError } from '../errors/kafka-error.js';
import type { Clock } from '../time/clock.js';

/** Where and how to open a socket. */
export interface SocketTarget {
  readonly host: string;
  readonly port: number;
  /** `host:port`, for messages. */
  readonly address: string;
  readonly ssl?: TlsOptions | boolean | undefined;
  readonly lookup?: LookupFunction | undefined;
  /** Bounds the whole opening: name resolution, TCP connect and TLS handshake. */
  readonly connectTimeoutMs: number;
  readonly clock: Clock;
}

/** What the socket reports to its connection, for its whole life. */
export interface SocketEvents {
  /**
   * The socket failed: while opening (before `opened` rejects with the same error), or later. The
   * connection closes at once, so that the socket's own 'close' that follows finds it closed.
   */
  readonly failed: (error: KafkaError) => void;
  /** The broker ended or closed the connection. */
  readonly closed: () => void;
  readonly data: (chunk: Buffer) => void;
  /** The write buffer went below its high-water mark. */
  readonly drain: () => void;
}

/** A socket being opened: usable (to destroy it) at once, writable once `opened` resolves. */
export interface OpeningSocket {
  readonly socket: Socket;
  readonly opened: Promise<void>;
}

/** Starts opening a socket to `target`; its events go to `events`. */
export function openSocket(target: SocketTarget, events: SocketEvents): OpeningSocket {
  const { host, port, address, ssl, lookup, connectTimeoutMs, clock } = target;
  const resolver = lookup ? { lookup } : {};
  const socket = ssl
    ? connectTls({ host, port, servername: isIp(host) ? undefined : host, ...resolver, ...(ssl === true ? {} : ssl) })
    : connectTcp({ host, port, ...resolver });
  socket.setNoDelay(true);
  const opened = new Promise<void>((resolve, reject) => {
    // A host name is resolved first ('lookup' follows); an address needs no resolution.
    let resolved = isIp(host);
    socket.once('lookup', () => {
      resolved = true;
    });
    let settled = false;
    // As for requests (see RequestPipeline), the verdict waits for the check phase: after a stall of
    // the event loop, a connection established meanwhile is seen in the poll phase that follows the
    // timers.
    const timer = clock.setTimer(() => {
      clock.soon(() => {
        if (settled) return;
        fail(
          resolved
            ? new ConnectionError(`Connection to ${address} timed out after ${connectTimeoutMs} ms (connectTimeoutMs)`, { reason: 'timeout' })
            : new ConnectionError(
                `Resolving the host name '${host}' of ${address} took longer than ${connectTimeoutMs} ms (connectTimeoutMs): the DNS server answers slowly or not at all; check this machine's DNS settings`,
                { reason: 'dns' },
              ),
        );
      });
    }, connectTimeoutMs);
    const settle = () => {
      settled = true;
      timer.cancel();
    };
    const fail = (error: KafkaError) => {
      settle();
      events.failed(error);
      reject(error);
    };
    socket.once(ssl ? 'secureConnect' : 'connect', () => {
      settle();
      socket.off('error', onConnectError);
      socket.on('error', (error) => events.failed(new ConnectionError(`Connection to ${address} failed: ${error.message}`, { cause: error, reason: 'network' })));
      resolve();
    });
    const onConnectError = (error: Error) => fail(connectFailure(address, host, ssl !== undefined && ssl !== false, error));
    socket.once('error', onConnectError);
  });
  socket.on('close', events.closed);
  // Brokers never half-close: the end of the stream is the end of the connection.
  socket.on('end', events.closed);
  socket.on('data', events.data);
  socket.on('drain', events.drain);
  return { socket, opened };
}

function isIp(host: string): boolean {
  return /^[\d.]+$/.test(host) || host.includes(':');
}

// A certificate the client does not trust will not become trusted by retrying: such a handshake
// failure is reported as an AuthenticationError (not retriable), as Java reports SSL failures.
function isCertificateError(error: Error): boolean {
  const code = (error as { code?: unknown }).code;
  return typeof code === 'string' && (/CERT|SIGNATURE|ISSUER|ALTNAME|SELF_SIGNED/.test(code) || code.startsWith('ERR_SSL_'));
}

// The error of a connection that could not be opened, told apart by cause, with what to check.
function connectFailure(address: string, host: string, tls: boolean, error: Error): KafkaError {
  const code = (error as NodeJS.ErrnoException).code;
  if (tls && isCertificateError(error)) {
    return new AuthenticationError(`TLS handshake with ${address} failed: the broker's certificate was refused: ${error.message}`, { cause: error, stage: 'tls' });
  }
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN' || code === 'EAI_NONAME' || code === 'EAI_FAIL') {
    return new ConnectionError(`Cannot resolve the host name '${host}' of ${address} (${code}): check the bootstrap servers and DNS`, { cause: error, reason: 'dns' });
  }
  if (code === 'ECONNREFUSED') {
    return new ConnectionError(`Connection to ${address} refused (ECONNREFUSED): no broker listens on that port; check the port and that the broker runs`, {
      cause: error,
      reason: 'refused',
    });
  }
  if (tls) {
    return new ConnectionError(`TLS handshake with ${address} failed: ${error.message} (does the broker listen with TLS on this port?)`, { cause: error, reason: 'tls' });
  }
  return new ConnectionError(`Cannot connect to ${address}: ${error.message}`, { cause: error, reason: 'network' });
}
