// The benchmark: each client produces each workload in a process of its own, against librdkafka's
// mock cluster, against FakeCluster (in its own process) and, with --brokers kafka, against a
// one-node Apache Kafka 4.x, interleaving clients across runs;
// every throughput and latency run is verified (the topic holds exactly the records sent) and the
// medians are printed: throughput with ratios to each peer, latency next to the broker's own
// response time, memory under a stalled broker. Usage: npm run bench -- [--runs 3] [--quick]
//   [--workloads W1,W2,W3,L,S] [--brokers mock,fake,kafka] [--records N] [--seconds N] [--warm N]
//   [--clients ours,Java,kcat,...]
// --warm N: each throughput run first sends N records unmeasured (the same topic), so that what is
// measured is a warmed-up client, as in a long-running service; 0 (the default) measures it cold.
import { type ChildProcessWithoutNullStreams, execFileSync, spawn, spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { missingPrerequisites, startMockCluster, systemLibrdkafka } from '../test/interop/harness.js';
import { RealKafkaCluster } from '../test/kafka/real-cluster.js';
import { confluentAvailability } from './clients/confluent.js';
import { javaBatchSizes, javaClientsVersion, prepareJavaPeer, runJava } from './clients/java.js';
import type { LatencyResult, StallResult } from './timed.js';
import { countRecords } from './verify.js';
import { type LatencyWorkload, latencyWorkload, type StallWorkload, stallWorkload, timedWorkloads, type Workload, workloads } from './workloads.js';

interface Result {
  readonly client: string;
  readonly workload: string;
  readonly broker: string;
  readonly records: number;
  readonly elapsedMs: number;
  readonly cpuMicrosPerRecord: number | undefined;
  readonly peakRssMb: number | undefined;
}

interface LatencyRun extends LatencyResult {
  readonly client: string;
  readonly broker: string;
}

interface StallRun extends StallResult {
  readonly client: string;
  readonly broker: string;
}

/** Which clients a broker runs, per kind of workload. */
type ClientLists = Readonly<Record<'throughput' | 'latency' | 'stall', readonly string[]>>;

const oursPerRecord = 'ours (send per record)';
const brokerRt = 'broker RT (raw Produce)';
const confluent = '@confluentinc/kafka-javascript';

const here = dirname(fileURLToPath(import.meta.url));
const { values } = parseArgs({
  options: {
    runs: { type: 'string', default: '3' },
    workloads: { type: 'string', default: 'W1,W2,W3,L,S' },
    brokers: { type: 'string', default: 'mock,fake' },
    records: { type: 'string' },
    seconds: { type: 'string' },
    quick: { type: 'boolean', default: false },
    warm: { type: 'string', default: '0' },
    clients: { type: 'string' },
  },
});
// --clients ours,Java: only the clients whose names start with one of these (all by default).
const clientPrefixes = values.clients?.split(',').map((prefix) => prefix.trim().toLowerCase());
const warmupRecords = Number(values.warm);
if (!Number.isInteger(warmupRecords) || warmupRecords < 0) throw new Error(`--warm must be a whole number of records, got '${values.warm}'`);
const runs = values.quick ? 1 : Number(values.runs);
const workloadNames = values.workloads.split(',');
for (const name of workloadNames) {
  if (!workloads[name] && !timedWorkloads[name]) throw new Error(`unknown workload '${name}' (W1, W2, W3, L, S)`);
}
const scale = values.quick ? 0.2 : 1;

// @confluentinc/kafka-javascript is not a dependency (see bench/clients/confluent.ts): it runs the
// throughput workloads when it loads, from CKJS_PATH or node_modules.
function confluentIfLoadable(): string[] {
  if (!workloadNames.some((name) => workloads[name])) return [];
  const load = confluentAvailability();
  if (load.ok) {
    console.log(`${confluent}: librdkafka ${load.version}`);
    return [confluent];
  }
  console.log(`${confluent} skipped: ${load.reason} (install it outside this repository and set CKJS_PATH: docs/performance.md, Reproduce)`);
  return [];
}
const confluentClients = confluentIfLoadable();

// The Java producer runs the throughput workloads when java, javac and mvn are here.
const javaPeer = workloadNames.some((name) => workloads[name]) ? await prepareJavaPeer() : ({ ok: false, reason: 'no throughput workload' } as const);
const javaClient = (label: string) => `Java producer ${javaClientsVersion} (${label})`;
const javaClients = javaPeer.ok ? javaBatchSizes.map((size) => javaClient(size.label)) : [];
if (!javaPeer.ok && workloadNames.some((name) => workloads[name])) console.log(`Java producer skipped: ${javaPeer.reason}`);

interface Broker {
  readonly name: string;
  readonly bootstrap: string;
  readonly clients: ClientLists;
  createTopic(name: string): Promise<void>;
  /** Makes Produce requests naming the topic go unanswered (brokers that run S only). */
  stallTopic?(name: string): Promise<void>;
  stop(): Promise<void>;
}

/** Starts a broker; `fresh` brokers are restarted for every run so that stored data does not pile up. */
interface BrokerFactory {
  readonly fresh: boolean;
  start(): Promise<Broker | undefined>;
}

async function mockBroker(): Promise<Broker | undefined> {
  const missing = missingPrerequisites() ?? (systemLibrdkafka() ? undefined : 'librdkafka-dev (rdkafka_mock.h) is not installed');
  if (missing) {
    console.log(`librdkafka mock cluster skipped: ${missing}`);
    return undefined;
  }
  const cluster = await startMockCluster({ brokers: 1 });
  // @platformatic/kafka needs ApiVersions v3, which librdkafka 2.0.2's mock does not speak, and
  // KafkaJS's idempotent producer asks the controller, which this mock reports as broker 0 (none):
  // both are measured against FakeCluster only. So is the Java producer of kafka-clients 4.4, which
  // this mock disconnects at its first request (and 2.15.1's acknowledges nothing of within a
  // minute). S needs a broker that can be told to stall, which this mock's commands do not offer.
  return {
    name: 'librdkafka mock',
    bootstrap: cluster.bootstrapServers,
    clients: {
      throughput: [oursPerRecord, 'ours (send 1,000 per call)', ...confluentClients, 'kcat'],
      latency: [brokerRt, oursPerRecord],
      stall: [],
    },
    createTopic: async (name) => {
      await cluster.command(`create-topic ${name} 6 1`);
    },
    stop: () => cluster.stop(),
  };
}

async function fakeBroker(): Promise<Broker> {
  const child: ChildProcessWithoutNullStreams = spawn(process.execPath, ['--max-old-space-size=8192', join(here, 'fake-broker.js')]);
  child.stdin.on('error', () => {});
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  const waitFor = (pattern: RegExp) =>
    new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`fake broker did not print ${pattern}`)), 10_000);
      const check = () => {
        const match = pattern.exec(output);
        if (!match) return;
        clearTimeout(timer);
        child.stdout.off('data', check);
        resolve(match[1]!);
      };
      child.stdout.on('data', check);
      check();
    });
  const bootstrap = await waitFor(/BOOTSTRAP (\S+)/);
  return {
    name: 'FakeCluster',
    bootstrap,
    clients: {
      throughput: [oursPerRecord, 'ours (send 1,000 per call)', ...javaClients, 'kafkajs', '@platformatic/kafka', ...confluentClients],
      latency: [brokerRt, oursPerRecord, 'kafkajs', '@platformatic/kafka'],
      stall: [oursPerRecord, 'kafkajs', '@platformatic/kafka'],
    },
    // Created ahead: @platformatic/kafka 1.35 does not wait for an auto-created topic.
    createTopic: async (name) => {
      child.stdin.write(`create ${name}\n`);
      await waitFor(new RegExp(`CREATED (${name})\\b`));
    },
    stallTopic: async (name) => {
      child.stdin.write(`stall ${name}\n`);
      await waitFor(new RegExp(`STALLED (${name})\\b`));
    },
    stop: async () => {
      child.stdin.end();
      await new Promise((resolve) => child.once('exit', resolve));
    },
  };
}

