// Interop harness: runs tests against an independent broker (librdkafka's mock cluster,
// driven by mock-cluster.c) and reads produced data back with independent readers
// (librdkafka's consumer via read-back.c, and a raw Fetch reader for batch headers). Both C
// programs are compiled once per librdkafka build (librdkafka-versions.ts): the system's and a
// recent one; a cluster's read-back uses the consumer of the same build.

// What is observable:
// - readBack(): every record's partition, offset, timestamp (+ type), key, value and
//   headers (duplicates and order kept, null vs empty distinguished), checked by
//   librdkafka with check.crcs=true.
// - readBatchHeaders(): per stored batch: base offset, last offset delta, producer id,
//   producer epoch, base sequence, attributes (compression, transactional, control,
//   timestamp type), base/max timestamp, partition leader epoch, record count and whether
//   the CRC-32C is valid. The mock stores batches verbatim (it only rewrites the base
//   offset), so these are the values the producer sent.
// - Transaction markers: librdkafka 2.0.2's mock writes none; 2.15's writes a COMMIT or ABORT
//   control batch per partition of the transaction, without a CRC (see mock-behaviour.test.ts).
// What is not observable: the mock's per-producer sequence state, its transaction state, and
// requests it rejected (only the log and the mock's answers can be seen).

import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { accessSync, constants, existsSync, mkdirSync, renameSync, rmSync, statSync } from 'node:fs';
import type { Socket } from 'node:net';
import { delimiter, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type InteropTarget, interopTargets, type LibrdkafkaBuild, systemLibrdkafka } from './librdkafka-versions.js';
import { parseBootstrap, type ReadBatchesOptions, readBatches, type StoredBatch } from './wire.js';

export { buildOf, type InteropTarget, type LibrdkafkaBuild, systemLibrdkafka } from './librdkafka-versions.js';
export { parseBootstrap, type StoredBatch } from './wire.js';

/** Source folder test/interop, found from this module whether run from .build or not. */
function interopSourceDir(): string {
  const here = dirname(fileURLToPath(import.meta.url));
  const candidates = [here, resolve(here, '../../../test/interop'), resolve(process.cwd(), 'test/interop')];
  for (const dir of candidates) {
    if (existsSync(join(dir, 'mock-cluster.c'))) return dir;
  }
  throw new Error(`cannot find test/interop/mock-cluster.c (looked in ${candidates.join(', ')})`);
}

function onPath(command: string): string | null {
  for (const dir of (process.env['PATH'] ?? '').split(delimiter)) {
    if (!dir) continue;
    const candidate = join(dir, command);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not here
    }
  }
  return null;
}

/** What the interop suites need besides a librdkafka build (a C compiler, kcat), or undefined. */
export function missingPrerequisites(): string | undefined {
  const missing: string[] = [];
  if (!onPath('cc')) missing.push('cc not on PATH');
  if (!onPath('kcat')) missing.push('kcat not on PATH');
  try {
    interopSourceDir();
  } catch (error) {
    missing.push(error instanceof Error ? error.message : String(error));
  }
  return missing.length === 0 ? undefined : missing.join('; ');
}

/**
 * The librdkafka builds each interop suite runs against, with the reason a suite is skipped (off
 * CI only). Builds the recent librdkafka on first use.
 */
export function interopSuites(): Promise<InteropTarget[]> {
  return interopTargets(missingPrerequisites());
}

/** The system's librdkafka, used when no build is named. */
function defaultBuild(): LibrdkafkaBuild {
  const system = systemLibrdkafka();
  if (!system) throw new Error('librdkafka-dev (rdkafka_mock.h) is not installed');
  return system;
}

const builds = new Map<string, Promise<string>>();

