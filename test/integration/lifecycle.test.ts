// The producer and the life of the process: an idle producer that was never closed lets the process
// exit (no timer or socket holds it once every record is settled), records sent without being
// awaited are still delivered before it exits, and Symbol.asyncDispose (`await using`) closes the
// producer. Each case runs a small script in a child process against a FakeCluster of this one.
import * as assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { FakeCluster } from '../../src/testing/index.js';

const entry = fileURLToPath(new URL('../../src/index.js', import.meta.url));
let cluster: FakeCluster;

before(async () => {
  cluster = new FakeCluster({ brokers: 1, topics: [{ name: 't', partitions: 1, replicationFactor: 1 }] });
  await cluster.start();
});
after(async () => {
  await cluster.stop();
});

// Runs `body` as an ES module with `Producer` and `bootstrapServers` in scope; resolves with its exit
// code and output, or with code null when it was still running after `limitMs` (then killed).
function runScript(body: string, limitMs = 15_000): Promise<{ code: number | null; out: string }> {
  const source = `import { Producer } from ${JSON.stringify(entry)};\nconst bootstrapServers = ${JSON.stringify(cluster.bootstrapServers)};\n${body}`;
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--input-type=module', '-e', source], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString();
    });
    child.stderr.on('data', (chunk: Buffer) => {
      out += chunk.toString();
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), limitMs);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, out });
    });
  });
}

describe('producer and process lifetime', () => {
  it('an idle producer never closed lets the process exit', async () => {
    const { code, out } = await runScript(`
      const producer = new Producer({ bootstrapServers });
      const metadata = await producer.send({ topic: 't', value: 'idle' });
      console.log('acknowledged', metadata.offset);
    `);
    assert.equal(code, 0, `the process exited on its own: ${out}`);
    assert.match(out, /acknowledged \d+/);
  });

  it('records sent without await keep the process alive until they are acknowledged', async () => {
    const before = cluster.records('t', 0).length;
    const { code, out } = await runScript(`
      const producer = new Producer({ bootstrapServers, lingerMs: 300 });
      for (let i = 0; i < 3; i++) producer.send({ topic: 't', value: 'unawaited-' + i }).then(() => console.log('acked', i));
    `);
    assert.equal(code, 0, out);
    assert.deepEqual(
      cluster
        .records('t', 0)
        .slice(before)
        .map((record) => record.value?.toString()),
      ['unawaited-0', 'unawaited-1', 'unawaited-2'],
    );
    assert.equal(out.match(/acked/g)?.length, 3);
  });

  // What `await using producer = new Producer(...)` calls at the end of its scope (the syntax itself
  // needs Node 24, or TypeScript's downlevel emit).
  it('Symbol.asyncDispose closes the producer', async () => {
    const { code, out } = await runScript(`
      const producer = new Producer({ bootstrapServers });
      await producer.send({ topic: 't', value: 'scoped' });
      await producer[Symbol.asyncDispose]();
      console.log('state after dispose', producer.health().state);
    `);
    assert.equal(code, 0, out);
    assert.match(out, /state after dispose closed/);
  });
});
