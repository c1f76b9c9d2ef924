// The benchmark: each client produces each workload in a process of its own, against librdkafka's
// mock cluster, against FakeCluster (in its own process) and, with --brokers kafka, against a
// one-node Apache Kafka 4.x, interleaving clients across runs;
// every throughput and latency run is verified (the topics hold exactly the records sent) and the
// medians are printed: throughput with ratios to each peer (and an SVG chart of it), the scaling
// from W1 to W1P512 and W1T100, latency next to the broker's own response time, open-loop latency
// at several rates, memory under a stalled broker. Usage: npm run bench -- [--runs 3] [--quick]
//   [--workloads W1,W2,W3,W1P512,W1T100,L,O,S] [--brokers mock,fake,kafka] [--records N]
//   [--seconds N] [--rates 1000,10000,50000] [--warm N] [--clients ours,Java,kcat,...]
//   [--svg bench-results.svg] [--node /path/to/node] [--node-versions 22,24,current]
//   [--journal always|interval|none]
// --journal: this package's clients run with the journal option (sync policy as given; a fresh
// directory per client process under the system's temporary directory) and print the bytes they
// wrote to disk per record; compare with a run without it for the journal's cost.
// --warm N: each throughput run first sends N records unmeasured (the same topics), so that what is
// measured is a warmed-up client, as in a long-running service; 0 (the default) measures it cold.
// --node / --node-versions: this package's client processes run under each of these Node binaries
// (versions are installed from npm on first use: node-runtimes.ts), each a client of its own,
// labelled with its version; the other clients, the brokers and the runner stay on this Node.
import { type ChildProcessWithoutNullStreams, execFileSync, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { missingPrerequisites, startMockCluster, systemLibrdkafka } from '../test/interop/harness.js';
import { RealKafkaCluster } from '../test/kafka/real-cluster.js';
import { confluentAvailability } from './clients/confluent.js';
import { javaBatchSizes, javaClientsVersion, prepareJavaPeer, runJava, runJavaLatency } from './clients/java.js';
import { nodeRuntimes } from './node-runtimes.js';
import { median, type OpenLoopRun, printOpenLoop, printScaling, printThroughput, type Skip, type ThroughputResult, writeThroughputChart } from './report.js';
import type { LatencyResult, OpenLoopResult, StallResult } from './timed.js';
import { countRecords } from './verify.js';
import {
  type LatencyWorkload,
  latencyWorkload,
  type OpenLoopWorkload,
  openLoopWorkload,
  partitionsOf,
  type StallWorkload,
  stallWorkload,
  timedWorkloads,
  topicNames,
  type Workload,
  workloads,
} from './workloads.js';

type Result = ThroughputResult;

interface LatencyRun extends LatencyResult {
  readonly client: string;
  readonly broker: string;
}

interface StallRun extends StallResult {
  readonly client: string;
  readonly broker: string;
}

/** Which clients a broker runs, per kind of workload. */
type ClientLists = Readonly<Record<'throughput' | 'latency' | 'open-loop' | 'stall', readonly string[]>>;

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
    rates: { type: 'string' },
    svg: { type: 'string', default: 'bench-results.svg' },
    node: { type: 'string' },
    'node-versions': { type: 'string' },
    journal: { type: 'string' },
  },
});
// The client processes inherit the environment: bench/clients/ours.ts reads these.
if (values.journal !== undefined) {
  if (!['always', 'interval', 'none'].includes(values.journal)) throw new Error(`--journal must be always, interval or none, got '${values.journal}'`);
  process.env.BENCH_JOURNAL_DIRECTORY = mkdtempSync(join(tmpdir(), 'bench-journal-'));
  process.env.BENCH_JOURNAL_SYNC = values.journal;
  process.on('exit', () => rmSync(process.env.BENCH_JOURNAL_DIRECTORY!, { recursive: true, force: true }));
}
// --clients ours,Java: only the clients whose names start with one of these (all by default).
const clientPrefixes = values.clients?.split(',').map((prefix) => prefix.trim().toLowerCase());
const warmupRecords = Number(values.warm);
if (!Number.isInteger(warmupRecords) || warmupRecords < 0) throw new Error(`--warm must be a whole number of records, got '${values.warm}'`);
const runs = values.quick ? 1 : Number(values.runs);
const workloadNames = values.workloads.split(',');
for (const name of workloadNames) {
  if (!workloads[name] && !timedWorkloads[name]) throw new Error(`unknown workload '${name}' (${[...Object.keys(workloads), ...Object.keys(timedWorkloads)].join(', ')})`);
}
const scale = values.quick ? 0.2 : 1;
const rates = values.rates === undefined ? openLoopWorkload.rates : values.rates.split(',').map((rate) => Number(rate.trim()));
if (rates.length === 0 || rates.some((rate) => !Number.isFinite(rate) || rate <= 0 || rate > 1_000_000)) {
  throw new Error(`--rates takes records per second above 0 and at most 1,000,000, separated by commas (e.g. 1000,10000,50000), got '${values.rates}'`);
}
const hasThroughput = workloadNames.some((name) => workloads[name]);
const hasOpenLoop = workloadNames.includes('O');

