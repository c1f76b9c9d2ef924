// Crash soak of the producer journal: a child process enqueues numbered records with the journal
// on while this process, which holds the FakeCluster (so the cluster outlives the child), injects
// seeded faults (lost acknowledgements, errors, disconnects, leader moves) and kills the child
// with SIGKILL at seeded moments, restarting it on the same directory each time. At the end, every
// record whose enqueue() resolved is stored exactly once, each partition's records in order, and
// nothing is stored twice. JOURNAL_SOAK_RECORDS, JOURNAL_SOAK_KILLS and JOURNAL_SOAK_SEED change
// the run (e.g. 1000000 and 20 for a long one); a failing seed is printed.
import * as assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { FakeCluster } from '../../src/testing/index.js';
import { readChildLines } from '../helpers/child-lines.js';

const records = Number(process.env.JOURNAL_SOAK_RECORDS ?? 100_000);
const kills = Number(process.env.JOURNAL_SOAK_KILLS ?? 5);
const seed = Number(process.env.JOURNAL_SOAK_SEED ?? 7);
const PARTITIONS = 4;
const RUN_TIMEOUT_MS = 300_000;
const childPath = fileURLToPath(new URL('./journal-crash-child.js', import.meta.url));

/** A small seeded generator (mulberry32): the same seed gives the same kill moments. */
function seeded(value: number): () => number {
  let state = value >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface Progress {
  /** End of the last call the children started (records before it may be journaled). */
  started: number;
  /** Records whose enqueue() resolved, as [start, end) ranges. */
  readonly resolved: [number, number][];
  possibleDuplicates: number;
  failed: number;
  /** Records the restarted children found pending in the journal. */
  recovered: number;
}

/** Runs one child from `progress.started`; kills it once `killAfter` records resolved (then after `delayMs`). Resolves whether it closed by itself. */
function runChild(bootstrap: string, directory: string, progress: Progress, killAfter: number | undefined, delayMs: number): Promise<boolean> {
  const child = spawn(process.execPath, [childPath, bootstrap, directory, String(progress.started), String(records), String(PARTITIONS)], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let closed = false;
  let killScheduled = false;
  let resolvedHere = 0;
  const onLines = (lines: readonly string[]) => {
    for (const line of lines) {
      const [kind, first, second] = line.split(' ');
      if (kind === 's') progress.started = Math.max(progress.started, Number(first));
      else if (kind === 'd') {
        progress.resolved.push([Number(first), Number(second)]);
        resolvedHere += Number(second) - Number(first);
      } else if (kind === 'closed') closed = true;
      else if (kind === 'event' && first === 'possible-duplicates') progress.possibleDuplicates += Number(second);
      else if (kind === 'event' && first === 'delivery-failed') progress.failed += Number(second);
      else if (kind === 'event' && first === 'recovered') progress.recovered += Number(second);
    }
    if (killAfter !== undefined && !killScheduled && resolvedHere >= killAfter) {
      killScheduled = true;
      setTimeout(() => child.kill('SIGKILL'), delayMs);
    }
  };
  const timedOut = (stderr: string) => new Error(`a child ran for ${RUN_TIMEOUT_MS} ms; progress ${progress.started}; stderr: ${stderr.slice(-2000)}`);
  return readChildLines(child, onLines, RUN_TIMEOUT_MS, timedOut).then(({ code, signal, stderr }) => {
    if (signal === 'SIGKILL' || (code === 0 && closed)) return closed;
    throw new Error(`the child exited with ${code ?? signal}; stderr: ${stderr.slice(-2000)}`);
  });
}

describe('journal crash soak', () => {
  it(`seed ${seed}: ${records} records, ${kills} SIGKILLs under faults: every resolved enqueue stored exactly once, in order`, { timeout: 1_200_000 }, async (t) => {
    const random = seeded(seed);
    const directory = await mkdtemp(join(tmpdir(), 'journal-soak-'));
    const cluster = new FakeCluster({ brokers: 3, topics: [{ name: 't', partitions: PARTITIONS, replicationFactor: 3 }] });
    await cluster.start();
    const chaos = cluster.chaos({ seed, dropResponseRate: 0.01, errorRate: 0.05, disconnectRate: 0.02, closeAfterAppendRate: 0.02, leaderMoveEveryMs: 300 });
    const progress: Progress = { started: 0, resolved: [], possibleDuplicates: 0, failed: 0, recovered: 0 };
    const context = () => `seed ${seed} (replay with JOURNAL_SOAK_SEED=${seed}): started ${progress.started}, faults ${JSON.stringify(chaos.stats)}`;
    try {
      let killsLeft = kills;
      let closed = false;
      // Each run is killed after a seeded share of the records left resolved, and a seeded few
      // milliseconds more; the last run goes to the end and closes.
      for (let run = 0; run < kills + 3 && !closed; run++) {
        const left = records - progress.started;
        const killAfter = killsLeft > 0 ? Math.max(1, Math.floor((left / (killsLeft + 1)) * (0.2 + 0.6 * random()))) : undefined;
        const delayMs = Math.floor(random() * 10);
        closed = await runChild(cluster.bootstrapServers, directory, progress, killAfter, delayMs);
        if (!closed) killsLeft--;
      }
      assert.ok(closed, `the last child closed; ${context()}`);
      assert.equal(killsLeft, 0, `every kill happened; ${context()}`);
      chaos.stop();

      const resolved = new Set<number>();
      for (const [start, end] of progress.resolved) for (let index = start; index < end; index++) resolved.add(index);
      let duplicates = 0;
      let outOfOrder = 0;
      const stored = new Set<number>();
      for (let partition = 0; partition < PARTITIONS; partition++) {
        let previous = -1;
        for (const record of cluster.records('t', partition)) {
          const index = Number(record.value!.toString());
          if (stored.has(index)) duplicates++;
          stored.add(index);
          if (index <= previous) outOfOrder++;
          previous = index;
          assert.equal(index % PARTITIONS, partition, `record ${index} in its partition`);
        }
      }
      const lost = [...resolved].filter((index) => !stored.has(index));
      const summary = `resolved ${resolved.size}, stored ${stored.size}, duplicates ${duplicates}, out of order ${outOfOrder}, lost ${lost.length} (first ${lost.slice(0, 5).join(', ')}), recovered ${progress.recovered}, possible duplicates reported ${progress.possibleDuplicates}, failed ${progress.failed}; ${context()}`;
      // The calls under way at a kill may or may not have reached the journal: the next child
      // starts after them, so each of their records is stored at most once.
      assert.ok(resolved.size >= records - kills * 16 * 100, `the records not resolved are those of the calls under way at a kill; ${summary}`);
      assert.equal(lost.length, 0, `no resolved record lost; ${summary}`);
      assert.equal(duplicates, 0, `nothing stored twice; ${summary}`);
      assert.equal(outOfOrder, 0, `each partition in order; ${summary}`);
      t.diagnostic(summary);
      assert.equal(progress.failed, 0, `no record failed for good; ${summary}`);
      assert.ok(progress.recovered > 0, `the restarted children resent what the killed ones left; ${summary}`);
      assert.ok(chaos.stats.droppedResponses + chaos.stats.errors + chaos.stats.disconnects + chaos.stats.closedAfterAppend > 0, `faults were injected; ${summary}`);
    } finally {
      chaos.stop();
      await cluster.stop();
      await rm(directory, { recursive: true, force: true });
    }
  });
});
