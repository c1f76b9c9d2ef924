// kcat (librdkafka), an independent client, against FakeCluster: `kcat -P` produces (idempotent,
// gzip, headers) and `kcat -C -e` and a `kcat -G` consumer group read everything back. Skipped
// with a message where kcat is not installed.
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { after, before, describe, it } from 'node:test';
import { FakeCluster } from '../../src/testing/index.js';
import { kcat } from '../helpers/kcat-process.js';

const kcatMissing = spawnSync('kcat', ['-V']).error !== undefined;
const skip = kcatMissing ? 'kcat is not installed (apt-get install kcat); skipping the librdkafka round trip' : false;

describe('kcat against FakeCluster', { skip }, () => {
  let cluster: FakeCluster;
  const lines = Array.from({ length: 200 }, (_, index) => `key-${index % 13}:value-${index}`);

  before(async () => {
    cluster = new FakeCluster({ brokers: 3, topics: [{ name: 'events', partitions: 3 }] });
    await cluster.start();
  });

  after(async () => {
    await cluster.stop();
    assert.deepEqual(cluster.serverErrors, []);
  });

  it('kcat -P produces idempotently with gzip and headers', async () => {
    const produced = await kcat(
      ['-P', '-b', cluster.bootstrapServers, '-t', 'events', '-K:', '-z', 'gzip', '-H', 'origin=kcat', '-X', 'enable.idempotence=true'],
      `${lines.join('\n')}\n`,
    );
    assert.equal(produced.code, 0, produced.err);
    const stored = [0, 1, 2].flatMap((partition) => cluster.records('events', partition));
    assert.equal(stored.length, lines.length);
    assert.ok(stored.every((record) => record.producerId >= 0n && record.sequence >= 0), 'idempotent batches');
    assert.ok(stored.every((record) => record.headers[0]?.[0] === 'origin' && record.headers[0][1]?.toString() === 'kcat'));
    assert.ok(cluster.batches('events', 0).every((batch) => batch.compression === 'gzip'));
  });

  it('kcat -C -e reads every record back', async () => {
    const consumed = await kcat(['-C', '-b', cluster.bootstrapServers, '-t', 'events', '-e', '-o', 'beginning', '-q', '-f', '%k:%s\\n']);
    assert.equal(consumed.code, 0, consumed.err);
    assert.deepEqual(consumed.out.trim().split('\n').sort(), [...lines].sort());
  });

  it('kcat -G reads every record through a consumer group and commits its offsets', async () => {
    const consumed = await kcat([
      '-b',
      cluster.bootstrapServers,
      '-G',
      'kcat-group',
      '-e',
      '-q',
      '-X',
      'auto.offset.reset=earliest',
      '-f',
      '%k:%s\\n',
      'events',
    ]);
    assert.equal(consumed.code, 0, consumed.err);
    assert.deepEqual(consumed.out.trim().split('\n').sort(), [...lines].sort());
    for (const partition of [0, 1, 2]) {
      assert.equal(cluster.committedOffset('kcat-group', 'events', partition), cluster.highWatermark('events', partition));
    }
  });
});