// Apache Kafka 4.x on one node (KRaft), assembled from Maven Central like the e2e suite's clusters.
async function kafkaBroker(): Promise<Broker | undefined> {
  const cluster = new RealKafkaCluster({ version: javaClientsVersion, nodes: 1 });
  try {
    await cluster.start();
  } catch (error) {
    console.log(`Apache Kafka ${javaClientsVersion} skipped: ${failureOf(error)}`);
    await cluster.stop();
    return undefined;
  }
  return {
    name: `Apache Kafka ${javaClientsVersion}`,
    bootstrap: cluster.bootstrapServers,
    clients: {
      throughput: [oursPerRecord, 'ours (send 1,000 per call)', ...javaClients, 'kafkajs', '@platformatic/kafka', ...confluentClients, 'kcat'],
      latency: [brokerRt, oursPerRecord, 'kafkajs', '@platformatic/kafka'],
      stall: [],
    },
    createTopic: (name) => cluster.createTopic(name, 6, 1),
    stop: () => cluster.stop(),
  };
}

/** A throughput run of a client that is not a Node module: kcat, or the Java producer in its own JVM. */
function runExternal(client: string, broker: Broker, topic: string, records: number, workload: Workload): Result | undefined {
  if (client === 'kcat') return runKcat(broker.bootstrap, topic, records, workload.valueSize, workload.compression);
  const size = javaBatchSizes.find((candidate) => javaClient(candidate.label) === client);
  if (!size || !javaPeer.ok) return undefined;
  const run = runJava(javaPeer.classpath, broker.bootstrap, topic, workload, records, size.bytes, warmupRecords);
  return { client, workload: workload.name, broker: broker.name, ...run };
}