// This package's clients under other Node versions: each is a client of its own, named with its version.
const runtimes = nodeRuntimes(values.node, values['node-versions']);
const variants = new Map<string, { readonly base: string; readonly path: string }>();
const baseOf = (client: string) => variants.get(client)?.base ?? client;
function withRuntimes(clients: readonly string[]): string[] {
  if (runtimes.length === 0) return [...clients];
  return clients.flatMap((client) => {
    if (!client.startsWith('ours')) return [client];
    return runtimes.map((runtime) => {
      const name = `${client} on Node ${runtime.version}`;
      variants.set(name, { base: client, path: runtime.path });
      return name;
    });
  });
}

// @confluentinc/kafka-javascript is not a dependency (see bench/clients/confluent.ts): it runs the
// throughput workloads when it loads, from CKJS_PATH or node_modules.
function confluentIfLoadable(): string[] {
  if (!hasThroughput) return [];
  const load = confluentAvailability();
  if (load.ok) {
    console.log(`${confluent}: librdkafka ${load.version}`);
    return [confluent];
  }
  console.log(`${confluent} skipped: ${load.reason} (install it outside this repository and set CKJS_PATH: docs/performance.md, Reproduce)`);
  return [];
}
const confluentClients = confluentIfLoadable();

// The Java producer runs the throughput workloads and O when java, javac and mvn are here; in O at
// its default batch size (16 KiB).
const javaPeer = hasThroughput || hasOpenLoop ? await prepareJavaPeer() : ({ ok: false, reason: 'no throughput workload and no O' } as const);
const javaClient = (label: string) => `Java producer ${javaClientsVersion} (${label})`;
const javaClients = javaPeer.ok ? javaBatchSizes.map((size) => javaClient(size.label)) : [];
const javaOpenLoop = javaClient(javaBatchSizes[0].label);
const javaOpenLoopClients = javaPeer.ok ? [javaOpenLoop] : [];
if (!javaPeer.ok && (hasThroughput || hasOpenLoop)) console.log(`Java producer skipped: ${javaPeer.reason}`);

