// One benchmark run in its own process, so that CPU time and peak RSS are the client's alone:
// node client-process.js <client> <workload> <bootstrap> <topic>; prints one JSON line.
import { runKafkajs } from './clients/kafkajs.js';
import { runOurs } from './clients/ours.js';
import { runPlatformatic } from './clients/platformatic.js';
import { workloads } from './workloads.js';

const [client, workloadName, bootstrap, topic, recordsOverride] = process.argv.slice(2);
const base = workloads[workloadName ?? ''];
if (!client || !base || !bootstrap || !topic) {
  console.error('usage: client-process <client> <W1|W2|W3> <bootstrap> <topic> [records]');
  process.exit(2);
}
const workload = recordsOverride ? { ...base, records: Number(recordsOverride) } : base;
const cpuBefore = process.cpuUsage();
const started = process.hrtime.bigint();
const runs: Record<string, () => Promise<void>> = {
  'ours (send per record)': () => runOurs('records', bootstrap, topic, workload),
  'ours (send 1,000 per call)': () => runOurs('batches', bootstrap, topic, workload),
  kafkajs: () => runKafkajs(bootstrap, topic, workload),
  '@platformatic/kafka': () => runPlatformatic(bootstrap, topic, workload),
};
const run = runs[client];
if (!run) {
  console.error(`unknown client '${client}'`);
  process.exit(2);
}
await run();
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