function runKcat(bootstrap: string, topic: string, records: number, valueSize: number, compression: string): Result {
  const file = join('/tmp', `kafka-producer-bench-${records}-${valueSize}.txt`);
  const line = `${'k'.repeat(15)}:${'v'.repeat(valueSize)}\n`;
  writeFileSync(file, line.repeat(records));
  const started = process.hrtime.bigint();
  const result = spawnSync('sh', ['-c', `kcat -P -b ${bootstrap} -t ${topic} -K: -z ${compression === 'none' ? 'none' : compression} -X enable.idempotence=true -X acks=all -X linger.ms=5 < ${file}`], { stdio: 'inherit' });
  if (result.status !== 0) throw new Error(`kcat exited with ${result.status}`);
  return { client: 'kcat', workload: '', broker: '', records, elapsedMs: Number(process.hrtime.bigint() - started) / 1e6, cpuMicrosPerRecord: undefined, peakRssMb: undefined };
}

const results: Result[] = [];
const latencyRuns: LatencyRun[] = [];
const stallRuns: StallRun[] = [];
const failures: string[] = [];

/** Runs one client in its own process; `amount` is records (W1-W3) or seconds (L, S). Returns its JSON line. */
function runClient<T>(client: string, workload: string, bootstrap: string, topic: string, amount: number, warmup = 0): T {
  const output = execFileSync(process.execPath, [join(here, 'client-process.js'), client, workload, bootstrap, topic, String(amount), String(warmup)], {
    encoding: 'utf8',
    maxBuffer: 1 << 20,
    timeout: 600_000,
  });
  const last = output.trim().split('\n').at(-1)!;
  return JSON.parse(last) as T;
}

function failureOf(error: unknown): string {
  return error instanceof Error ? (error.message.split('\n')[0] ?? error.name) : String(error);
}

/** L: one client's run, verified like the throughput runs (warm-up records included). */
async function runLatency(broker: Broker, client: string, workload: LatencyWorkload, seconds: number, topic: string, run: number): Promise<void> {
  const result = runClient<LatencyResult>(client, workload.name, broker.bootstrap, topic, seconds);
  const expected = BigInt(result.records + workload.warmupRecords);
  const stored = await countRecords(broker.bootstrap, topic);
  if (stored !== expected || result.errors > 0 || result.unsettled > 0) {
    const errors = result.errors > 0 ? `, ${result.errors} failed (${result.firstError})` : '';
    const unsettled = result.unsettled > 0 ? `, ${result.unsettled} unsettled` : '';
    failures.push(`${client} L on ${broker.name}: sent ${expected}, the topic holds ${stored}${errors}${unsettled}; run not counted`);
    return;
  }
  latencyRuns.push({ ...result, client, broker: broker.name });
  process.stderr.write(`${broker.name} L run ${run + 1}: ${client} p50 ${result.p50Ms.toFixed(2)} ms, p99 ${result.p99Ms.toFixed(2)} ms\n`);
}

