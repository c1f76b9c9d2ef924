// The Connection over real sockets against a scripted broker: ApiVersions negotiation (including
// the UNSUPPORTED_VERSION fallback), pipelined requests answered in order, the request timeout, the
// frame-size guard, a malformed frame, and a broker closing the connection: every pending request
// rejects with a typed error and nothing hangs.
import * as assert from 'node:assert/strict';
import { type AddressInfo, createServer, type Server, type Socket } from 'node:net';
import { after, describe, it } from 'node:test';
import { ConnectionError, MalformedResponseError, RequestNotSentError, RequestTimeoutError } from '../../../src/errors/kafka-error.js';
import { Connection } from '../../../src/network/connection.js';
import { FrameDecoder } from '../../../src/network/frame-decoder.js';
import { type DecodedRequest, decodeRequest, encodeResponse, supportedVersions } from '../../../src/protocol/index.js';

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
    await assert.rejects(connection.request('InitProducerId', initProducerIdBody), RequestTimeoutError);
    assert.ok(Date.now() - started < 1500);
    assert.equal(connection.isClosed, true);
    await assert.rejects(connection.request('InitProducerId', initProducerIdBody), RequestNotSentError);
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
