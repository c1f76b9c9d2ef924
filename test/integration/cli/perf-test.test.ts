// `kafka-producer perf-test` run as a child process: against its embedded FakeCluster (the summary
// line, the JSON result) and against a FakeCluster of this test (what it stored; a failing record
// making the exit code 1). No assertion on the numbers' values: they depend on the machine.
import * as assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { FakeCluster } from '../../../src/testing/index.js';
import { runCli } from './run-cli.js';

describe('kafka-producer perf-test', () => {
  let cluster: FakeCluster;
  before(async () => {
    cluster = new FakeCluster({ brokers: 3, topics: [{ name: 'perf', partitions: 3 }, { name: 'perf-small', partitions: 1, maxMessageBytes: 300 }] });
    await cluster.start();
  });
  after(() => cluster.stop());

  it('runs against an embedded FakeCluster, says so, and prints the summary line', async () => {
    const run = await runCli(['perf-test', '--num-records', '2000', '--record-size', '100', '--throughput', '-1']);
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stderr, /embedded FakeCluster/);
    assert.match(
      run.stdout,
      /^2,000 records sent, [\d,]+ records\/s \([\d.]+ MiB\/s\), latency avg [\d.]+ ms, max [\d.]+ ms, p50 [\d.]+ ms, p95 [\d.]+ ms, p99 [\d.]+ ms, p99\.9 [\d.]+ ms\n$/,
    );
  });

  it('prints the result as JSON with --json', async () => {
    const run = await runCli(['perf-test', '--num-records', '2000', '--record-size', '64', '--throughput', '50000', '--json', '--producer-props', 'linger.ms=1', 'acks=all']);
    assert.equal(run.code, 0, run.stderr);
    const result = JSON.parse(run.stdout) as {
      records: number;
      failed: number;
      bytes: number;
      recordsPerSecond: number;
      latencyMs: Record<'avg' | 'max' | 'p50' | 'p95' | 'p99' | 'p999', number>;
      errors: Record<string, number>;
    };
    assert.equal(result.records, 2000);
    assert.equal(result.failed, 0);
    assert.equal(result.bytes, 2000 * 64);
    assert.ok(result.recordsPerSecond > 0);
    const { p50, p95, p99, p999, max, avg } = result.latencyMs;
    assert.ok(avg > 0 && p50 <= p95 && p95 <= p99 && p99 <= p999 && p999 <= max, JSON.stringify(result.latencyMs));
    assert.deepEqual(result.errors, {});
  });

  it('sends every record to a given cluster', async () => {
    const run = await runCli(['perf-test', '--bootstrap-servers', cluster.bootstrapServers, '--topic', 'perf', '--num-records', '2000', '--record-size', '10', '--json']);
    assert.equal(run.code, 0, run.stderr);
    assert.doesNotMatch(run.stderr, /embedded/);
    const stored = [0, 1, 2].reduce((sum, partition) => sum + cluster.records('perf', partition).length, 0);
    assert.equal(stored, 2000);
    assert.ok(cluster.records('perf', 0).every((record) => record.value?.length === 10));
  });

  it('exits 1 and names the error when records fail', async () => {
    const run = await runCli(['perf-test', '--bootstrap-servers', cluster.bootstrapServers, '--topic', 'perf-small', '--num-records', '20', '--record-size', '500']);
    assert.equal(run.code, 1);
    assert.match(run.stdout, /0 records sent, 20 failed/);
    assert.match(run.stderr, /MESSAGE_TOO_LARGE: 20 records/);
  });
});