/** S: one client's run against a topic whose Produce requests are never answered; nothing to verify. */
async function runStall(broker: Broker, client: string, workload: StallWorkload, seconds: number, topic: string, run: number): Promise<void> {
  await broker.stallTopic!(topic);
  const result = runClient<StallResult>(client, workload.name, broker.bootstrap, topic, seconds);
  stallRuns.push({ ...result, client, broker: broker.name });
  process.stderr.write(
    `${broker.name} S run ${run + 1}: ${client} ${result.accepted} accepted, ${result.rejected} rejected, RSS ${Math.round(result.rssQuarterMb)} MB at 25%, ${Math.round(result.rssEndMb)} MB at the end\n`,
  );
}

function median(numbers: number[]): number {
  const sorted = [...numbers].sort((left, right) => left - right);
  return sorted[Math.floor(sorted.length / 2)]!;
}

const brokers: { name: string; clients: ClientLists }[] = [];
const chosen = (clients: readonly string[]) =>
  clientPrefixes ? clients.filter((client) => clientPrefixes.some((prefix) => client.toLowerCase().startsWith(prefix))) : clients;
const withChosenClients =
  (start: () => Promise<Broker | undefined>) =>
  async (): Promise<Broker | undefined> => {
    const broker = await start();
    if (!broker) return undefined;
    const { throughput, latency, stall } = broker.clients;
    return { ...broker, clients: { throughput: chosen(throughput), latency: chosen(latency), stall: chosen(stall) } };
  };
const factories: BrokerFactory[] = values.brokers.split(',').map((name) => {
  if (name === 'mock') return { fresh: false, start: withChosenClients(mockBroker) };
  if (name === 'fake') return { fresh: true, start: withChosenClients(fakeBroker) };
  if (name === 'kafka') return { fresh: false, start: withChosenClients(kafkaBroker) };
  throw new Error(`unknown broker '${name}' (mock, fake, kafka)`);
});
let topicNumber = 0;
for (const factory of factories) {
  let broker = await factory.start();
  if (!broker) continue;
  brokers.push({ name: broker.name, clients: broker.clients });
  for (const workloadName of workloadNames) {
    const workload = workloads[workloadName];
    const timed = timedWorkloads[workloadName];
    const clients = workload ? broker.clients.throughput : broker.clients[timed!.kind];
    if (clients.length === 0) continue;
    const records = workload ? Math.round(Number(values.records ?? workload.records) * scale) : 0;
    const seconds = timed ? Number(values.seconds ?? (values.quick ? timed.quickSeconds : timed.seconds)) : 0;
    for (let run = 0; run < runs; run++) {
      if (factory.fresh && (run > 0 || workloadName !== workloadNames[0])) {
        await broker.stop();
        broker = (await factory.start())!;
      }
      // Interleaved: every client once per run, in a rotating order.
      const order = clients.map((_, index) => clients[(index + run) % clients.length]!);
      for (const client of order) {
        const topic = `bench-${process.pid}-${topicNumber++}`;
        await broker.createTopic(topic);
        try {
          if (timed?.kind === 'latency') {
            await runLatency(broker, client, timed, seconds, topic, run);
            continue;
          }
          if (timed?.kind === 'stall') {
            await runStall(broker, client, timed, seconds, topic, run);
            continue;
          }
          const result =
            runExternal(client, broker, topic, records, workload!) ?? runClient<Result>(client, workload!.name, broker.bootstrap, topic, records, warmupRecords);
          // kcat, a native program with nothing to warm up, sends the measured records only.
          const sent = records + (client === 'kcat' ? 0 : warmupRecords);
          const stored = await countRecords(broker.bootstrap, topic);
          if (stored !== BigInt(sent)) {
            failures.push(`${client} ${workload!.name} on ${broker.name}: sent ${sent}, the topic holds ${stored}; run not counted`);
            continue;
          }
          results.push({ ...result, workload: workload!.name, broker: broker.name });
          process.stderr.write(`${broker.name} ${workload!.name} run ${run + 1}: ${client} ${Math.round((records / result.elapsedMs) * 1000)} rec/s\n`);
        } catch (error) {
          failures.push(`${client} ${workloadName} on ${broker.name}: ${failureOf(error)}`);
        }
      }
    }
  }
  await broker.stop();
}