interface Broker {
  readonly name: string;
  readonly bootstrap: string;
  readonly clients: ClientLists;
  /** Creates fresh topics of `partitions` partitions each, replication factor 1. */
  createTopics(names: readonly string[], partitions: number): Promise<void>;
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
      'open-loop': [oursPerRecord],
      stall: [],
    },
    createTopics: async (names, partitions) => {
      for (const name of names) await cluster.command(`create-topic ${name} ${partitions} 1`);
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
        if (match[0].startsWith('ERROR')) {
          clearTimeout(timer);
          child.stdout.off('data', check);
          reject(new Error(match[0]));
          return;
        }
        clearTimeout(timer);
        child.stdout.off('data', check);
        resolve(match[1]!);
      };
      child.stdout.on('data', check);
      check();
    });
  const bootstrap = await waitFor(/^BOOTSTRAP (\S+)$/m);
  return {
    name: 'FakeCluster',
    bootstrap,
    clients: {
      throughput: [oursPerRecord, 'ours (send 1,000 per call)', ...javaClients, 'kafkajs', '@platformatic/kafka', ...confluentClients],
      latency: [brokerRt, oursPerRecord, 'kafkajs', '@platformatic/kafka'],
      'open-loop': [oursPerRecord, ...javaOpenLoopClients, 'kafkajs', '@platformatic/kafka'],
      stall: [oursPerRecord, 'kafkajs', '@platformatic/kafka'],
    },
    // Created ahead: @platformatic/kafka 1.35 does not wait for an auto-created topic. Answers are
    // matched whole lines: topic names of a workload over several topics extend the base name.
    createTopics: async (names, partitions) => {
      for (const name of names) {
        child.stdin.write(`create ${name} ${partitions}\n`);
        await waitFor(new RegExp(`^(?:CREATED (${name})|ERROR create ${name}:.*)$`, 'm'));
      }
    },
    stallTopic: async (name) => {
      child.stdin.write(`stall ${name}\n`);
      await waitFor(new RegExp(`^STALLED (${name})$`, 'm'));
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
      'open-loop': [oursPerRecord, ...javaOpenLoopClients, 'kafkajs', '@platformatic/kafka'],
      stall: [],
    },
    // Ten at a time: each creation waits for the topic's leaders, which Kafka elects in parallel.
    createTopics: async (names, partitions) => {
      for (let index = 0; index < names.length; index += 10) {
        await Promise.all(names.slice(index, index + 10).map((name) => cluster.createTopic(name, partitions, 1)));
      }
    },
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
  const elapsedMs = Number(process.hrtime.bigint() - started) / 1e6;
  return { client: 'kcat', workload: '', broker: '', records, elapsedMs, cpuMicrosPerRecord: undefined, peakRssMb: undefined, rssBeforeClientMb: undefined };
}

/** Why `client` cannot run `workload`, or undefined when it can. */
function cannotRun(client: string, workload: Workload): string | undefined {
  if (client === 'kcat' && (workload.topics ?? 1) > 1) return 'kcat produces to the one topic its -t names';
  return undefined;
}

const results: Result[] = [];
const latencyRuns: LatencyRun[] = [];
const openLoopRuns: OpenLoopRun[] = [];
const stallRuns: StallRun[] = [];
const skips: Skip[] = [];
const failures: string[] = [];

/**
 * Runs one client in its own process (under its own Node when it is one of ours on another version);
 * `amount` is records (throughput) or seconds (L, O, S), `extra` warm-up records (throughput) or
 * records/s (O). Returns its JSON line.
 */