/** Compiles test/interop/<name>.c into test/interop/bin/<build id>/<name> unless that is newer. */
function buildTool(name: string, librdkafka: LibrdkafkaBuild): Promise<string> {
  const key = `${librdkafka.id}/${name}`;
  const existing = builds.get(key);
  if (existing) return existing;
  const build = (async () => {
    const dir = interopSourceDir();
    const source = join(dir, `${name}.c`);
    const binDir = join(dir, 'bin', librdkafka.id);
    const output = join(binDir, name);
    if (existsSync(output)) {
      const built = statSync(output).mtimeMs;
      if (built >= statSync(source).mtimeMs && built >= librdkafka.libraryMtimeMs) return output;
    }
    mkdirSync(binDir, { recursive: true });
    // Compile to a private name and rename, so concurrent test files never see a partial binary.
    const temporary = `${output}.${process.pid}.${Date.now()}.tmp`;
    const result = await run('cc', ['-O1', ...librdkafka.compileFlags, '-o', temporary, source, ...librdkafka.linkFlags], { timeoutMs: 120_000 });
    if (result.code !== 0) {
      rmSync(temporary, { force: true });
      throw new Error(`compiling ${source} against ${librdkafka.label} failed (exit ${result.code}):\n${result.stderr}`);
    }
    renameSync(temporary, output);
    return output;
  })();
  builds.set(key, build);
  build.catch(() => builds.delete(key));
  return build;
}

/** Path of the compiled mock-cluster program (built on first use). */
export function buildMockCluster(librdkafka: LibrdkafkaBuild = defaultBuild()): Promise<string> {
  return buildTool('mock-cluster', librdkafka);
}

/** Path of the compiled read-back consumer (built on first use). */
export function buildReadBack(librdkafka: LibrdkafkaBuild = defaultBuild()): Promise<string> {
  return buildTool('read-back', librdkafka);
}

interface RunResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: Buffer;
  stderr: string;
}

/** Runs a program to completion with a hard time limit; never rejects on exit status. */
function run(
  command: string,
  args: string[],
  options: { input?: Buffer | string; timeoutMs: number },
): Promise<RunResult> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(command, args, { stdio: ['pipe', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    let err = '';
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, options.timeoutMs);
    child.stdout.on('data', (chunk: Buffer) => out.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => {
      if (err.length < 256 * 1024) err += chunk.toString('utf8');
    });
    child.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      if (timedOut) {
        reject(new Error(`${command} ${args.join(' ')} timed out after ${options.timeoutMs} ms\n${err}`));
        return;
      }
      resolvePromise({ code, signal, stdout: Buffer.concat(out), stderr: err });
    });
    child.stdin.on('error', () => {
      // the program may exit before reading all input; its exit status tells the story
    });
    child.stdin.end(options.input ?? '');
  });
}

export interface MockTopic {
  name: string;
  partitions: number;
  /** Replicas per partition (librdkafka 2.0.2's mock ignores it and uses min(3, brokers)). */
  replicationFactor?: number;
}

export interface MockClusterOptions {
  /** Whose mock cluster runs; the system's librdkafka by default. */
  librdkafka?: LibrdkafkaBuild;
  brokers?: number;
  topics?: MockTopic[];
  /** How long to wait for the BOOTSTRAP line. */
  startTimeoutMs?: number;
  /** Per-command answer timeout. */
  commandTimeoutMs?: number;
  /** librdkafka debug=mock,protocol logging to the captured stderr; also feeds requests(). */
  debug?: boolean;
}

export interface MockBroker {
  id: number;
  host: string;
  port: number;
}

