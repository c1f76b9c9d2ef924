// A TCP proxy on 127.0.0.1 that forwards every connection to one target and counts them: a test
// bootstraps a client through it to see how often the client connects (e.g. that a refused login
// is not retried in a loop). Bytes pass through untouched, so TLS and SASL work end to end.
import { connect, createServer, type Server, type Socket } from 'node:net';

export interface CountingProxy {
  /** host:port to give the client. */
  readonly address: string;
  /** Connections accepted so far. */
  readonly connections: number;
  close(): Promise<void>;
}

export async function startCountingProxy(targetHost: string, targetPort: number): Promise<CountingProxy> {
  const sockets = new Set<Socket>();
  let connections = 0;
  const track = (socket: Socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  };
  const server: Server = createServer((client) => {
    connections++;
    const upstream = connect({ host: targetHost, port: targetPort });
    track(client);
    track(upstream);
    client.pipe(upstream);
    upstream.pipe(client);
    // Either side's end or error ends both: the client sees what it would see from the broker.
    for (const [from, to] of [
      [client, upstream],
      [upstream, client],
    ] as const) {
      from.on('error', () => to.destroy());
      from.on('close', () => to.destroy());
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return {
    address: `127.0.0.1:${port}`,
    get connections() {
      return connections;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}
