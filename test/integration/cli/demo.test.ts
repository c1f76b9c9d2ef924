// `kafka-producer demo` when records are rejected: the run must fail and say why. Every Produce to
// a FakeCluster of this test is refused with a non-retriable error, so no record is stored, which
// the read-back alone would verify as "no duplicates, nothing missing".
import * as assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { FakeCluster } from '../../../src/testing/index.js';
import { runCli } from './run-cli.js';

const INVALID_RECORD = 87;

describe('kafka-producer demo', () => {
  let cluster: FakeCluster;
  before(async () => {
    cluster = new FakeCluster({ brokers: 1, topics: [{ name: 'demo-refused', partitions: 2 }, { name: 'demo-ok', partitions: 2 }] });
    await cluster.start();
  });
  after(() => cluster.stop());

  it('exits 1 and lists the error codes when records are rejected', async () => {
    const refusal = cluster.intercept({ api: 'Produce', topic: 'demo-refused' }, { error: INVALID_RECORD }, { times: Number.POSITIVE_INFINITY });
    try {
      const run = await runCli(['demo', '--bootstrap-servers', cluster.bootstrapServers, '--topic', 'demo-refused', '--records', '50']);
      assert.equal(run.code, 1, run.stdout);
      assert.match(run.stderr, /50 records failed:\n {2}INVALID_RECORD: 50 records/);
      assert.match(run.stdout, /FAILED: 50 of 50 records were rejected/);
      assert.ok(refusal.hits >= 1);
    } finally {
      refusal.remove();
    }
  });

  it('exits 0 when every record is acknowledged and verified', async () => {
    const run = await runCli(['demo', '--bootstrap-servers', cluster.bootstrapServers, '--topic', 'demo-ok', '--records', '200']);
    assert.equal(run.code, 0, `${run.stdout}\n${run.stderr}`);
    assert.match(run.stdout, /Verified: every acknowledged record stored exactly once/);
    assert.equal(cluster.records('demo-ok', 0).length + cluster.records('demo-ok', 1).length, 200);
  });
});
