// The timed workloads, shared by every client so that each is measured the same way: L and O send
// one record per send() on a fixed timetable and time each from its scheduled send time to its
// promise settling (a late sender does not hide latency: no coordinated omission); S sends one
// record per send() as fast as the client takes them to a broker that never answers Produce,
// sampling the process's RSS. Each client provides a RecordSender (bench/clients/*.ts).
import { setTimeout as sleep, setImmediate as yieldToLoop } from 'node:timers/promises';
import { makeData, type StallWorkload, type Workload } from './workloads.js';

/** A connected client that sends one record per call. */
export interface RecordSender {
  /** How long the client waits for more records before sending a batch, as configured; undefined when it has no such wait. */
  readonly lingerMs: number | undefined;
  /** Sends one record; settles when the client reports it written, or failed. */
  send(key: Buffer, value: Buffer): Promise<unknown>;
  close(): Promise<void>;
}

/** When a latency run sends its records. */
export interface Timetable {
  readonly ratePerSecond: number;
  /** Sent on the same timetable before the measured records and not counted. */
  readonly warmupRecords: number;
  /** The most measured records, whatever the duration. */
  readonly maxRecords: number;
  /** How long to wait for the last records to settle once the timetable has ended. */
  readonly settleWaitMs: number;
}

export interface LatencyResult {
  readonly records: number;
  readonly ratePerSecond: number;
  readonly lingerMs: number | undefined;
  readonly errors: number;
  /** Records whose promise had not settled when the wait for them ended (their time so far counts). */
  readonly unsettled: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly p999Ms: number;
  readonly maxMs: number;
  /**
   * Records acknowledged per second: those that settled without error, over the time from the
   * first one's due time to the last acknowledgement. Below the timetable's rate when the client
   * fell behind.
   */
  readonly achievedPerSecond: number;
  /**
   * How late the timetable called send(), p50 and p99: a Node timer wakes up to about 1 ms after
   * the time asked, and that lateness is part of every latency above (the broker RT run's too).
   */
  readonly lateP50Ms: number;
  readonly lateP99Ms: number;
  readonly firstError: string | undefined;
}

/** An O run: a latency run at one rate, with its warm-up (the topic holds both) and the client process's peak RSS. */
export interface OpenLoopResult extends LatencyResult {
  readonly warmupRecords: number;
  readonly peakRssMb: number;
}

export interface StallResult {
  readonly seconds: number;
  /** How long sending went on: `seconds`, or less when RSS reached the workload's cap. */
  readonly sentForSeconds: number;
  readonly stoppedAtRssCap: boolean;
  /** Whether the window of outstanding calls filled up: the client never refused enough to keep it open. */
  readonly windowFilled: boolean;
  /** send() calls made. */
  readonly sent: number;
  /** Calls whose promise had not rejected by the end (pending, or delivered). */
  readonly accepted: number;
  readonly rejected: number;
  readonly delivered: number;
  /** Rejections by error code or name. */
  readonly rejections: Readonly<Record<string, number>>;
  readonly rssStartMb: number;
  readonly rssQuarterMb: number;
  readonly rssEndMb: number;
  /** Highest of the samples and of the process's own peak (getrusage). */
  readonly rssPeakMb: number;
  /** At the end: V8's heap in use, and the memory of Buffers and ArrayBuffers (record bytes live there). */
  readonly heapUsedEndMb: number;
  readonly arrayBuffersEndMb: number;
  readonly samples: number;
}

/** How often S yields to the event loop (so that timers, I/O and settlements run), in send() calls. */
const STALL_YIELD_EVERY = 1024;
/** How long S sleeps when its window is full before it looks at the clock again. */
const STALL_FULL_WINDOW_WAIT_MS = 50;

