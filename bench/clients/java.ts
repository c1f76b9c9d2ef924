// The Java producer (kafka-clients of the Kafka the e2e suite resolves from Maven Central) as a
// peer: bench/java/ProducerBench.java is compiled once with javac into the jar cache and run in a
// JVM of its own per run, so that its CPU time (JIT and GC threads included) and RSS are its alone.
import { execFile, execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { jarsCache, realKafkaAvailable, resolveKafka } from '../../test/kafka/real-cluster.js';
import type { OpenLoopResult } from '../timed.js';
import type { OpenLoopWorkload, Workload } from '../workloads.js';

const run = promisify(execFile);
const SOURCE = fileURLToPath(new URL('../../../bench/java/ProducerBench.java', import.meta.url));

/** The kafka-clients version measured: the one of the Kafka 4.x the e2e suite runs. */
export const javaClientsVersion = process.env.KAFKA_4_VERSION ?? '4.4.0';

/** The batch sizes the Java producer runs with: its default, and 1 MB as a tuned service might. */
export const javaBatchSizes = [
  { label: '16 KiB batches', bytes: 16_384 },
  { label: '1 MB batches', bytes: 1_048_576 },
] as const;

/** The classpath of the compiled program, or why it cannot run here. */
export type JavaPeer = { readonly ok: true; readonly classpath: string } | { readonly ok: false; readonly reason: string };

export async function prepareJavaPeer(): Promise<JavaPeer> {
  const missing = await realKafkaAvailable();
  if (missing) return { ok: false, reason: missing };
  try {
    await run('javac', ['-version'], { timeout: 60_000 });
  } catch {
    return { ok: false, reason: 'javac is not installed' };
  }
  const library = await resolveKafka(javaClientsVersion);
  const source = readFileSync(SOURCE);
  const digest = createHash('sha256').update(source).update(javaClientsVersion).digest('hex').slice(0, 12);
  const classes = join(jarsCache(), `bench-java-${digest}`);
  const classpath = `${classes}:${library}/*`;
  if (!existsSync(join(classes, 'ProducerBench.class'))) {
    mkdirSync(classes, { recursive: true });
    await run('javac', ['-cp', `${library}/*`, '-d', classes, SOURCE], { timeout: 120_000 });
  }
  return { ok: true, classpath };
}

export interface JavaRun {
  readonly records: number;
  readonly elapsedMs: number;
  readonly cpuMicrosPerRecord: number;
  readonly peakRssMb: number;
  /** The process's RSS just before the producer was constructed. */
  readonly rssBeforeClientMb: number;
}

/**
 * One run in a fresh JVM; `warmupRecords` are sent first by the same producer, unmeasured. A
 * workload over several topics writes to the topics named after `topic` (workloads.ts, topicNames).
 */
export function runJava(classpath: string, bootstrap: string, topic: string, workload: Workload, records: number, batchSize: number, warmupRecords: number): JavaRun {
  const args = [bootstrap, topic, String(records), String(workload.valueSize), String(workload.keySize), workload.compression, String(batchSize), String(warmupRecords)];
  return JSON.parse(javaLastLine(classpath, [...args, String(workload.topics ?? 1)])) as JavaRun;
}

/** One O run at `rate` records/s in a fresh JVM, on the timetable the Node clients keep (bench/timed.ts). */
export function runJavaLatency(classpath: string, bootstrap: string, topic: string, workload: OpenLoopWorkload, rate: number, seconds: number): OpenLoopResult {
  const warmupRecords = Math.round(rate * workload.warmupSeconds);
  const settleWaitMs = Math.max(workload.settleWaitMs, seconds * 1000);
  const args = ['latency', bootstrap, topic, String(rate), String(seconds), String(warmupRecords), String(workload.records), String(settleWaitMs)];
  const run = JSON.parse(javaLastLine(classpath, [...args, String(workload.valueSize), String(workload.keySize)])) as Omit<OpenLoopResult, 'firstError'> & {
    firstError: string | null;
  };
  return { ...run, firstError: run.firstError ?? undefined };
}

function javaLastLine(classpath: string, args: readonly string[]): string {
  const output = execFileSync('java', ['-cp', classpath, 'ProducerBench', ...args], {
    encoding: 'utf8',
    maxBuffer: 1 << 20,
    timeout: 600_000,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  return output.trim().split('\n').at(-1)!;
}
