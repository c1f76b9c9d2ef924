// One benchmark run in its own process, so that CPU time and peak RSS are the client's alone:
// node client-process.js <client> <workload> <bootstrap> <topic>; prints one JSON line.
// Each client's module is loaded only in its own run, so that no client's CPU or RSS counts
// another's code.
import { workloads } from './workloads.js';

const [client, workloadName, bootstrap, topic, recordsOverride] = process.argv.slice(2);
const base = workloads[workloadName ?? ''];
if (!client || !base || !bootstrap || !topic) {
  console.error('usage: client-process <client> <W1|W2|W3> <bootstrap> <topic> [records]');
  process.exit(2);
}
const workload = recordsOverride ? { ...base, records: Number(recordsOverride) } : base;
const runs: Record<string, () => Promise<() => Promise<void>>> = {
  'ours (send per record)': async () => {
    const { runOurs } = await import('./clients/ours.js');
    return () => runOurs('records', bootstrap, topic, workload);
  },
  'ours (send 1,000 per call)': async () => {
    const { runOurs } = await import('./clients/ours.js');
    return () => runOurs('batches', bootstrap, topic, workload);
  },
  kafkajs: async () => {
    const { runKafkajs } = await import('./clients/kafkajs.js');
    return () => runKafkajs(bootstrap, topic, workload);
  },
  '@platformatic/kafka': async () => {
    const { runPlatformatic } = await import('./clients/platformatic.js');
    return () => runPlatformatic(bootstrap, topic, workload);
  },
};
const load = runs[client];
if (!load) {
  console.error(`unknown client '${client}'`);
  process.exit(2);
}
const run = await load();
const cpuBefore = process.cpuUsage();
const started = process.hrtime.bigint();
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
