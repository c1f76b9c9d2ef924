// Crash soak of the producer journal: a child process enqueues numbered records with the journal
// on while this process, which holds the FakeCluster (so the cluster outlives the child), injects
// seeded faults (lost acknowledgements, errors, disconnects, leader moves) and kills the child
// with SIGKILL at seeded moments, restarting it on the same directory each time. At the end, every
// record whose enqueue() resolved is stored exactly once, each partition's records in order, and
// nothing is stored twice. JOURNAL_SOAK_RECORDS, JOURNAL_SOAK_KILLS and JOURNAL_SOAK_SEED change
// the run (e.g. 1000000 and 20 for a long one); a failing seed is printed.
import * as assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { FakeCluster } from '../../src/testing/index.js';
import { checkCrashRun, runCrashChildren } from './journal-crash-run.js';

const records = Number(process.env.JOURNAL_SOAK_RECORDS ?? 100_000);
const kills = Number(process.env.JOURNAL_SOAK_KILLS ?? 5);
const seed = Number(process.env.JOURNAL_SOAK_SEED ?? 7);
const PARTITIONS = 4;
const RUN_TIMEOUT_MS = 300_000;

describe('journal crash soak', () => {
  it(`seed ${seed}: ${records} records, ${kills} SIGKILLs under faults: every resolved enqueue stored exactly once, in order`, { timeout: 1_200_000 }, async (t) => {
    const directory = await mkdtemp(join(tmpdir(), 'journal-soak-'));
    const cluster = new FakeCluster({ brokers: 3, topics: [{ name: 't', partitions: PARTITIONS, replicationFactor: 3 }] });
    await cluster.start();
    const chaos = cluster.chaos({ seed, dropResponseRate: 0.01, errorRate: 0.05, disconnectRate: 0.02, closeAfterAppendRate: 0.02, leaderMoveEveryMs: 300 });
    try {
      const options = { bootstrapServers: cluster.bootstrapServers, directory, topic: 't', partitions: PARTITIONS, records, kills, seed, childTimeoutMs: RUN_TIMEOUT_MS };
      const progress = await runCrashChildren(options);
      chaos.stop();
      const context = `seed ${seed} (replay with JOURNAL_SOAK_SEED=${seed}): started ${progress.started}, faults ${JSON.stringify(chaos.stats)}`;
      const stored = Array.from({ length: PARTITIONS }, (_, partition) => cluster.records('t', partition).map((record) => Number(record.value!.toString())));
      const summary = checkCrashRun(progress, options, stored, context);
      t.diagnostic(summary);
      assert.ok(chaos.stats.droppedResponses + chaos.stats.errors + chaos.stats.disconnects + chaos.stats.closedAfterAppend > 0, `faults were injected; ${summary}`);
    } finally {
      chaos.stop();
      await cluster.stop();
      await rm(directory, { recursive: true, force: true });
    }
  });
});