function printLatency(broker: { name: string; clients: ClientLists }): void {
  const mine = (client: string) => latencyRuns.filter((run) => run.broker === broker.name && run.client === client);
  const rows = broker.clients.latency
    .filter((client) => mine(client).length > 0)
    .map((client) => {
      const runsOf = mine(client);
      const of = (pick: (run: LatencyRun) => number) => median(runsOf.map(pick));
      return {
        client,
        lingerMs: runsOf[0]!.lingerMs,
        p50: of((run) => run.p50Ms),
        p99: of((run) => run.p99Ms),
        max: of((run) => run.maxMs),
        late: `${of((run) => run.lateP50Ms).toFixed(2)} / ${of((run) => run.lateP99Ms).toFixed(2)}`,
        records: runsOf[0]!.records,
      };
    });
  if (rows.length === 0) return;
  const rt = rows.find((row) => row.client === brokerRt);
  const { ratePerSecond } = latencyWorkload;
  console.log(`### L on ${broker.name}: ${ratePerSecond.toLocaleString('en-US')} records/s, one per send(), ${rows[0]!.records.toLocaleString('en-US')} records, acks=all, idempotent\n`);
  console.log('| client | linger ms | p50 ms | broker RT p50 + linger | p99 ms | broker RT p99 + linger | max ms | send() late p50 / p99 ms |');
  console.log('|---|---|---|---|---|---|---|---|');
  const plus = (base: number | undefined, lingerMs: number | undefined) => (base === undefined ? 'n/a' : (base + (lingerMs ?? 0)).toFixed(2));
  for (const row of rows) {
    const linger = row.client === brokerRt ? 'n/a' : row.lingerMs === undefined ? 'none' : String(row.lingerMs);
    console.log(
      `| ${row.client} | ${linger} | ${row.p50.toFixed(2)} | ${plus(rt?.p50, row.lingerMs)} | ${row.p99.toFixed(2)} | ${plus(rt?.p99, row.lingerMs)} | ${row.max.toFixed(2)} | ${row.late} |`,
    );
  }
  const mineRow = rows.find((row) => row.client === oursPerRecord);
  if (rt && mineRow) {
    const linger = mineRow.lingerMs ?? 0;
    const verdict = (value: number, bound: number) => `${value.toFixed(2)} ms against at most ${bound.toFixed(2)} ms: ${value <= bound ? 'met' : 'missed'}`;
    console.log(`\nTargets for ours: p50 within lingerMs + 1 ms of broker RT, ${verdict(mineRow.p50, rt.p50 + linger + 1)}; p99 within lingerMs + 5 ms, ${verdict(mineRow.p99, rt.p99 + linger + 5)}.`);
  }
  console.log('');
}

