// One fake broker's listener: binds its loopback address (keeping its port across restarts, so
// clients reconnect to the same address), accepts connections and hands their frames to the router.
// Closing it refuses new connections and drops every open one.
import { createServer, type Server, type Socket } from 'node:net';
import { BrokerConnection } from './broker-connection.js';
import type { ClusterRuntime } from './cluster-runtime.js';
import { routeRequest } from './request-router.js';
import type { BrokerNode } from './topology.js';

/** The listener of one broker. */
export class BrokerServer {
  private server: Server | undefined;
  private readonly connections = new Set<BrokerConnection>();

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
    const server = createServer((socket) => this.accept(socket));
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

  /** Stops listening and closes every connection (idempotent). */
  async close(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    for (const connection of [...this.connections]) connection.close();
    this.connections.clear();
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  private accept(socket: Socket): void {
    if (!this.server) {
      socket.destroy();
      return;
    }
    const connection = new BrokerConnection(
      socket,
      (frame, signal) => routeRequest(this.runtime, this.node.id, frame, signal),
      (error) => this.runtime.serverErrors.push(error),
      () => this.connections.delete(connection),
    );
    this.connections.add(connection);
  }
}
