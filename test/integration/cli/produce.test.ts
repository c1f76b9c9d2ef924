// `kafka-producer produce` run as a child process against a FakeCluster of this test: what it
// stores (keys, values, headers, partitions, transactions), its exit code when records fail, and
// its summary on stderr.
import * as assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { FakeCluster } from '../../../src/testing/index.js';
import { runCli } from './run-cli.js';

const INVALID_RECORD = 87;

describe('kafka-producer produce', () => {
  let cluster: FakeCluster;
  let directory: string;
  before(async () => {
    cluster = new FakeCluster({
      brokers: 3,
      topics: [
        { name: 'lines', partitions: 1 },
        { name: 'files', partitions: 1 },
        { name: 'spread', partitions: 3 },
        { name: 'txn', partitions: 1 },
        { name: 'txn-failing', partitions: 1 },
        { name: 'small', partitions: 1, maxMessageBytes: 200 },
        { name: 'refused', partitions: 1 },
        { name: 'many', partitions: 2 },
      ],
    });
    await cluster.start();
    directory = mkdtempSync(join(tmpdir(), 'kafka-producer-cli-'));
  });
  after(async () => {
    await cluster.stop();
    rmSync(directory, { recursive: true, force: true });
  });

  const produce = (args: readonly string[], input?: string) => runCli(['produce', '--bootstrap-servers', cluster.bootstrapServers, ...args], input === undefined ? {} : { input });

  it('sends stdin lines with keys and headers, and reports them', async () => {
    const input = ['source=web,trace=7|order-1\t{"total":42}', '|order-2\tsecond', 'flag|\tno key', ''].join('\n');
    const run = await produce(['--topic', 'lines', '--header-delimiter', '|', '--key-delimiter', '\\t', '--header', 'via=cli'], input);
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stderr, /Produced to 'lines': 3 records sent, 0 failed/);
    const stored = cluster.records('lines', 0);
    assert.deepEqual(
      stored.map((record) => [record.key?.toString(), record.value?.toString(), record.headers.map(([name, value]) => [name, value?.toString() ?? null])]),
      [
        [
          'order-1',
          '{"total":42}',
          [
            ['via', 'cli'],
            ['source', 'web'],
            ['trace', '7'],
          ],
        ],
        ['order-2', 'second', [['via', 'cli']]],
        [
          '',
          'no key',
          [
            ['via', 'cli'],
            ['flag', null],
          ],
        ],
      ],
    );
  });

  it('reads files in order, stdin as -, and sends to the partition asked for', async () => {
    const first = join(directory, 'first.txt');
    const second = join(directory, 'second.txt');
    writeFileSync(first, 'a\nb\n');
    writeFileSync(second, 'd\r\ne');
    const run = await produce(['--topic', 'files', first, '-', second], 'c\n');
    assert.equal(run.code, 0, run.stderr);
    assert.deepEqual(
      cluster.records('files', 0).map((record) => record.value?.toString()),
      ['a', 'b', 'c', 'd', 'e'],
    );
    const toPartition = await produce(['--topic', 'spread', '--partition', '2'], 'x\ny\n');
    assert.equal(toPartition.code, 0, toPartition.stderr);
    assert.equal(cluster.records('spread', 2).length, 2);
    assert.equal(cluster.records('spread', 0).length + cluster.records('spread', 1).length, 0);
  });

  it('commits a transaction every --transaction-size lines, and the rest at the end', async () => {
    const lines = Array.from({ length: 25 }, (_, index) => `line-${index}`);
    const run = await produce(['--topic', 'txn', '--transactional-id', 'cli-txn', '--transaction-size', '10'], `${lines.join('\n')}\n`);
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stderr, /25 records sent, 0 failed.*3 transactions committed/);
    const stored = cluster.records('txn', 0);
    assert.deepEqual(
      stored.map((record) => record.value?.toString()),
      lines,
    );
    assert.ok(stored.every((record) => record.transactional && record.state === 'committed'));
    const markers = cluster.records('txn', 0, { includeControl: true }).filter((record) => record.control);
    assert.equal(markers.length, 3, 'one commit marker per transaction: lines 1-10, 11-20, 21-25');
  });

  it('aborts a transaction whose record failed, goes on with the next, and exits 1', async () => {
    const refusal = cluster.intercept({ api: 'Produce', topic: 'txn-failing' }, { error: INVALID_RECORD }, { times: 1 });
    const lines = Array.from({ length: 10 }, (_, index) => `line-${index}`);
    const run = await produce(['--topic', 'txn-failing', '--transactional-id', 'cli-txn-failing', '--transaction-size', '5', '--linger-ms', '0'], `${lines.join('\n')}\n`);
    assert.equal(refusal.hits, 1);
    assert.equal(run.code, 1, run.stderr);
    assert.match(run.stderr, /INVALID_RECORD/);
    assert.match(run.stderr, /1 transaction committed/);
    const committed = cluster.records('txn-failing', 0).filter((record) => record.state === 'committed');
    assert.deepEqual(
      committed.map((record) => record.value?.toString()),
      lines.slice(5),
    );
  });

  // The large record comes last: with idempotence, records behind a batch that failed for good in
  // the same partition are failed too (not resent, to keep the order), which would depend on batching.
  it('exits 1 when a record fails, naming its error code and line; the other lines are stored', async () => {
    const run = await produce(['--topic', 'small'], `short\nshort again\n${'x'.repeat(500)}\n`);
    assert.equal(run.code, 1);
    assert.match(run.stderr, /2 records sent, 1 failed/);
    assert.match(run.stderr, /MESSAGE_TOO_LARGE: 1 record \(stdin:3\)/);
    assert.deepEqual(
      cluster.records('small', 0).map((record) => record.value?.toString()),
      ['short', 'short again'],
    );
  });

  it('exits 1 when the broker refuses every record with a non-retriable error', async () => {
    const refusal = cluster.intercept({ api: 'Produce', topic: 'refused' }, { error: INVALID_RECORD }, { times: Number.POSITIVE_INFINITY });
    try {
      const run = await produce(['--topic', 'refused'], 'a\nb\nc\n');
      assert.equal(run.code, 1);
      assert.match(run.stderr, /0 records sent, 3 failed/);
      assert.match(run.stderr, /INVALID_RECORD: 3 records/);
      assert.ok(refusal.hits >= 1);
    } finally {
      refusal.remove();
    }
  });

  it('refuses lines without a declared delimiter, sending the others', async () => {
    const run = await produce(['--topic', 'lines', '--key-delimiter', ':'], 'k:v\nno delimiter\n');
    assert.equal(run.code, 1);
    assert.match(run.stderr, /INVALID_LINE: 1 record \(stdin:2\)/);
    assert.match(run.stderr, /no key delimiter ":"/);
  });

  it('sends a large input through a small window of pending records', async () => {
    const count = 3000;
    const input = `${Array.from({ length: count }, (_, index) => `${index % 7}:${index}`).join('\n')}\n`;
    const run = await produce(['--topic', 'many', '--key-delimiter', ':', '--max-pending', '8', '--compression', 'gzip'], input);
    assert.equal(run.code, 0, run.stderr);
    const stored = [...cluster.records('many', 0), ...cluster.records('many', 1)];
    assert.equal(stored.length, count);
    assert.deepEqual(new Set(stored.map((record) => Number(record.value?.toString()))).size, count);
    const compressed = [...cluster.batches('many', 0), ...cluster.batches('many', 1)].map((batch) => batch.compression);
    assert.ok(compressed.every((compression) => compression === 'gzip'));
  });

  it('reports a cluster it cannot reach, exit code 1', async () => {
    const run = await runCli(['produce', '--bootstrap-servers', '127.0.0.1:1', '--topic', 't', '--producer-props', 'connectTimeoutMs=2000'], { input: 'a\n' });
    assert.equal(run.code, 1);
    assert.match(run.stderr, /Cannot start producing: .*127\.0\.0\.1:1/);
    assert.match(run.stderr, /kafka-producer check/);
  });
});
