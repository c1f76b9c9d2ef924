// The driver of a journal crash run, shared by the soak against FakeCluster and the end-to-end test
// against real Kafka: child processes (journal-crash-child.ts) enqueue numbered records with the
// journal on, each killed with SIGKILL at a seeded moment and the next started on the same
// directory from where the last one got to, until one runs to the end and closes. Then what the
// topic holds is checked: every record whose enqueue() resolved stored exactly once, each
// partition's records in order, nothing stored twice.
import * as assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { seededRandom } from '../../src/testing/faults/seeded-random.js';
import { readChildLines } from '../helpers/child-lines.js';

const childPath = fileURLToPath(new URL('./journal-crash-child.js', import.meta.url));

export interface CrashRunOptions {
  readonly bootstrapServers: string;
  readonly directory: string;
  readonly topic: string;
  readonly partitions: number;
  readonly records: number;
  readonly kills: number;
  readonly seed: number;
  /** Bound of each child's run. */
  readonly childTimeoutMs: number;
  /** Called as child run `run` (0 first) starts; what it returns is awaited, with the run, before the next. */
  readonly aroundRun?: (run: number) => Promise<void>;
}

/** What the children reported. */
export interface CrashProgress {
  /** End of the last call the children started (records before it may be journaled). */
  started: number;
  /** Records whose enqueue() resolved, as [start, end) ranges. */
  readonly resolved: [number, number][];
  possibleDuplicates: number;
  failed: number;
  /** Records the restarted children found pending in the journal. */
  recovered: number;
  /** Whether the last child closed by itself, and how many kills were left. */
  closed: boolean;
  killsLeft: number;
}

/** Runs children until one closes (at most kills + 3 runs). */
export async function runCrashChildren(options: CrashRunOptions): Promise<CrashProgress> {
  const random = seededRandom(options.seed);
  const progress: CrashProgress = { started: 0, resolved: [], possibleDuplicates: 0, failed: 0, recovered: 0, closed: false, killsLeft: options.kills };
  // Each run is killed after a seeded share of the records left resolved, and a seeded few
  // milliseconds more; the last run goes to the end and closes.
  for (let run = 0; run < options.kills + 3 && !progress.closed; run++) {
    const left = options.records - progress.started;
    const killAfter = progress.killsLeft > 0 ? Math.max(1, Math.floor((left / (progress.killsLeft + 1)) * (0.2 + 0.6 * random()))) : undefined;
    const delayMs = Math.floor(random() * 10);
    const running = runChild(options, progress, killAfter, delayMs);
    const [closed] = await Promise.all([running, options.aroundRun?.(run)]);
    progress.closed = closed;
    if (!closed) progress.killsLeft--;
  }
  return progress;
}

// Runs one child from `progress.started`; kills it once `killAfter` records resolved (then after `delayMs`). Resolves whether it closed by itself.
function runChild(options: CrashRunOptions, progress: CrashProgress, killAfter: number | undefined, delayMs: number): Promise<boolean> {
  const args = [childPath, options.bootstrapServers, options.directory, String(progress.started), String(options.records), String(options.partitions), options.topic];
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
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
  const timedOut = (stderr: string) => new Error(`a child ran for ${options.childTimeoutMs} ms; progress ${progress.started}; stderr: ${stderr.slice(-2000)}`);
  return readChildLines(child, onLines, options.childTimeoutMs, timedOut).then(({ code, signal, stderr }) => {
    if (signal === 'SIGKILL' || (code === 0 && closed)) return closed;
    throw new Error(`the child exited with ${code ?? signal}; stderr: ${stderr.slice(-2000)}`);
  });
}

/**
 * Checks what the topic holds (`stored[partition]`: the record numbers in log order) against what
 * the children reported; returns a summary line. `context` is added to every failure message.
 */
export function checkCrashRun(progress: CrashProgress, options: Pick<CrashRunOptions, 'records' | 'kills' | 'partitions'>, stored: readonly (readonly number[])[], context: string): string {
  assert.ok(progress.closed, `the last child closed; ${context}`);
  assert.equal(progress.killsLeft, 0, `every kill happened; ${context}`);
  const resolved = new Set<number>();
  for (const [start, end] of progress.resolved) for (let index = start; index < end; index++) resolved.add(index);
  let duplicates = 0;
  let outOfOrder = 0;
  const seen = new Set<number>();
  stored.forEach((numbers, partition) => {
    let previous = -1;
    for (const index of numbers) {
      if (seen.has(index)) duplicates++;
      seen.add(index);
      if (index <= previous) outOfOrder++;
      previous = index;
      assert.equal(index % options.partitions, partition, `record ${index} in its partition; ${context}`);
    }
  });
  const lost = [...resolved].filter((index) => !seen.has(index));
  const summary = `resolved ${resolved.size}, stored ${seen.size}, duplicates ${duplicates}, out of order ${outOfOrder}, lost ${lost.length} (first ${lost.slice(0, 5).join(', ')}), recovered ${progress.recovered}, possible duplicates reported ${progress.possibleDuplicates}, failed ${progress.failed}; ${context}`;
  // The calls under way at a kill (at most 16 calls of 100 records) may or may not have reached
  // the journal: the next child starts after them, so each of their records is stored at most once.
  assert.ok(resolved.size >= options.records - options.kills * 16 * 100, `the records not resolved are those of the calls under way at a kill; ${summary}`);
  assert.equal(lost.length, 0, `no resolved record lost; ${summary}`);
  assert.equal(duplicates, 0, `nothing stored twice; ${summary}`);
  assert.equal(outOfOrder, 0, `each partition in order; ${summary}`);
  assert.equal(progress.failed, 0, `no record failed for good; ${summary}`);
  assert.ok(progress.recovered > 0, `the restarted children resent what the killed ones left; ${summary}`);
  return summary;
}