/** L and O: a warm-up on the timetable, then `seconds` of records on it; percentiles of the latter. */
export async function measureLatency(sender: RecordSender, workload: Workload, timetable: Timetable, seconds: number): Promise<LatencyResult> {
  const { keys, value } = makeData(workload);
  const intervalMs = 1000 / timetable.ratePerSecond;
  const warmup = timetable.warmupRecords;
  await runTimetable(sender, keys, value, warmup, intervalMs, timetable.settleWaitMs, new Float64Array(warmup), new Float64Array(warmup));
  const count = Math.min(timetable.maxRecords, Math.round(seconds * timetable.ratePerSecond));
  const latencies = new Float64Array(count);
  const lateness = new Float64Array(count);
  const run = await runTimetable(sender, keys, value, count, intervalMs, timetable.settleWaitMs, latencies, lateness);
  latencies.sort();
  lateness.sort();
  const acknowledged = count - run.errors - run.unsettled;
  const spanMs = run.lastSettledAt - run.start;
  return {
    records: count,
    ratePerSecond: timetable.ratePerSecond,
    lingerMs: sender.lingerMs,
    errors: run.errors,
    unsettled: run.unsettled,
    p50Ms: percentile(latencies, 0.5),
    p99Ms: percentile(latencies, 0.99),
    p999Ms: percentile(latencies, 0.999),
    maxMs: latencies[count - 1] ?? 0,
    achievedPerSecond: acknowledged > 0 && spanMs > 0 ? (acknowledged / spanMs) * 1000 : 0,
    lateP50Ms: percentile(lateness, 0.5),
    lateP99Ms: percentile(lateness, 0.99),
    firstError: run.firstError,
  };
}

interface TimetableRun {
  readonly errors: number;
  readonly unsettled: number;
  readonly firstError: string | undefined;
  /** performance.now() of the first record's due time, and of the last acknowledgement (`start` when none came). */
  readonly start: number;
  readonly lastSettledAt: number;
}

// Record i is due at start + i * interval. After each wake-up every record already due is sent, so
// a wake-up that comes late sends the overdue records at once, and they are timed from when they
// were due. Between due times the loop sleeps on a timer (a busy wait would take a core from the
// broker), so at rates above 1,000 records/s each wake-up sends the records of about a millisecond.
async function runTimetable(
  sender: RecordSender,
  keys: readonly Buffer[],
  value: Buffer,
  count: number,
  intervalMs: number,
  settleWaitMs: number,
  latencies: Float64Array,
  lateness: Float64Array,
): Promise<TimetableRun> {
  latencies.fill(Number.NaN);
  let errors = 0;
  let firstError: string | undefined;
  const start = performance.now() + intervalMs;
  let lastSettledAt = start;
  const settlements: Promise<void>[] = [];
  let next = 0;
  while (next < count) {
    const now = performance.now();
    for (; next < count && start + next * intervalMs <= now; next++) {
      const index = next;
      const due = start + index * intervalMs;
      // Read per call, not per wake-up: the calls of one wake-up take time too.
      lateness[index] = performance.now() - due;
      settlements.push(
        attempt(() => sender.send(keys[index & 1023]!, value)).then(
          () => {
            lastSettledAt = performance.now();
            latencies[index] = lastSettledAt - due;
          },
          (error: unknown) => {
            errors++;
            firstError ??= describe(error);
            latencies[index] = performance.now() - due;
          },
        ),
      );
    }
    if (next < count) await sleep(Math.max(0, start + next * intervalMs - performance.now()));
  }
  await settleWithin(settlements, settleWaitMs);
  let unsettled = 0;
  const end = performance.now();
  for (let index = 0; index < count; index++) {
    if (!Number.isNaN(latencies[index]!)) continue;
    unsettled++;
    latencies[index] = end - (start + index * intervalMs);
  }
  return { errors, unsettled, firstError, start, lastSettledAt };
}