function printStall(broker: { name: string; clients: ClientLists }): void {
  const mine = (client: string) => stallRuns.filter((run) => run.broker === broker.name && run.client === client);
  const clients = broker.clients.stall.filter((client) => mine(client).length > 0);
  if (clients.length === 0) return;
  const { window, rssCapMb } = stallWorkload;
  console.log(`### S on ${broker.name}: Produce never answered, one record per send(), up to ${window.toLocaleString('en-US')} outstanding, ${mine(clients[0]!)[0]!.seconds} s\n`);
  console.log('| client | send() calls | accepted | rejected | RSS start MB | RSS at 25% MB | RSS end MB | RSS peak MB | heap / buffers at end MB | notes (last run) |');
  console.log('|---|---|---|---|---|---|---|---|---|---|');
  const count = (value: number) => Math.round(value).toLocaleString('en-US');
  for (const client of clients) {
    const runsOf = mine(client);
    const of = (pick: (run: StallRun) => number) => median(runsOf.map(pick));
    const last = runsOf.at(-1)!;
    const notes = Object.entries(last.rejections).map(([reason, times]) => `${reason} ${count(times)}`);
    // A full window means the client never pushed back: its memory is bounded here by the benchmark's window only.
    if (last.windowFilled) notes.push('window full');
    if (last.stoppedAtRssCap) notes.push(`stopped at the ${rssCapMb} MB RSS cap after ${last.sentForSeconds.toFixed(1)} s`);
    const memory = `${Math.round(of((run) => run.heapUsedEndMb))} / ${Math.round(of((run) => run.arrayBuffersEndMb))}`;
    console.log(
      `| ${client} | ${count(of((run) => run.sent))} | ${count(of((run) => run.accepted))} | ${count(of((run) => run.rejected))} | ${Math.round(of((run) => run.rssStartMb))} | ${Math.round(of((run) => run.rssQuarterMb))} | ${Math.round(of((run) => run.rssEndMb))} | ${Math.round(of((run) => run.rssPeakMb))} | ${memory} | ${notes.join('; ') || 'none'} |`,
    );
  }
  console.log('');
}

const warmth = warmupRecords > 0 ? `warm: each client sent ${warmupRecords.toLocaleString('en-US')} records unmeasured first` : 'cold: each client measured from its first record';
console.log(`\n## Results (${new Date().toISOString().slice(0, 10)}, Node ${process.version}, median of ${runs} run(s), ${warmth})\n`);
for (const broker of brokers) {
  for (const workloadName of workloadNames.filter((name) => workloads[name])) {
    const rows = broker.clients.throughput
      .map((client) => {
        const mine = results.filter((result) => result.broker === broker.name && result.workload === workloadName && result.client === client);
        if (mine.length === 0) return undefined;
        const perSecond = median(mine.map((result) => (result.records / result.elapsedMs) * 1000));
        const cpu = mine[0]!.cpuMicrosPerRecord === undefined ? undefined : median(mine.map((result) => result.cpuMicrosPerRecord!));
        const rss = mine[0]!.peakRssMb === undefined ? undefined : median(mine.map((result) => result.peakRssMb!));
        const bytes = workloads[workloadName]!.valueSize + workloads[workloadName]!.keySize;
        return { client, perSecond, megabytes: (perSecond * bytes) / 1e6, cpu, rss };
      })
      .filter((row) => row !== undefined);
    if (rows.length === 0) continue;
    console.log(`### ${workloadName} on ${broker.name}\n`);
    console.log('| client | records/s | MB/s | CPU µs/record | peak RSS MB | ours (per record) / this | ours (1,000 per call) / this |');
    console.log('|---|---|---|---|---|---|---|');
    const perRecord = rows.find((row) => row.client === oursPerRecord)?.perSecond;
    const perCall = rows.find((row) => row.client === 'ours (send 1,000 per call)')?.perSecond;
    for (const row of rows) {
      const ratio = (ours: number | undefined) => (ours === undefined ? '' : `${(ours / row.perSecond).toFixed(2)}x`);
      console.log(
        `| ${row.client} | ${Math.round(row.perSecond).toLocaleString('en-US')} | ${row.megabytes.toFixed(1)} | ${row.cpu === undefined ? 'n/a' : row.cpu.toFixed(2)} | ${row.rss === undefined ? 'n/a' : Math.round(row.rss)} | ${ratio(perRecord)} | ${ratio(perCall)} |`,
      );
    }
    console.log('');
  }
}
for (const broker of brokers) {
  if (workloadNames.includes('L')) printLatency(broker);
  if (workloadNames.includes('S')) printStall(broker);
}
if (failures.length > 0) {
  console.log('### Runs not counted\n');
  for (const failure of failures) console.log(`- ${failure}`);
}
process.exit(0);