export interface MockCluster {
  /** The librdkafka build whose mock this is (read-back uses its consumer too). */
  librdkafka: LibrdkafkaBuild;
  bootstrapServers: string;
  /** Brokers in id order (ids 1..N, as the mock numbers them). */
  brokers: MockBroker[];
  /**
   * Sends one command line, e.g. `leader t 0 2`, `broker-down 1`, `rtt 2 500`,
   * `push-errors 0 2 NOT_LEADER_FOR_PARTITION 6`, `broker-push-errors 1 0 1 0:800`,
   * `broker-error-count 1 0`, `clear-errors 0`, `topic-error t 3`,
   * `create-topic t 3 3`, `coordinator transaction tx1 2`, `apiversion 0 0 5`,
   * `follower t 0 3`, `rack 1 r1`, `ping`. Error codes may be numbers or librdkafka names.
   * Resolves with the text after `OK` (e.g. the count of `broker-error-count`), rejects
   * on `ERR`. Note: once a broker has its own error stack for an API key (broker-push-errors),
   * the cluster-wide stack (push-errors) is no longer consulted for that key on that broker,
   * and clear-errors only clears the cluster-wide stack.
   */
  command(line: string): Promise<string>;
  /** Sends `quit` and waits for the process to exit (kills it if it does not). */
  stop(): Promise<void>;
  /** The process's captured stderr so far (librdkafka logs), for failure messages. */
  stderr(): string;
  /**
   * With `debug`: how many requests the mock received, by API and version, e.g. `Produce v10`, as
   * its log names them (ApiVersions is `ApiVersion` there).
   */
  requests(): Map<string, number>;
}

const live = new Set<ChildProcessWithoutNullStreams>();
let exitHookInstalled = false;

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.once('exit', () => {
    for (const child of live) child.kill('SIGKILL');
  });
}

/** Keeps the event loop alive only while an answer from the child is awaited. */
function setRef(child: ChildProcessWithoutNullStreams, ref: boolean): void {
  const out = child.stdout as unknown as Socket;
  if (ref) {
    child.ref();
    out.ref();
  } else {
    child.unref();
    out.unref();
  }
  (child.stderr as unknown as Socket).unref();
  (child.stdin as unknown as Socket).unref();
}

interface Waiter {
  resolve: (text: string) => void;
  reject: (error: Error) => void;
  timer: NodeJS.Timeout;
  line: string;
}