/** S: send() as fast as the client takes records for `seconds`, at most `workload.window` outstanding; RSS every sampleEveryMs. */
export async function measureStall(sender: RecordSender, workload: StallWorkload, seconds: number): Promise<StallResult> {
  const { keys, value } = makeData(workload);
  const started = performance.now();
  const samples: { atMs: number; rssMb: number }[] = [];
  let stoppedAtRssCap = false;
  const sample = () => {
    const rssMb = process.memoryUsage.rss() / 1048576;
    samples.push({ atMs: performance.now() - started, rssMb });
    if (rssMb >= workload.rssCapMb) stoppedAtRssCap = true;
  };
  sample();
  const sampler = setInterval(sample, workload.sampleEveryMs);
  const rejections = new Map<string, number>();
  let sent = 0;
  let outstanding = 0;
  let rejected = 0;
  let delivered = 0;
  let windowFilled = false;
  let wake: (() => void) | undefined;
  // One pair of handlers for every call, so that the benchmark's own memory per outstanding call is
  // a promise reaction, not two closures.
  const settled = () => {
    outstanding--;
    const resume = wake;
    wake = undefined;
    resume?.();
  };
  const onDelivered = () => {
    delivered++;
    settled();
  };
  const onRejected = (error: unknown) => {
    rejected++;
    const reason = reasonOf(error);
    rejections.set(reason, (rejections.get(reason) ?? 0) + 1);
    settled();
  };
  const deadline = started + seconds * 1000;
  while (sent < workload.records && performance.now() < deadline && !stoppedAtRssCap) {
    if (outstanding >= workload.window) {
      windowFilled = true;
      // While the broker is stalled only rejections settle: wait for one, or look at the clock again.
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, STALL_FULL_WINDOW_WAIT_MS);
        wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      continue;
    }
    outstanding++;
    const index = sent++;
    attempt(() => sender.send(keys[index & 1023]!, value)).then(onDelivered, onRejected);
    if (sent % STALL_YIELD_EVERY === 0) await yieldToLoop();
  }
  // Rejections of the last calls come on the next turns of the event loop.
  await yieldToLoop();
  const sentForSeconds = (performance.now() - started) / 1000;
  clearInterval(sampler);
  sample();
  const memory = process.memoryUsage();
  const quarter = samples.find((entry) => entry.atMs >= seconds * 250) ?? samples.at(-1)!;
  const peakOfSamples = Math.max(...samples.map((entry) => entry.rssMb));
  return {
    seconds,
    sentForSeconds,
    stoppedAtRssCap,
    windowFilled,
    sent,
    accepted: sent - rejected,
    rejected,
    delivered,
    rejections: Object.fromEntries(rejections),
    rssStartMb: samples[0]!.rssMb,
    rssQuarterMb: quarter.rssMb,
    rssEndMb: samples.at(-1)!.rssMb,
    rssPeakMb: Math.max(peakOfSamples, process.resourceUsage().maxRSS / 1024),
    heapUsedEndMb: memory.heapUsed / 1048576,
    arrayBuffersEndMb: memory.arrayBuffers / 1048576,
    samples: samples.length,
  };
}

/** The value at quantile `q` of sorted `values` (nearest rank). */
function percentile(sorted: Float64Array, q: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))]!;
}

/** Calls `send`, turning a synchronous throw into a rejection, as a caller awaiting it would see it. */
function attempt(send: () => Promise<unknown>): Promise<unknown> {
  try {
    return send();
  } catch (error) {
    return Promise.reject(error);
  }
}

/** Resolves once every promise settled, or after `timeoutMs`, whichever comes first. */
async function settleWithin(settlements: readonly Promise<void>[], timeoutMs: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, timeoutMs);
  });
  await Promise.race([Promise.all(settlements), timeout]);
  clearTimeout(timer);
}

function reasonOf(error: unknown): string {
  if (error instanceof Error) {
    const code = (error as { code?: unknown }).code;
    return typeof code === 'string' && code !== '' ? code : error.name;
  }
  return typeof error;
}

function describe(error: unknown): string {
  return error instanceof Error ? `${reasonOf(error)}: ${error.message.split('\n')[0]}` : String(error);
}