function runClient<T>(client: string, workload: string, bootstrap: string, topic: string, amount: number, extra = 0): T {
  const variant = variants.get(client);
  // BENCH_CLIENT_NODE_ARGS: Node flags for the client processes, e.g. '--cpu-prof --cpu-prof-dir=DIR' to profile them.
  const nodeArgs = process.env.BENCH_CLIENT_NODE_ARGS?.split(' ').filter(Boolean) ?? [];
  const args = [...nodeArgs, join(here, 'client-process.js'), variant?.base ?? client, workload, bootstrap, topic, String(amount), String(extra)];
  const output = execFileSync(variant?.path ?? process.execPath, args, {
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

/**
 * O: one client's run at one rate. A run whose records all settled is verified (the topic holds
 * them and the warm-up's); one that fell behind or failed cannot be (records may still be on
 * their way) and is reported as it is, with a note, since falling behind is what O shows.
 */
async function runOpenLoop(broker: Broker, client: string, workload: OpenLoopWorkload, rate: number, seconds: number, topic: string, run: number): Promise<void> {
  const result =
    client === javaOpenLoop && javaPeer.ok
      ? runJavaLatency(javaPeer.classpath, broker.bootstrap, topic, workload, rate, seconds)
      : runClient<OpenLoopResult>(client, workload.name, broker.bootstrap, topic, seconds, rate);
  if (result.errors === 0 && result.unsettled === 0) {
    const expected = BigInt(result.records + result.warmupRecords);
    const stored = await countRecords(broker.bootstrap, topic);
    if (stored !== expected) {
      failures.push(`${client} O at ${rate}/s on ${broker.name}: sent ${expected}, the topic holds ${stored}; run not counted`);
      return;
    }
  }
  openLoopRuns.push({ ...result, client, broker: broker.name });
  const behind = result.unsettled > 0 ? `, ${result.unsettled} unacknowledged` : '';
  process.stderr.write(
    `${broker.name} O ${rate}/s run ${run + 1}: ${client} achieved ${Math.round(result.achievedPerSecond)}/s, p50 ${result.p50Ms.toFixed(2)} ms, p99.9 ${result.p999Ms.toFixed(2)} ms${behind}\n`,
  );
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

/** A throughput run of one client: its records, verified over every topic of the workload. */
async function runThroughput(broker: Broker, client: string, workload: Workload, records: number, topic: string, run: number): Promise<void> {
  const topics = topicNames(topic, workload);
  const result = runExternal(client, broker, topic, records, workload) ?? runClient<Result>(client, workload.name, broker.bootstrap, topic, records, warmupRecords);
  // kcat, a native program with nothing to warm up, sends the measured records only.
  const sent = records + (client === 'kcat' ? 0 : warmupRecords);
  const stored = await countRecords(broker.bootstrap, topics);
  if (stored !== BigInt(sent)) {
    failures.push(`${client} ${workload.name} on ${broker.name}: sent ${sent}, the topic${topics.length > 1 ? 's hold' : ' holds'} ${stored}; run not counted`);
    return;
  }
  results.push({ ...result, client, workload: workload.name, broker: broker.name });
  process.stderr.write(`${broker.name} ${workload.name} run ${run + 1}: ${client} ${Math.round((records / result.elapsedMs) * 1000)} rec/s\n`);
}

const brokers: { name: string; clients: ClientLists }[] = [];
const chosen = (clients: readonly string[]) =>
  withRuntimes(clientPrefixes ? clients.filter((client) => clientPrefixes.some((prefix) => client.toLowerCase().startsWith(prefix))) : clients);
const withChosenClients =
  (start: () => Promise<Broker | undefined>) =>
  async (): Promise<Broker | undefined> => {
    const broker = await start();
    if (!broker) return undefined;
    const { throughput, latency, stall } = broker.clients;
    return { ...broker, clients: { throughput: chosen(throughput), latency: chosen(latency), 'open-loop': chosen(broker.clients['open-loop']), stall: chosen(stall) } };
  };
const factories: BrokerFactory[] = values.brokers.split(',').map((name) => {
  if (name === 'mock') return { fresh: false, start: withChosenClients(mockBroker) };
  if (name === 'fake') return { fresh: true, start: withChosenClients(fakeBroker) };
  if (name === 'kafka') return { fresh: false, start: withChosenClients(kafkaBroker) };
  throw new Error(`unknown broker '${name}' (mock, fake, kafka)`);
});
let topicNumber = 0;
const nextTopic = () => `bench-${process.pid}-${topicNumber++}`;
for (const factory of factories) {
  let broker = await factory.start();
  if (!broker) continue;
  brokers.push({ name: broker.name, clients: broker.clients });
  // A fresh broker is restarted before every stage (a run of a workload; for O a run at one rate)
  // but the first, so that what earlier stages stored does not weigh on later ones.
  let used = false;
  const stage = async (): Promise<Broker> => {
    if (factory.fresh && used) {
      await broker!.stop();
      broker = (await factory.start())!;
    }
    used = true;
    return broker!;
  };
  for (const workloadName of workloadNames) {
    const workload = workloads[workloadName];
    const timed = timedWorkloads[workloadName];
    const clients = workload ? broker.clients.throughput : broker.clients[timed!.kind];
    if (clients.length === 0) continue;
    const records = workload ? Math.round(Number(values.records ?? workload.records) * scale) : 0;
    const seconds = timed ? Number(values.seconds ?? (values.quick ? timed.quickSeconds : timed.seconds)) : 0;
    const runnable = workload
      ? clients.filter((client) => {
          const reason = cannotRun(baseOf(client), workload);
          if (reason) skips.push({ broker: broker!.name, workload: workload.name, client, reason });
          return reason === undefined;
        })
      : clients;
    for (let run = 0; run < runs; run++) {
      // Interleaved: every client once per run, in a rotating order.
      const order = runnable.map((_, index) => runnable[(index + run) % runnable.length]!);
      if (timed?.kind === 'open-loop') {
        for (const rate of rates) {
          const current = await stage();
          for (const client of order) {
            const topic = nextTopic();
            try {
              await current.createTopics([topic], 6);
              await runOpenLoop(current, client, timed, rate, seconds, topic, run);
            } catch (error) {
              failures.push(`${client} O at ${rate}/s on ${current.name}: ${failureOf(error)}`);
            }
          }
        }
        continue;
      }
      const current = await stage();
      for (const client of order) {
        const topic = nextTopic();
        try {
          await current.createTopics(workload ? topicNames(topic, workload) : [topic], workload ? partitionsOf(workload) : 6);
          if (timed?.kind === 'latency') await runLatency(current, client, timed, seconds, topic, run);
          else if (timed?.kind === 'stall') await runStall(current, client, timed, seconds, topic, run);
          else await runThroughput(current, client, workload!, records, topic, run);
        } catch (error) {
          failures.push(`${client} ${workloadName} on ${current.name}: ${failureOf(error)}`);
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
  const mineRow = rows.find((row) => baseOf(row.client) === oursPerRecord);
  if (rt && mineRow) {
    const linger = mineRow.lingerMs ?? 0;
    const verdict = (value: number, bound: number) => `${value.toFixed(2)} ms against at most ${bound.toFixed(2)} ms: ${value <= bound ? 'met' : 'missed'}`;
    console.log(
      `\nTargets for ${mineRow.client}: p50 within lingerMs + 1 ms of broker RT, ${verdict(mineRow.p50, rt.p50 + linger + 1)}; p99 within lingerMs + 5 ms, ${verdict(mineRow.p99, rt.p99 + linger + 5)}.`,
    );
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
const oursOn =
  (runtimes.length > 0 ? `, ours under ${runtimes.map((runtime) => `Node ${runtime.version}`).join(' and ')}` : '') +
  (values.journal === undefined ? '' : `, ours with the journal (sync: '${values.journal}')`);
const heading = `Results (${new Date().toISOString().slice(0, 10)}, Node ${process.version}${oursOn}, median of ${runs} run(s), ${warmth})`;
console.log(`\n## ${heading}\n`);
const throughputNames = workloadNames.filter((name) => workloads[name]);
const references = { perRecord: oursPerRecord, perCall: 'ours (send 1,000 per call)', baseOf };
for (const broker of brokers) {
  for (const workloadName of throughputNames) printThroughput(results, broker.name, workloadName, broker.clients.throughput, references);
  printScaling(results, skips, broker.name, workloadNames, broker.clients.throughput);
}
for (const broker of brokers) {
  if (workloadNames.includes('L')) printLatency(broker);
  if (hasOpenLoop) {
    const seconds = Number(values.seconds ?? (values.quick ? openLoopWorkload.quickSeconds : openLoopWorkload.seconds));
    printOpenLoop(openLoopRuns, broker.name, broker.clients['open-loop'], rates, openLoopWorkload, seconds);
  }
  if (workloadNames.includes('S')) printStall(broker);
}
if (skips.length > 0) {
  console.log('### Not run\n');
  for (const skip of skips) console.log(`- ${skip.client} ${skip.workload} on ${skip.broker}: ${skip.reason}`);
  console.log('');
}
if (failures.length > 0) {
  console.log('### Runs not counted\n');
  for (const failure of failures) console.log(`- ${failure}`);
  console.log('');
}
const chartBrokers = brokers.map((broker) => ({ name: broker.name, clients: broker.clients.throughput }));
const chart = writeThroughputChart(values.svg, ['kafka-producer benchmark: throughput and peak RSS', heading], results, chartBrokers, throughputNames);
console.log(chart ? `Chart: ${chart}` : 'Chart: no throughput results to draw');
process.exit(0);