/** Starts a mock cluster process on 127.0.0.1 with the given brokers and topics. */
export async function startMockCluster(options: MockClusterOptions = {}): Promise<MockCluster> {
  const librdkafka = options.librdkafka ?? defaultBuild();
  const binary = await buildMockCluster(librdkafka);
  const brokerCount = options.brokers ?? 3;
  const args = ['--brokers', String(brokerCount)];
  for (const topic of options.topics ?? []) {
    if (!/^[A-Za-z0-9._-]+$/.test(topic.name)) throw new Error(`bad topic name '${topic.name}'`);
    args.push('--topic', `${topic.name}:${topic.partitions}:${topic.replicationFactor ?? Math.min(3, brokerCount)}`);
  }
  if (options.debug) args.push('--debug');
  const commandTimeoutMs = options.commandTimeoutMs ?? 10_000;

  const child = spawn(binary, args, { stdio: ['pipe', 'pipe', 'pipe'] });
  live.add(child);
  installExitHook();

  let stderr = '';
  let stderrLine = '';
  const requests = new Map<string, number>();
  let pendingLine = '';
  let exited = false;
  const waiters: Waiter[] = [];
  let onBootstrap: ((servers: string) => void) | null = null;
  let onStartFailure: ((error: Error) => void) | null = null;
  const exitPromise = new Promise<void>((resolveExit) => {
    child.once('exit', () => {
      exited = true;
      live.delete(child);
      resolveExit();
    });
  });

  const failAll = (error: Error): void => {
    for (const waiter of waiters.splice(0)) {
      clearTimeout(waiter.timer);
      waiter.reject(error);
    }
    onStartFailure?.(error);
  };

  child.stderr.on('data', (chunk: Buffer) => {
    const text = chunk.toString('utf8');
    stderr += text;
    if (stderr.length > 256 * 1024) stderr = stderr.slice(-128 * 1024);
    if (!options.debug) return;
    // Counted as the lines arrive: the kept log is cut short on long runs.
    const lines = (stderrLine + text).split('\n');
    stderrLine = lines.pop() ?? '';
    for (const line of lines) {
      const received = /Received (\w+)RequestV(\d+) from/.exec(line);
      if (received) requests.set(`${received[1]} v${received[2]}`, (requests.get(`${received[1]} v${received[2]}`) ?? 0) + 1);
    }
  });
  child.stdin.on('error', () => {
    // reported through exit
  });
  child.on('error', (error) => failAll(error));
  child.on('exit', (code, signal) => {
    failAll(new Error(`mock-cluster exited (code ${code}, signal ${signal})\n${stderr.slice(-4000)}`));
  });
  child.stdout.on('data', (chunk: Buffer) => {
    pendingLine += chunk.toString('utf8');
    let newline = pendingLine.indexOf('\n');
    // Each turn handles one complete line; ends when no newline remains.
    while (newline >= 0) {
      const line = pendingLine.slice(0, newline).replace(/\r$/, '');
      pendingLine = pendingLine.slice(newline + 1);
      newline = pendingLine.indexOf('\n');
      if (onBootstrap) {
        if (line.startsWith('BOOTSTRAP ')) onBootstrap(line.slice('BOOTSTRAP '.length).trim());
        continue;
      }
      const waiter = waiters.shift();
      if (!waiter) continue;
      clearTimeout(waiter.timer);
      if (waiters.length === 0) setRef(child, false);
      if (line === 'OK' || line.startsWith('OK ')) waiter.resolve(line.slice(3));
      else waiter.reject(new Error(`mock-cluster '${waiter.line}': ${line}`));
    }
  });

  // Each topic is created through the mock's own thread, some 250 ms apiece on a busy machine.
  const startTimeoutMs = options.startTimeoutMs ?? 30_000;
  let bootstrapServers: string;
  try {
    bootstrapServers = await new Promise<string>((resolveStart, rejectStart) => {
      const timer = setTimeout(() => {
        rejectStart(new Error(`mock-cluster gave no BOOTSTRAP line within ${startTimeoutMs} ms\n${stderr}`));
      }, startTimeoutMs);
      onBootstrap = (servers) => {
        clearTimeout(timer);
        resolveStart(servers);
      };
      onStartFailure = (error) => {
        clearTimeout(timer);
        rejectStart(error);
      };
    });
  } catch (error) {
    child.kill('SIGKILL');
    throw error;
  } finally {
    onBootstrap = null;
    onStartFailure = null;
  }
  setRef(child, false);

  const command = (line: string): Promise<string> => {
    if (/[\r\n]/.test(line)) return Promise.reject(new Error('a command is a single line'));
    if (exited) return Promise.reject(new Error(`mock-cluster has exited; cannot run '${line}'`));
    return new Promise<string>((resolveCommand, rejectCommand) => {
      const timer = setTimeout(() => {
        const index = waiters.findIndex((w) => w.timer === timer);
        if (index >= 0) waiters.splice(index, 1);
        // Answers are matched by order, so after a lost answer the process is unusable.
        child.kill('SIGKILL');
        rejectCommand(new Error(`mock-cluster gave no answer to '${line}' within ${commandTimeoutMs} ms`));
      }, commandTimeoutMs);
      waiters.push({ resolve: resolveCommand, reject: rejectCommand, timer, line });
      setRef(child, true);
      child.stdin.write(`${line}\n`);
    });
  };

  const stop = async (): Promise<void> => {
    if (exited) return;
    try {
      await command('quit');
    } catch {
      // exits anyway below
    }
    child.stdin.end();
    setRef(child, true);
    const killTimer = setTimeout(() => child.kill('SIGKILL'), 5_000);
    await exitPromise;
    clearTimeout(killTimer);
  };

  const brokers = parseBootstrap(bootstrapServers).map((address, index) => ({ id: index + 1, ...address }));
  return { librdkafka, bootstrapServers, brokers, command, stop, stderr: () => stderr, requests: () => new Map(requests) };
}

