// The perf test: sends `numRecords` records of `recordSize` bytes as fast as allowed (or at
// `throughput` records/s), timing each from send() to its acknowledgement, with a progress line on
// stderr every 5 s and the result on stdout: as text, or as one JSON object with --json.
import type { Producer } from '../producer/producer.js';
import { FailureTally } from './failure-tally.js';
import { formatCount, perSecond } from './format-units.js';
import { INTERRUPTED_EXIT_CODE, onFirstInterrupt } from './interrupt.js';
import { LatencyRecorder, type LatencyWindow } from './latency-recorder.js';
import { SendWindow } from './send-window.js';
import { ThroughputThrottle } from './throughput-throttle.js';

const PROGRESS_INTERVAL_MS = 5000;
const MIB = 1024 * 1024;
const MAX_PENDING_RECORDS = 20_000;

export interface PerfTestSettings {
  readonly topic: string;
  readonly numRecords: number;
  readonly recordSize: number;
  /** Records per second; <= 0 for no limit. */
  readonly throughput: number;
  readonly json: boolean;
  /** The producer's bufferMemory: the test keeps at most about that much in records unsettled. */
  readonly bufferMemory: number;
}

/** The result, as printed with --json. */
export interface PerfTestResult {
  readonly topic: string;
  readonly records: number;
  readonly failed: number;
  readonly recordSize: number;
  readonly bytes: number;
  readonly elapsedMs: number;
  readonly recordsPerSecond: number;
  readonly mebibytesPerSecond: number;
  readonly latencyMs: { readonly avg: number; readonly max: number; readonly p50: number; readonly p95: number; readonly p99: number; readonly p999: number };
  readonly errors: Readonly<Record<string, number>>;
}

/** Runs the test; resolves with the exit code (1 when a record failed). */
export async function runPerfTest(producer: Producer, settings: PerfTestSettings): Promise<number> {
  const tally = new FailureTally();
  try {
    await producer.connect();
  } catch (error) {
    await producer.close();
    process.stderr.write(`Cannot start the test: ${error instanceof Error ? error.message : String(error)}\n`);
    return 1;
  }
  const payload = randomPayload(settings.recordSize);
  const recorder = new LatencyRecorder(settings.numRecords);
  // The window lets the producer queue at most about its buffer memory's worth of records.
  const window = new SendWindow(Math.max(2, Math.min(MAX_PENDING_RECORDS, Math.floor(settings.bufferMemory / Math.max(1, settings.recordSize)))));
  const throttle = new ThroughputThrottle(settings.throughput);
  let interrupted = false;
  const stopListening = onFirstInterrupt(() => {
    interrupted = true;
  });
  const progress = setInterval(() => process.stderr.write(`${progressLine(recorder.takeWindow())}\n`), PROGRESS_INTERVAL_MS);
  progress.unref();
  const started = performance.now();
  let sent = 0;
  try {
    for (; sent < settings.numRecords && !interrupted; sent++) {
      await throttle.beforeRecord(sent);
      await window.admit();
      const number = sent;
      const sentAt = performance.now();
      producer.send({ topic: settings.topic, value: payload }).then(
        () => {
          recorder.record(performance.now() - sentAt, payload.length);
          window.settled();
        },
        (error: unknown) => {
          tally.add(error, `record ${number}`);
          window.settled();
        },
      );
    }
    await window.drain();
  } finally {
    clearInterval(progress);
    stopListening();
  }
  const elapsedMs = performance.now() - started;
  await producer.close();

  const percentiles = recorder.percentiles();
  const result: PerfTestResult = {
    topic: settings.topic,
    records: recorder.records,
    failed: tally.total,
    recordSize: settings.recordSize,
    bytes: recorder.bytes,
    elapsedMs: round(elapsedMs),
    recordsPerSecond: round(perSecond(recorder.records, elapsedMs)),
    mebibytesPerSecond: round(perSecond(recorder.bytes, elapsedMs) / MIB),
    latencyMs: {
      avg: round(recorder.averageMs),
      max: round(recorder.maxMs),
      p50: round(percentiles.p50),
      p95: round(percentiles.p95),
      p99: round(percentiles.p99),
      p999: round(percentiles.p999),
    },
    errors: tally.counts(),
  };
  if (settings.json) process.stdout.write(`${JSON.stringify(result)}\n`);
  else process.stdout.write(`${summaryLine(result)}\n`);
  for (const line of tally.lines()) process.stderr.write(`${line}\n`);
  if (interrupted) {
    process.stderr.write(`Interrupted after ${formatCount(sent)} of ${formatCount(settings.numRecords)} records.\n`);
    return INTERRUPTED_EXIT_CODE;
  }
  return tally.total > 0 ? 1 : 0;
}

function progressLine(window: LatencyWindow): string {
  return `${formatCount(window.records)} records acknowledged, ${formatCount(perSecond(window.records, window.elapsedMs))} records/s (${(perSecond(window.bytes, window.elapsedMs) / MIB).toFixed(2)} MiB/s), latency avg ${window.averageMs.toFixed(1)} ms, max ${window.maxMs.toFixed(1)} ms`;
}

function summaryLine(result: PerfTestResult): string {
  const latency = result.latencyMs;
  const failed = result.failed > 0 ? `, ${formatCount(result.failed)} failed` : '';
  return (
    `${formatCount(result.records)} records sent${failed}, ${formatCount(result.recordsPerSecond)} records/s (${result.mebibytesPerSecond.toFixed(2)} MiB/s), ` +
    `latency avg ${latency.avg.toFixed(2)} ms, max ${latency.max.toFixed(2)} ms, ` +
    `p50 ${latency.p50.toFixed(2)} ms, p95 ${latency.p95.toFixed(2)} ms, p99 ${latency.p99.toFixed(2)} ms, p99.9 ${latency.p999.toFixed(2)} ms`
  );
}

// Printable random bytes, the same for every record (as Kafka's own perf tool sends by default).
function randomPayload(size: number): Buffer {
  const payload = Buffer.allocUnsafe(size);
  for (let index = 0; index < size; index++) payload[index] = 65 + Math.floor(Math.random() * 26);
  return payload;
}

function round(value: number): number {
  return Math.round(value * 100) / 100;
}
