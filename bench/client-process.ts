// One benchmark run in its own process, so that CPU time and peak RSS are the client's alone:
// node client-process.js <client> <workload> <bootstrap> <topic> [records (W1-W3) | seconds (L, S)]
// [warm-up records (W1-W3)]; prints one JSON line. A warm-up pass runs the client's driver once,
// unmeasured, with that many records to the same topic: the runtime (JIT) is warm for the measured
// pass, which makes its own producer. Each client's module is loaded only in its own run, so that no client's CPU
// or RSS counts another's code.
import { measureLatency, measureStall, type RecordSender } from './timed.js';
import { timedWorkloads, workloads } from './workloads.js';

const [client, workloadName, bootstrap, topic, amount, warmup] = process.argv.slice(2);
const base = workloads[workloadName ?? ''];
const timed = timedWorkloads[workloadName ?? ''];
if (!client || (!base && !timed) || !bootstrap || !topic) {
  console.error('usage: client-process <client> <W1|W2|W3|L|S> <bootstrap> <topic> [records | seconds] [warm-up records]');
  process.exit(2);
}

// Throughput (W1-W3): the clients' own drivers.
const runs: Record<string, () => Promise<(workload: NonNullable<typeof base>) => Promise<void>>> = {
  'ours (send per record)': async () => {
    const { runOurs } = await import('./clients/ours.js');
    return (workload) => runOurs('records', bootstrap, topic, workload);
  },
  'ours (send 1,000 per call)': async () => {
    const { runOurs } = await import('./clients/ours.js');
    return (workload) => runOurs('batches', bootstrap, topic, workload);
  },
  kafkajs: async () => {
    const { runKafkajs } = await import('./clients/kafkajs.js');
    return (workload) => runKafkajs(bootstrap, topic, workload);
  },
  '@platformatic/kafka': async () => {
    const { runPlatformatic } = await import('./clients/platformatic.js');
    return (workload) => runPlatformatic(bootstrap, topic, workload);
  },
  '@confluentinc/kafka-javascript': async () => {
    const { runConfluent } = await import('./clients/confluent.js');
    return (workload) => runConfluent(bootstrap, topic, workload);
  },
};

// Timed workloads (L, S): one record per send(), measured by the shared drivers of timed.ts.
const senders: Record<string, () => Promise<RecordSender>> = {
  'ours (send per record)': async () => (await import('./clients/ours.js')).oursRecordSender(bootstrap, topic),
  kafkajs: async () => (await import('./clients/kafkajs.js')).kafkajsRecordSender(bootstrap, topic),
  '@platformatic/kafka': async () => (await import('./clients/platformatic.js')).platformaticRecordSender(bootstrap, topic),
  'broker RT (raw Produce)': async () => (await import('./clients/raw-produce.js')).rawProduceSender(bootstrap, topic),
};

if (timed) {
  const connect = senders[client];
  if (!connect) {
    console.error(`client '${client}' has no ${timed.name} driver`);
    process.exit(2);
  }
  const seconds = amount ? Number(amount) : timed.seconds;
  const sender = await connect();
  if (timed.kind === 'latency') {
    const result = await measureLatency(sender, timed, seconds);
    await sender.close();
    console.log(JSON.stringify({ client, workload: timed.name, ...result }));
  } else {
    const result = await measureStall(sender, timed, seconds);
    // Not closed: the stalled broker would keep a graceful close waiting for the delivery timeout.
    console.log(JSON.stringify({ client, workload: timed.name, ...result }));
  }
  process.exit(0);
}

const workload = amount ? { ...base!, records: Number(amount) } : base!;
const load = runs[client];
if (!load) {
  console.error(`unknown client '${client}'`);
  process.exit(2);
}
const run = await load();
const warmupRecords = Number(warmup ?? 0);
if (warmupRecords > 0) await run({ ...workload, records: warmupRecords });
const cpuBefore = process.cpuUsage();
const started = process.hrtime.bigint();
await run(workload);
const elapsedMs = Number(process.hrtime.bigint() - started) / 1e6;
const cpu = process.cpuUsage(cpuBefore);
console.log(
  JSON.stringify({
    client,
    workload: workload.name,
    records: workload.records,
    elapsedMs,
    cpuMicrosPerRecord: (cpu.user + cpu.system) / workload.records,
    peakRssMb: process.resourceUsage().maxRSS / 1024,
  }),
);
process.exit(0);