/**
 * Starts a mock cluster and runs `setup` on it (leaders, error stacks). A failed start or setup is
 * written to stderr at once, with the mock's own log, so it shows next to the test output, and is
 * tried once more on a fresh process: a machine under load can be slow to start a process, and a
 * suite's hook failure alone names no cause.
 */
export async function startPreparedMockCluster(
  options: MockClusterOptions,
  setup: (cluster: MockCluster) => Promise<void> = async () => {},
  attempts = 2,
): Promise<MockCluster> {
  let lastError: unknown;
  for (let attempt = 1; attempt <= attempts; attempt++) {
    let cluster: MockCluster | undefined;
    try {
      cluster = await startMockCluster(options);
      await setup(cluster);
      return cluster;
    } catch (error) {
      lastError = error;
      const log = cluster?.stderr().slice(-4000) ?? '';
      console.error(`mock cluster start, attempt ${attempt} of ${attempts}, failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}${log ? `\nmock-cluster log:\n${log}` : ''}`);
      await cluster?.stop().catch(() => {});
    }
  }
  throw lastError;
}

export interface ReadBackRecord {
  partition: number;
  offset: bigint;
  key: Buffer | null;
  value: Buffer | null;
  headers: [string, Buffer | null][];
  /** Milliseconds since the epoch (-1 if none). */
  timestamp: number;
  timestampType: 'create' | 'logappend' | 'none';
}

export interface ReadBackOptions {
  timeoutMs?: number;
  /** Default read_uncommitted (the mock writes no transaction markers anyway). */
  isolation?: 'read_committed' | 'read_uncommitted';
  /** Extra librdkafka consumer properties (they override check.crcs=true and the like). */
  config?: Record<string, string>;
  /** Whose consumer reads, when given servers rather than a cluster; the system's by default. */
  librdkafka?: LibrdkafkaBuild;
}

