// End to end against real Apache Kafka (docker-compose.yml: 3 KRaft brokers, min.insync.replicas=2).
// Enabled by KAFKA_BROKERS=host:port,...; skipped otherwise. Checks exactly once and in order per
// partition by reading everything back, with every codec, and across a broker restart
// (`docker compose restart kafka-2`, when docker is available).
import * as assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { describe, it } from 'node:test';
import { promisify } from 'node:util';
import { runDemo } from '../../src/cli/demo.js';
import type { CompressionType } from '../../src/producer/options.js';

const brokers = process.env.KAFKA_BROKERS;
const skip = brokers ? false : 'KAFKA_BROKERS is not set (start a cluster with `docker compose up -d`, then KAFKA_BROKERS=localhost:19092,localhost:29092,localhost:39092)';
const run = promisify(execFile);

describe('real Kafka', { skip }, () => {
  for (const compression of ['none', 'gzip', 'snappy', 'lz4', 'zstd'] as CompressionType[]) {
    it(`produces exactly once, in order (${compression})`, { timeout: 120_000 }, async () => {
      const code = await runDemo({ bootstrapServers: brokers!, records: 20_000, topic: `e2e-${compression}`, partitions: 6, compression, seed: 1, faults: 'none' });
      assert.equal(code, 0);
    });
  }

  it('keeps exactly once and order across a broker restart', { timeout: 300_000 }, async () => {
    const restart = (async () => {
      await new Promise((resolve) => setTimeout(resolve, 2000));
      await run('docker', ['compose', 'restart', 'kafka-2'], { timeout: 120_000 });
    })();
    const code = await runDemo({ bootstrapServers: brokers!, records: 300_000, topic: 'e2e-restart', partitions: 6, compression: 'lz4', seed: 1, faults: 'none' });
    await restart;
    assert.equal(code, 0);
  });
});
