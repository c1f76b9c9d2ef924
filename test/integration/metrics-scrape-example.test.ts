// The scrape endpoint of docs/metrics.md, run here against FakeCluster so that it cannot rot: a
// second test checks that the documentation shows exactly this function.
import * as assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { resolve } from 'node:path';
import { describe, it } from 'node:test';
import { PROMETHEUS_CONTENT_TYPE, type Producer } from '../../src/index.js';
import { useClusterFixture } from '../helpers/cluster-fixture.js';
import { parsePrometheus } from '../helpers/prometheus-text.js';

// example:start
function serveMetrics(producer: Producer, port: number): Server {
  return createServer((request, response) => {
    if (request.url !== '/metrics') {
      response.writeHead(404).end();
      return;
    }
    response.writeHead(200, { 'Content-Type': PROMETHEUS_CONTENT_TYPE });
    response.end(producer.metrics({ format: 'prometheus' }));
  }).listen(port, '127.0.0.1');
}
// example:end

const fixture = useClusterFixture();

describe('docs/metrics.md scrape endpoint', () => {
  it('serves the exposition a Prometheus server reads', async () => {
    const { producer } = await fixture.start({ brokers: 1, topics: [{ name: 'scraped', partitions: 1, replicationFactor: 1 }] }, { clientId: 'orders-service' });
    await producer.send({ topic: 'scraped', value: 'one' });
    const server = serveMetrics(producer, 0);
    try {
      await new Promise((resolve) => server.once('listening', resolve));
      const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      const response = await fetch(`${base}/metrics`);
      assert.equal(response.status, 200);
      assert.equal(response.headers.get('content-type'), PROMETHEUS_CONTENT_TYPE);
      const families = parsePrometheus(await response.text());
      assert.deepEqual(families.get('kafka_producer_record_send_total')!.samples, [{ labels: { client_id: 'orders-service' }, value: 1 }]);
      assert.deepEqual(families.get('kafka_producer_topic_record_send_total')!.samples, [{ labels: { client_id: 'orders-service', topic: 'scraped' }, value: 1 }]);
      assert.equal((await fetch(`${base}/other`)).status, 404);
    } finally {
      server.closeAllConnections(); // fetch keeps its connection alive
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it('is the code docs/metrics.md shows', () => {
    const source = readFileSync(resolve('test/integration/metrics-scrape-example.test.ts'), 'utf8');
    const region = between(source, '// example:start\n', '// example:end');
    const documentation = readFileSync(resolve('docs/metrics.md'), 'utf8');
    assert.ok(documentation.includes(`\n${region}\nserveMetrics(`), 'docs/metrics.md shows serveMetrics as tested here');
  });
});

function between(text: string, start: string, end: string): string {
  const from = text.indexOf(start);
  assert.ok(from >= 0, `marker ${JSON.stringify(start)} present`);
  const to = text.indexOf(end, from + start.length);
  assert.ok(to >= 0, `marker ${JSON.stringify(end)} present`);
  return text.slice(from + start.length, to);
}