function hexOrNull(value: unknown, what: string): Buffer | null {
  if (value === null) return null;
  if (typeof value !== 'string' || !/^(?:[0-9a-f]{2})*$/.test(value)) throw new Error(`read-back: bad ${what}`);
  return Buffer.from(value, 'hex');
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Reads every record of `topic` (or of one partition) with librdkafka's consumer, from the
 * log start to the high watermark as of the call. Sorted by partition, then offset. Given a
 * cluster, the consumer is that of the cluster's librdkafka build.
 * Note: asking for an unknown topic makes the mock auto-create it (empty result).
 */
export async function readBack(
  from: MockCluster | string,
  topic: string,
  partition?: number,
  options: ReadBackOptions = {},
): Promise<ReadBackRecord[]> {
  const bootstrapServers = typeof from === 'string' ? from : from.bootstrapServers;
  const librdkafka = typeof from === 'string' ? (options.librdkafka ?? defaultBuild()) : from.librdkafka;
  const binary = await buildReadBack(librdkafka);
  const timeoutMs = options.timeoutMs ?? 15_000;
  const args = ['-b', bootstrapServers, '-t', topic, '--timeout-ms', String(timeoutMs)];
  if (partition !== undefined) args.push('-p', String(partition));
  args.push('--isolation', options.isolation ?? 'read_uncommitted');
  for (const [key, value] of Object.entries(options.config ?? {})) args.push('-X', `${key}=${value}`);
  const result = await run(binary, args, { timeoutMs: timeoutMs + 10_000 });
  if (result.code !== 0) {
    throw new Error(`read-back of ${topic} failed (exit ${result.code ?? result.signal}):\n${result.stderr}`);
  }
  const records: ReadBackRecord[] = [];
  let done: number | null = null;
  for (const line of result.stdout.toString('utf8').split('\n')) {
    if (line.length === 0) continue;
    const parsed: unknown = JSON.parse(line);
    if (!isObject(parsed)) throw new Error(`read-back: unexpected line ${line}`);
    if (parsed['done'] === true) {
      done = Number(parsed['count']);
      continue;
    }
    const headers = parsed['headers'];
    if (!Array.isArray(headers)) throw new Error(`read-back: bad headers in ${line}`);
    const tsType = parsed['timestampType'];
    records.push({
      partition: Number(parsed['partition']),
      offset: BigInt(String(parsed['offset'])),
      key: hexOrNull(parsed['key'], 'key'),
      value: hexOrNull(parsed['value'], 'value'),
      headers: headers.map((pair: unknown): [string, Buffer | null] => {
        if (!Array.isArray(pair) || pair.length !== 2) throw new Error(`read-back: bad header in ${line}`);
        const name = hexOrNull(pair[0], 'header name');
        return [name === null ? '' : name.toString('utf8'), hexOrNull(pair[1], 'header value')];
      }),
      timestamp: Number(parsed['timestamp']),
      timestampType: tsType === 'create' || tsType === 'logappend' ? tsType : 'none',
    });
  }
  if (done === null || done !== records.length) {
    throw new Error(`read-back of ${topic} ended early (${records.length} records, done=${done})\n${result.stderr}`);
  }
  return records.sort((a, b) => a.partition - b.partition || (a.offset < b.offset ? -1 : a.offset > b.offset ? 1 : 0));
}

/** Stored batch headers of one partition (producer id, epoch, base sequence, ...). */
export function readBatchHeaders(
  bootstrapServers: string,
  topic: string,
  partition: number,
  options: ReadBatchesOptions = {},
): Promise<StoredBatch[]> {
  return readBatches(bootstrapServers, topic, partition, options);
}

export interface KcatRecord {
  /** Null or omitted: no key. Must be non-empty and free of tab/newline. */
  key?: string | null;
  /** Null: a null value. Must be non-empty and free of newline. */
  value: string | null;
}

export interface KcatProduceOptions {
  /** Fixed partition; omitted lets kcat's partitioner choose. */
  partition?: number;
  /** Headers added to every record (kcat has no per-record headers). Names without '='. */
  headers?: [string, string][];
  /** Extra librdkafka producer properties, e.g. { 'enable.idempotence': 'true' }. */
  config?: Record<string, string>;
  timeoutMs?: number;
}

/**
 * Produces records with kcat (librdkafka's producer), one line per record, key and value
 * split by a tab. kcat's -Z makes empty keys/values null, so empty strings are refused.
 */
export async function produceWithKcat(
  bootstrapServers: string,
  topic: string,
  records: KcatRecord[],
  options: KcatProduceOptions = {},
): Promise<void> {
  const lines: string[] = [];
  for (const record of records) {
    const key = record.key ?? null;
    if (key !== null && (key.length === 0 || /[\t\n]/.test(key))) throw new Error(`kcat cannot send key ${JSON.stringify(key)}`);
    if (record.value !== null && (record.value.length === 0 || record.value.includes('\n'))) {
      throw new Error(`kcat cannot send value ${JSON.stringify(record.value)}`);
    }
    lines.push(`${key ?? ''}\t${record.value ?? ''}\n`);
  }
  const args = ['-P', '-b', bootstrapServers, '-t', topic, '-K', '\\t', '-D', '\\n', '-Z', '-m', '10'];
  if (options.partition !== undefined) args.push('-p', String(options.partition));
  for (const [name, value] of options.headers ?? []) {
    if (name.includes('=')) throw new Error(`kcat header name cannot contain '=': ${name}`);
    args.push('-H', `${name}=${value}`);
  }
  for (const [key, value] of Object.entries(options.config ?? {})) args.push('-X', `${key}=${value}`);
  const result = await run('kcat', args, { input: lines.join(''), timeoutMs: options.timeoutMs ?? 30_000 });
  if (result.code !== 0 || /Delivery failed/.test(result.stderr)) {
    throw new Error(`kcat produce to ${topic} failed (exit ${result.code ?? result.signal}):\n${result.stderr}`);
  }
}
