// The Connection over real sockets against a scripted broker: ApiVersions negotiation (including
// the UNSUPPORTED_VERSION fallback), pipelined requests answered in order, the request timeout (and
// answers that arrived while the event loop was blocked past it), the connect timeout (likewise),
// the frame-size guard, a malformed frame, and a broker closing the connection: every pending
// request rejects with a typed error and nothing hangs.
import * as assert from 'node:assert/strict';
import { type AddressInfo, createServer, type Server, type Socket } from 'node:net';
import { after, describe, it } from 'node:test';
import { ConnectionError, MalformedResponseError, RequestNotSentError, RequestTimeoutError } from '../../../src/errors/kafka-error.js';
import { Connection } from '../../../src/network/connection.js';
import { FrameDecoder } from '../../../src/protocol/frame-decoder.js';
import { type DecodedRequest, decodeRequest, encodeResponse, supportedVersions } from '../../../src/protocol/index.js';
import { blockEventLoop } from '../../helpers/event-loop.js';

type Handler = (request: DecodedRequest, socket: Socket) => Buffer | undefined;

const servers: Server[] = [];
after(() => {
  for (const server of servers) server.close();
});

/** A broker that answers ApiVersions with every version this package speaks, then calls `handler`. */
async function scriptedBroker(handler: Handler, apiVersionsMax = supportedVersions('ApiVersions').max): Promise<number> {
  const server = createServer((socket) => {
    const decoder = new FrameDecoder(1 << 20);
    socket.on('data', (chunk) =>
      decoder.push(chunk, (frame) => {
        const request = decodeRequest(frame);
        if (request.api === 'ApiVersions') {
          if (request.apiVersion > apiVersionsMax) {
            socket.write(encodeResponse('ApiVersions', 0, request.correlationId, { errorCode: 35, apiKeys: [{ apiKey: 18, minVersion: 0, maxVersion: apiVersionsMax }] }));
            return;
          }
          const apiKeys = [0, 3, 18, 22].map((apiKey) => ({ apiKey, minVersion: 0, maxVersion: apiKey === 18 ? apiVersionsMax : 9 }));
          socket.write(encodeResponse('ApiVersions', request.apiVersion, request.correlationId, { errorCode: 0, apiKeys, throttleTimeMs: 0 }));
          return;
        }
        const answer = handler(request, socket);
        if (answer) socket.write(answer);
      }),
    );
    socket.on('error', () => {});
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as AddressInfo).port;
}

function connect(port: number, requestTimeoutMs = 2000): Connection {
  return new Connection({ host: '127.0.0.1', port, clientId: 'test', connectTimeoutMs: 2000, requestTimeoutMs, maxFrameSize: 4096 });
}

const initProducerIdAnswer = (request: DecodedRequest) =>
  encodeResponse('InitProducerId', request.apiVersion, request.correlationId, { throttleTimeMs: 0, errorCode: 0, producerId: BigInt(request.correlationId), producerEpoch: 0 });

const initProducerIdBody = { transactionalId: null, transactionTimeoutMs: 1000, producerId: -1n, producerEpoch: -1 };

describe('Connection', () => {
  it('negotiates versions and answers pipelined requests in order', async () => {
    const port = await scriptedBroker(initProducerIdAnswer);
    const connection = connect(port);
    await connection.connect();
    assert.equal(connection.versionFor('InitProducerId'), 5);
    const answers = await Promise.all(Array.from({ length: 20 }, () => connection.request('InitProducerId', initProducerIdBody)));
    const ids = answers.map((answer) => answer.producerId);
    assert.deepEqual(ids, [...ids].sort((left, right) => (left < right ? -1 : 1)));
    assert.equal(new Set(ids).size, 20);
    connection.close();
  });

  it('falls back to the ApiVersions version the broker lists', async () => {
    const port = await scriptedBroker(initProducerIdAnswer, 2);
    const connection = connect(port);
    await connection.connect();
    assert.equal(connection.versionFor('ApiVersions'), 2);
    connection.close();
  });

  it('rejects a request that gets no answer with RequestTimeoutError, and closes the connection', async () => {
    const port = await scriptedBroker(() => undefined);
    const connection = connect(port, 200);
    await connection.connect();
    const started = Date.now();
    await assert.rejects(connection.request('InitProducerId', initProducerIdBody), (error) => {
      assert.ok(error instanceof RequestTimeoutError);
      assert.match(error.message, /^InitProducerId request to 127\.0\.0\.1:\d+ got no response within 200 ms$/);
      return true;
    });
    assert.ok(Date.now() - started < 1500);
    assert.equal(connection.isClosed, true);
    await assert.rejects(connection.request('InitProducerId', initProducerIdBody), RequestNotSentError);
  });

  // The broker (in this process) writes every answer, then the loop blocks past the deadline in the
  // same turn: the answers wait in the client's socket while the timer falls due. Node runs due
  // timers before it reads sockets, so the connection must read them before judging the deadline.
  it('takes answers that arrived while the event loop was blocked past the request timeout', async () => {
    const count = 5;
    const held: DecodedRequest[] = [];
    let unflushed = -1;
    const port = await scriptedBroker((request, socket) => {
      held.push(request);
      if (held.length < count) return undefined;
      for (const each of held) socket.write(initProducerIdAnswer(each));
      unflushed = socket.writableLength;
      blockEventLoop(900);
      return undefined;
    });
    const connection = connect(port, 300);
    await connection.connect();
    const answers = await Promise.all(Array.from({ length: count }, () => connection.request('InitProducerId', initProducerIdBody)));
    assert.equal(unflushed, 0, 'the answers were in the kernel before the block');
    assert.equal(answers.length, count);
    assert.equal(connection.isClosed, false);
    assert.equal(connection.inFlight, 0);
    connection.close();
  });

  it('takes a connection established while the event loop was blocked past the connect timeout', async () => {
    const port = await scriptedBroker(() => undefined);
    const connection = new Connection({ host: '127.0.0.1', port, clientId: 'test', connectTimeoutMs: 200, requestTimeoutMs: 2000, maxFrameSize: 4096 });
    const connecting = connection.connect();
    // The kernel completes the handshake with the listening socket meanwhile.
    blockEventLoop(500);
    await connecting;
    assert.equal(connection.isClosed, false);
    connection.close();
  });

  it('times out a connection whose TLS handshake gets no answer, with a ConnectionError', async () => {
    // A TCP listener that never speaks TLS: the handshake never completes.
    const silent = createServer((socket) => socket.on('error', () => {}));
    servers.push(silent);
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const { port } = silent.address() as AddressInfo;
    const connection = new Connection({ host: '127.0.0.1', port, clientId: 'test', connectTimeoutMs: 200, requestTimeoutMs: 2000, maxFrameSize: 4096, ssl: { rejectUnauthorized: false } });
    await assert.rejects(connection.connect(), (error: unknown) => error instanceof ConnectionError && /timed out after 200 ms/.test(error.message));
    assert.equal(connection.isClosed, true);
  });

  it('still times out a request whose answer was only partly received during the block', async () => {
    const held: DecodedRequest[] = [];
    const port = await scriptedBroker((request, socket) => {
      held.push(request);
      if (held.length < 2) return undefined;
      socket.write(initProducerIdAnswer(held[0]!));
      const second = initProducerIdAnswer(held[1]!);
      socket.write(second.subarray(0, second.length - 3));
      blockEventLoop(900);
      return undefined;
    });
    const connection = connect(port, 300);
    await connection.connect();
    const [first, second] = await Promise.allSettled([
      connection.request('InitProducerId', initProducerIdBody),
      connection.request('InitProducerId', initProducerIdBody),
    ]);
    assert.equal(first.status, 'fulfilled', 'the complete answer is taken');
    assert.equal(second.status, 'rejected');
    assert.ok(second.reason instanceof RequestTimeoutError, String(second.reason));
    assert.equal(connection.isClosed, true);
  });

  it('closes safely when close() comes between the due timer and the timeout check', async () => {
    const port = await scriptedBroker(() => undefined);
    const reasons: unknown[] = [];
    const connection = new Connection({
      host: '127.0.0.1',
      port,
      clientId: 'test',
      connectTimeoutMs: 2000,
      requestTimeoutMs: 200,
      onClose: (error) => reasons.push(error),
    });
    await connection.connect();
    const pending = connection.request('InitProducerId', initProducerIdBody);
    // Both timers fall due during the block; the connection's (earlier) runs first, then this one.
    const closer = setTimeout(() => connection.close(), 250);
    blockEventLoop(600);
    await assert.rejects(pending, (error) => error instanceof ConnectionError && /was closed/.test(error.message));
    await new Promise((resolve) => setImmediate(resolve));
    clearTimeout(closer);
    assert.deepEqual(reasons, [undefined], 'closed once, as asked');
  });

  it('closes on a frame larger than the guard, failing pending requests with a typed error', async () => {
    const huge = Buffer.alloc(8);
    huge.writeInt32BE(1 << 30, 0);
    const port = await scriptedBroker(() => huge);
    const connection = connect(port);
    await connection.connect();
    await assert.rejects(connection.request('InitProducerId', initProducerIdBody), MalformedResponseError);
    assert.equal(connection.isClosed, true);
  });

  it('closes on a garbled response, with a MalformedResponseError', async () => {
    const port = await scriptedBroker((request) => {
      const frame = Buffer.alloc(10);
      frame.writeInt32BE(6, 0);
      frame.writeInt32BE(request.correlationId, 4);
      frame.writeInt16BE(0, 8);
      return frame;
    });
    const connection = connect(port);
    await connection.connect();
    await assert.rejects(connection.request('InitProducerId', initProducerIdBody), MalformedResponseError);
    assert.equal(connection.isClosed, true);
  });

  it('takes a response with bytes after its last field, logs them at debug level and stays open', async () => {
    const port = await scriptedBroker((request) => {
      const answer = initProducerIdAnswer(request);
      const padded = Buffer.concat([answer, Buffer.from([0, 0, 0])]);
      padded.writeInt32BE(padded.length - 4, 0);
      return padded;
    });
    const lines: [string, string, Record<string, unknown> | undefined][] = [];
    const connection = new Connection({
      host: '127.0.0.1',
      port,
      clientId: 'test',
      connectTimeoutMs: 2000,
      requestTimeoutMs: 2000,
      log: (level, message, context) => lines.push([level, message, context]),
    });
    await connection.connect();
    const answers = await Promise.all([1, 2].map(() => connection.request('InitProducerId', initProducerIdBody)));
    assert.deepEqual(
      answers.map((answer) => answer.errorCode),
      [0, 0],
    );
    assert.equal(connection.isClosed, false);
    assert.equal(lines.length, 2);
    assert.equal(lines[0]![0], 'debug');
    assert.match(lines[0]![1], /ignored 3 bytes after the last field of a InitProducerId v5 response from 127\.0\.0\.1:/);
    assert.deepEqual(lines[0]![2], { api: 'InitProducerId', version: 5, bytes: 3 });
    connection.close();
  });

  it('reads an UNSUPPORTED_VERSION answer with bytes left after the v0 layout as giving no ranges, and asks with v0', async () => {
    const versions: number[] = [];
    const server = createServer((socket) => {
      const decoder = new FrameDecoder(1 << 20);
      socket.on('data', (chunk) =>
        decoder.push(chunk, (frame) => {
          const request = decodeRequest(frame);
          versions.push(request.apiVersion);
          const body =
            request.apiVersion > 0
              ? // v1 layout: the v0 fields, then a throttle time the v0 layout leaves over.
                encodeResponse('ApiVersions', 1, request.correlationId, { errorCode: 35, apiKeys: [{ apiKey: 18, minVersion: 0, maxVersion: 2 }], throttleTimeMs: 0 })
              : encodeResponse('ApiVersions', 0, request.correlationId, { errorCode: 0, apiKeys: [{ apiKey: 18, minVersion: 0, maxVersion: 0 }] });
          socket.write(body);
        }),
      );
      socket.on('error', () => {});
    });
    servers.push(server);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const connection = connect((server.address() as AddressInfo).port);
    await connection.connect();
    assert.deepEqual(versions, [supportedVersions('ApiVersions').max, 0]);
    connection.close();
  });

  it('rejects every pending request with ConnectionError when the broker closes the connection', async () => {
    let seen = 0;
    const port = await scriptedBroker((_request, socket) => {
      if (++seen === 3) socket.destroy();
      return undefined;
    });
    const connection = connect(port);
    await connection.connect();
    const results = await Promise.allSettled(Array.from({ length: 3 }, () => connection.request('InitProducerId', initProducerIdBody)));
    for (const result of results) {
      assert.equal(result.status, 'rejected');
      assert.ok((result as PromiseRejectedResult).reason instanceof ConnectionError);
    }
  });

  it('fails to connect with a ConnectionError when nothing listens', async () => {
    const port = await scriptedBroker(() => undefined);
    servers.pop()!.close();
    await new Promise((resolve) => setTimeout(resolve, 20));
    await assert.rejects(connect(port).connect(), ConnectionError);
  });
});
