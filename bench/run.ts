// The benchmark: each client produces each workload in a process of its own, against librdkafka's
// mock cluster and against FakeCluster (in its own process), interleaving clients across runs;
// every run is verified (the topic holds exactly the records sent) and the medians are printed with
// ratios to each peer. Usage: npm run bench -- [--runs 3] [--workloads W1,W2,W3] [--quick]
//   [--brokers mock,fake] [--records N]
import { type ChildProcessWithoutNullStreams, execFileSync, spawn, spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { librdkafkaAvailable, startMockCluster } from '../test/interop/harness.js';
import { countRecords } from './verify.js';
import { workloads } from './workloads.js';

interface Result {
  readonly client: string;
  readonly workload: string;
  readonly broker: string;
  readonly records: number;
  readonly elapsedMs: number;
  readonly cpuMicrosPerRecord: number | undefined;
  readonly peakRssMb: number | undefined;
}

const here = dirname(fileURLToPath(import.meta.url));
const { values } = parseArgs({
  options: {
    runs: { type: 'string', default: '3' },
    workloads: { type: 'string', default: 'W1,W2,W3' },
    brokers: { type: 'string', default: 'mock,fake' },
    records: { type: 'string' },
    quick: { type: 'boolean', default: false },
  },
});
const runs = values.quick ? 1 : Number(values.runs);
const workloadNames = values.workloads.split(',');
const scale = values.quick ? 0.2 : 1;

interface Broker {
  readonly name: string;
  readonly bootstrap: string;
  readonly clients: readonly string[];
  createTopic(name: string): Promise<void>;
  stop(): Promise<void>;
}

/** Starts a broker; `fresh` brokers are restarted for every run so that stored data does not pile up. */
interface BrokerFactory {
  readonly fresh: boolean;
  start(): Promise<Broker | undefined>;
}

async function mockBroker(): Promise<Broker | undefined> {
  const availability = librdkafkaAvailable();
  if (!availability.ok) {
    console.log(`librdkafka mock cluster skipped: ${availability.reason}`);
    return undefined;
  }
  const cluster = await startMockCluster({ brokers: 1 });
  // @platformatic/kafka needs ApiVersions v3, which librdkafka 2.0.2's mock does not speak, and
  // KafkaJS's idempotent producer asks the controller, which this mock reports as broker 0 (none):
  // both are measured against FakeCluster only.
  return {
    name: 'librdkafka mock',
    bootstrap: cluster.bootstrapServers,
    clients: ['ours (send per record)', 'ours (send 1,000 per call)', 'kcat'],
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
    clients: ['ours (send per record)', 'ours (send 1,000 per call)', 'kafkajs', '@platformatic/kafka'],
    // Created ahead: @platformatic/kafka 1.35 does not wait for an auto-created topic.
    createTopic: async (name) => {
      child.stdin.write(`create ${name}\n`);
      await waitFor(new RegExp(`CREATED (${name})\\b`));
    },
    stop: async () => {
      child.stdin.end();
      await new Promise((resolve) => child.once('exit', resolve));
    },
  };
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

function runClient(client: string, workload: string, bootstrap: string, topic: string, records: number): Result {
  const output = execFileSync(process.execPath, [join(here, 'client-process.js'), client, workload, bootstrap, topic, String(records)], {
    encoding: 'utf8',
    maxBuffer: 1 << 20,
    timeout: 600_000,
  });
  const last = output.trim().split('\n').at(-1)!;
  return JSON.parse(last) as Result;
}

function median(numbers: number[]): number {
  const sorted = [...numbers].sort((left, right) => left - right);
  return sorted[Math.floor(sorted.length / 2)]!;
}

const results: Result[] = [];
const failures: string[] = [];
const brokers: { name: string; clients: readonly string[] }[] = [];
const factories: BrokerFactory[] = values.brokers.split(',').map((name) =>
  name === 'mock' ? { fresh: false, start: mockBroker } : { fresh: true, start: fakeBroker },
);
let topicNumber = 0;
for (const factory of factories) {
  let broker = await factory.start();
  if (!broker) continue;
  brokers.push({ name: broker.name, clients: broker.clients });
  for (const workloadName of workloadNames) {
    const workload = workloads[workloadName]!;
    const records = Math.round(Number(values.records ?? workload.records) * scale);
    for (let run = 0; run < runs; run++) {
      if (factory.fresh && (run > 0 || workloadName !== workloadNames[0])) {
        await broker.stop();
        broker = (await factory.start())!;
      }
      // Interleaved: every client once per run, in a rotating order.
      const clients = broker.clients;
      const order = clients.map((_, index) => clients[(index + run) % clients.length]!);
      for (const client of order) {
        const topic = `bench-${process.pid}-${topicNumber++}`;
        await broker.createTopic(topic);
        try {
          const result =
            client === 'kcat' ? runKcat(broker.bootstrap, topic, records, workload.valueSize, workload.compression) : runClient(client, workload.name, broker.bootstrap, topic, records);
          const stored = await countRecords(broker.bootstrap, topic);
          if (stored !== BigInt(records)) {
            failures.push(`${client} ${workload.name} on ${broker.name}: sent ${records}, the topic holds ${stored}; run not counted`);
            continue;
          }
          results.push({ ...result, workload: workload.name, broker: broker.name });
          process.stderr.write(`${broker.name} ${workload.name} run ${run + 1}: ${client} ${Math.round((records / result.elapsedMs) * 1000)} rec/s\n`);
        } catch (error) {
          failures.push(`${client} ${workload.name} on ${broker.name}: ${error instanceof Error ? error.message.split('\n')[0] : String(error)}`);
        }
      }
    }
  }
  await broker.stop();
}

console.log(`\n## Results (${new Date().toISOString().slice(0, 10)}, Node ${process.version}, median of ${runs} run(s))\n`);
for (const broker of brokers) {
  for (const workloadName of workloadNames) {
    const rows = broker.clients
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
    const perRecord = rows.find((row) => row.client === 'ours (send per record)')?.perSecond;
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
if (failures.length > 0) {
  console.log('### Runs not counted\n');
  for (const failure of failures) console.log(`- ${failure}`);
}
process.exit(0);
