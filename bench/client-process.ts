// One benchmark run in its own process, so that CPU time and peak RSS are the client's alone:
// node client-process.js <client> <workload> <bootstrap> <topic> [records (throughput) | seconds
// (L, O, S)] [warm-up records (throughput) | records/s (O)]; prints one JSON line. A warm-up pass
// runs the client's driver once, unmeasured, with that many records to the same topics: the
// runtime (JIT) is warm for the measured pass, which makes its own producer. Each client's module
// is loaded only in its own run, so that no client's CPU or RSS counts another's code. A workload
// over several topics (W1T100) writes to the topics named after <topic> (workloads.ts, topicNames).
import { rssBeforeClientMb } from './rss-baseline.js';
import { measureLatency, measureStall, type RecordSender } from './timed.js';
import { timedWorkloads, topicNames, type Workload, workloads } from './workloads.js';

const [client, workloadName, bootstrap, topic, amount, extra] = process.argv.slice(2);
const base = workloads[workloadName ?? ''];
const timed = timedWorkloads[workloadName ?? ''];
if (!client || (!base && !timed) || !bootstrap || !topic) {
  console.error('usage: client-process <client> <W1|W2|W3|W1P512|W1T100|L|O|S> <bootstrap> <topic> [records | seconds] [warm-up records | records/s]');
  process.exit(2);
}

type Driver = (workload: Workload, topics: readonly string[]) => Promise<void>;

// Throughput (W1, W2, W3, W1P512, W1T100): the clients' own drivers.
const runs: Record<string, () => Promise<Driver>> = {
  'ours (send per record)': async () => {
    const { runOurs } = await import('./clients/ours.js');
    return (workload, topics) => runOurs('records', bootstrap, topics, workload);
  },
  'ours (send 1,000 per call)': async () => {
    const { runOurs } = await import('./clients/ours.js');
    return (workload, topics) => runOurs('batches', bootstrap, topics, workload);
  },
  kafkajs: async () => {
    const { runKafkajs } = await import('./clients/kafkajs.js');
    return (workload, topics) => runKafkajs(bootstrap, topics, workload);
  },
  '@platformatic/kafka': async () => {
    const { runPlatformatic } = await import('./clients/platformatic.js');
    return (workload, topics) => runPlatformatic(bootstrap, topics, workload);
  },
  '@confluentinc/kafka-javascript': async () => {
    const { runConfluent } = await import('./clients/confluent.js');
    return (workload, topics) => runConfluent(bootstrap, topics, workload);
  },
};

// Timed workloads (L, O, S): one record per send(), measured by the shared drivers of timed.ts.
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
    const timetable = { ratePerSecond: timed.ratePerSecond, warmupRecords: timed.warmupRecords, maxRecords: timed.records, settleWaitMs: 60_000 };
    const result = await measureLatency(sender, timed, timetable, seconds);
    await sender.close();
    console.log(JSON.stringify({ client, workload: timed.name, ...result }));
  } else if (timed.kind === 'open-loop') {
    const rate = Number(extra);
    if (!Number.isFinite(rate) || rate <= 0) {
      console.error(`O needs a rate in records/s, got '${extra}'`);
      process.exit(2);
    }
    const timetable = {
      ratePerSecond: rate,
      warmupRecords: Math.round(rate * timed.warmupSeconds),
      maxRecords: timed.records,
      settleWaitMs: Math.max(timed.settleWaitMs, seconds * 1000),
    };
    const result = await measureLatency(sender, timed, timetable, seconds);
    // A client still holding records would keep a graceful close waiting for them: it is left open.
    if (result.unsettled === 0) await sender.close();
    console.log(JSON.stringify({ client, workload: timed.name, ...result, warmupRecords: timetable.warmupRecords, peakRssMb: process.resourceUsage().maxRSS / 1024 }));
  } else {
    const result = await measureStall(sender, timed, seconds);
    // Not closed: the stalled broker would keep a graceful close waiting for the delivery timeout.
    console.log(JSON.stringify({ client, workload: timed.name, ...result }));
  }
  process.exit(0);
}

const workload = amount ? { ...base!, records: Number(amount) } : base!;
const topics = topicNames(topic, workload);
const load = runs[client];
if (!load) {
  console.error(`unknown client '${client}'`);
  process.exit(2);
}
const run = await load();
const warmupRecords = Number(extra ?? 0);
if (warmupRecords > 0) await run({ ...workload, records: warmupRecords }, topics);
const cpuBefore = process.cpuUsage();
const started = process.hrtime.bigint();
await run(workload, topics);
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
    rssBeforeClientMb: rssBeforeClientMb(),
  }),
);
process.exit(0);
