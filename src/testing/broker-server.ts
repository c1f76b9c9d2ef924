// One fake broker's listener: binds its loopback address (keeping its port across restarts, so
// clients reconnect to the same address), over TCP or TLS, accepts connections and hands their
// frames to the router, with a SASL session per connection when the cluster requires SASL. Closing
// it refuses new connections and drops every open one.
import { createServer, type Server, type Socket } from 'node:net';
import { createServer as createTlsServer, type TlsOptions } from 'node:tls';
import { BrokerConnection } from './broker-connection.js';
import type { ClusterRuntime } from './cluster-runtime.js';
import type { FakeSslOptions } from './options.js';
import { routeRequest } from './request-router.js';
import { SaslSession } from './sasl/session.js';
import type { BrokerNode } from './topology.js';

/** The listener of one broker. */
export class BrokerServer {
  private server: Server | undefined;
  private readonly connections = new Set<BrokerConnection>();
  /** Every accepted TCP socket, including TLS ones still in their handshake. */
  private readonly sockets = new Set<Socket>();
  /** While true, no socket of this broker is read: what clients write backs up in their sockets. */
  private readingPaused = false;

  constructor(
    private readonly node: BrokerNode,
    private readonly runtime: ClusterRuntime,
  ) {}

  /** Whether the broker is listening. */
  get listening(): boolean {
    return this.server !== undefined;
  }

  /** Starts listening; the first start with port 0 picks a free port, later starts reuse it. */
  async listen(): Promise<void> {
    if (this.server) return;
    const { ssl } = this.runtime.options;
    const server = ssl ? createTlsServer(tlsServerOptions(ssl), (socket) => this.accept(socket)) : createServer((socket) => this.accept(socket));
    server.on('connection', (socket: Socket) => {
      this.sockets.add(socket);
      socket.once('close', () => this.sockets.delete(socket));
    });
    // A failed TLS handshake only ends that connection.
    if (ssl) server.on('tlsClientError', (_error: Error, socket: Socket) => socket.destroy());
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen({ host: this.node.host, port: this.node.port }, () => {
        server.off('error', reject);
        resolve();
      });
    });
    const address = server.address();
    if (address && typeof address === 'object') this.node.port = address.port;
    this.server = server;
  }

  /**
   * Stops reading every connection, and the ones accepted from now on, until resumeReading(): the
   * kernel's buffers fill and the clients' writes back up, as with a broker too busy to read.
   * Requests already read are still answered.
   */
  pauseReading(): void {
    this.readingPaused = true;
    for (const connection of this.connections) connection.pauseReading();
  }

  /** Reads every connection again. */
  resumeReading(): void {
    this.readingPaused = false;
    for (const connection of this.connections) connection.resumeReading();
  }

  /** Stops listening and closes every connection (idempotent). */
  async close(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    for (const connection of [...this.connections]) connection.close();
    this.connections.clear();
    for (const socket of [...this.sockets]) socket.destroy();
    this.sockets.clear();
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  private accept(socket: Socket): void {
    if (!this.server) {
      socket.destroy();
      return;
    }
    const { sasl } = this.runtime;
    const session = sasl ? new SaslSession(sasl, this.node.id) : undefined;
    const connection = new BrokerConnection(
      socket,
      (frame, signal, receivedAt) => routeRequest(this.runtime, this.node.id, frame, signal, session, receivedAt),
      (error) => this.runtime.serverErrors.push(error),
      () => this.connections.delete(connection),
    );
    this.connections.add(connection);
    if (this.readingPaused) connection.pauseReading();
  }
}

function tlsServerOptions(ssl: FakeSslOptions): TlsOptions {
  const ca = ssl.ca === undefined || typeof ssl.ca === 'string' || Buffer.isBuffer(ssl.ca) ? ssl.ca : [...ssl.ca];
  // rejectUnauthorized only matters with requestCert: a client without a valid certificate is refused.
  return { key: ssl.key, cert: ssl.cert, ca, requestCert: ssl.requestCert ?? false, rejectUnauthorized: true };
}
