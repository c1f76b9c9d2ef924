// The benchmark's throughput, scaling and open-loop tables (Markdown, on stdout) and its SVG chart,
// from the runs that counted. Each figure is the median over runs; memory is shown as min / median
// / max, since one run's peak RSS can differ from the next by more than the difference between
// clients.
import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { barChartSvg, type ChartGroup, type ChartPanel, compactNumber } from './chart.js';
import type { OpenLoopResult } from './timed.js';
import { type OpenLoopWorkload, workloads } from './workloads.js';

export interface ThroughputResult {
  readonly client: string;
  readonly workload: string;
  readonly broker: string;
  readonly records: number;
  readonly elapsedMs: number;
  readonly cpuMicrosPerRecord: number | undefined;
  readonly peakRssMb: number | undefined;
  /** RSS just before the client was constructed (modules loaded, nothing sent). */
  readonly rssBeforeClientMb: number | undefined;
}

export interface OpenLoopRun extends OpenLoopResult {
  readonly client: string;
  readonly broker: string;
}

/** A client that did not run a workload on a broker, and why. */
export interface Skip {
  readonly broker: string;
  readonly workload: string;
  readonly client: string;
  readonly reason: string;
}

/** The names the ratio columns divide by, and how a client's name reads without its Node label. */
export interface References {
  readonly perRecord: string;
  readonly perCall: string;
  /** The client's name without a Node version label (ours run under several Node versions). */
  readonly baseOf: (client: string) => string;
}

export function median(numbers: readonly number[]): number {
  const sorted = [...numbers].sort((left, right) => left - right);
  return sorted[Math.floor(sorted.length / 2)]!;
}

interface Spread {
  readonly min: number;
  readonly median: number;
  readonly max: number;
}

function spread(numbers: readonly number[]): Spread | undefined {
  if (numbers.length === 0) return undefined;
  return { min: Math.min(...numbers), median: median(numbers), max: Math.max(...numbers) };
}

function showSpread(value: Spread | undefined): string {
  if (!value) return 'n/a';
  return `${Math.round(value.min)} / ${Math.round(value.median)} / ${Math.round(value.max)}`;
}

const count = (value: number) => Math.round(value).toLocaleString('en-US');
const recordsPerSecond = (result: ThroughputResult) => (result.records / result.elapsedMs) * 1000;

interface ThroughputRow {
  readonly client: string;
  readonly perSecond: Spread;
  readonly cpu: number | undefined;
  readonly rss: Spread | undefined;
  readonly own: Spread | undefined;
}

function throughputRows(results: readonly ThroughputResult[], broker: string, workload: string, clients: readonly string[]): ThroughputRow[] {
  return clients
    .map((client) => {
      const mine = results.filter((result) => result.broker === broker && result.workload === workload && result.client === client);
      if (mine.length === 0) return undefined;
      const defined = (values: (number | undefined)[]) => values.filter((value): value is number => value !== undefined);
      const cpu = defined(mine.map((result) => result.cpuMicrosPerRecord));
      const own = defined(mine.map((result) => (result.peakRssMb === undefined || result.rssBeforeClientMb === undefined ? undefined : result.peakRssMb - result.rssBeforeClientMb)));
      return {
        client,
        perSecond: spread(mine.map(recordsPerSecond))!,
        cpu: cpu.length === 0 ? undefined : median(cpu),
        rss: spread(defined(mine.map((result) => result.peakRssMb))),
        own: spread(own),
      };
    })
    .filter((row) => row !== undefined);
}

/** The table of one throughput workload on one broker. */
export function printThroughput(results: readonly ThroughputResult[], broker: string, workload: string, clients: readonly string[], references: References): void {
  const rows = throughputRows(results, broker, workload, clients);
  if (rows.length === 0) return;
  const definition = workloads[workload]!;
  console.log(`### ${workload} on ${broker}\n`);
  const perRecord = rows.find((row) => references.baseOf(row.client) === references.perRecord);
  const perCall = rows.find((row) => references.baseOf(row.client) === references.perCall);
  // With ours under several Node versions, the ratios divide the first of them.
  const named = (row: ThroughputRow | undefined, short: string) => (row && row.client !== references.baseOf(row.client) ? row.client : short);
  console.log(
    `| client | records/s | MB/s | CPU µs/record | peak RSS MB (min / median / max) | own MB: peak RSS − RSS before the client (min / median / max) | ${named(perRecord, 'ours (per record)')} / this | ${named(perCall, 'ours (1,000 per call)')} / this |`,
  );
  console.log('|---|---|---|---|---|---|---|---|');
  for (const row of rows) {
    const ratio = (ours: ThroughputRow | undefined) => (ours === undefined ? '' : `${(ours.perSecond.median / row.perSecond.median).toFixed(2)}x`);
    const megabytes = (row.perSecond.median * (definition.valueSize + definition.keySize)) / 1e6;
    console.log(
      `| ${row.client} | ${count(row.perSecond.median)} | ${megabytes.toFixed(1)} | ${row.cpu === undefined ? 'n/a' : row.cpu.toFixed(2)} | ${showSpread(row.rss)} | ${showSpread(row.own)} | ${ratio(perRecord)} | ${ratio(perCall)} |`,
    );
  }
  console.log('');
}

/** W1P512 and W1T100 against W1 for each client that ran them on this broker. */
export function printScaling(results: readonly ThroughputResult[], skips: readonly Skip[], broker: string, workloadNames: readonly string[], clients: readonly string[]): void {
  const scaled = ['W1P512', 'W1T100'].filter((name) => workloadNames.includes(name));
  if (scaled.length === 0) return;
  const perSecond = (client: string, workload: string) => {
    const mine = results.filter((result) => result.broker === broker && result.workload === workload && result.client === client);
    return mine.length === 0 ? undefined : median(mine.map(recordsPerSecond));
  };
  const rows = clients.filter((client) => ['W1', ...scaled].some((workload) => perSecond(client, workload) !== undefined || skips.some((skip) => skip.broker === broker && skip.client === client && skip.workload === workload)));
  if (rows.length === 0) return;
  const shape = (name: string) => {
    const topics = workloads[name]!.topics ?? 1;
    return `${name}: ${topics} topic${topics === 1 ? '' : 's'} × ${workloads[name]!.partitions ?? 6} partitions`;
  };
  console.log(`### Partition and topic scaling on ${broker} (W1's records; ${scaled.map(shape).join(', ')}; W1: 1 topic × 6 partitions)\n`);
  console.log(`| client | W1 records/s | ${scaled.map((name) => `${name} records/s | ${name} / W1`).join(' | ')} |`);
  console.log(`|---|---|${scaled.map(() => '---|---|').join('')}`);
  for (const client of rows) {
    const base = perSecond(client, 'W1');
    const cells = scaled.map((workload) => {
      const skip = skips.find((entry) => entry.broker === broker && entry.client === client && entry.workload === workload);
      if (skip) return `skipped: ${skip.reason} | n/a`;
      const value = perSecond(client, workload);
      if (value === undefined) return 'n/a | n/a';
      return `${count(value)} | ${base === undefined ? 'n/a (W1 not run)' : `${(value / base).toFixed(2)}x of W1`}`;
    });
    console.log(`| ${client} | ${base === undefined ? 'n/a' : count(base)} | ${cells.join(' | ')} |`);
  }
  console.log('');
}

/** O on one broker: a row per rate and client. */
export function printOpenLoop(runs: readonly OpenLoopRun[], broker: string, clients: readonly string[], rates: readonly number[], workload: OpenLoopWorkload, seconds: number): void {
  const mine = runs.filter((run) => run.broker === broker);
  if (mine.length === 0) return;
  console.log(
    `### O on ${broker}: open loop, one record per send() on a fixed timetable, ${seconds} s per rate after ${workload.warmupSeconds} s of warm-up, latency from each record's due time, acks=all, idempotent\n`,
  );
  console.log('| target records/s | client | linger ms | achieved records/s | p50 ms | p99 ms | p99.9 ms | max ms | send() late p50 / p99 ms | peak RSS MB | notes (last run) |');
  console.log('|---|---|---|---|---|---|---|---|---|---|---|');
  for (const rate of rates) {
    for (const client of clients) {
      const runsOf = mine.filter((run) => run.client === client && run.ratePerSecond === rate);
      if (runsOf.length === 0) continue;
      const of = (pick: (run: OpenLoopRun) => number) => median(runsOf.map(pick));
      const last = runsOf.at(-1)!;
      const notes: string[] = [];
      if (last.achievedPerSecond < rate * 0.9) notes.push('below the target rate');
      if (last.unsettled > 0) notes.push(`fell behind: ${count(last.unsettled)} of ${count(last.records)} not acknowledged by the end of the wait (their time so far counts)`);
      if (last.errors > 0) notes.push(`${count(last.errors)} failed (${last.firstError})`);
      const linger = last.lingerMs === undefined ? 'none' : String(last.lingerMs);
      const ms = (value: number) => value.toFixed(2);
      console.log(
        `| ${count(rate)} | ${client} | ${linger} | ${count(of((run) => run.achievedPerSecond))} | ${ms(of((run) => run.p50Ms))} | ${ms(of((run) => run.p99Ms))} | ${ms(of((run) => run.p999Ms))} | ${ms(of((run) => run.maxMs))} | ${ms(of((run) => run.lateP50Ms))} / ${ms(of((run) => run.lateP99Ms))} | ${Math.round(of((run) => run.peakRssMb))} | ${notes.join('; ') || 'none'} |`,
      );
    }
  }
  console.log('');
}

/**
 * Writes the chart of the throughput results: for each broker a panel of records/s and one of peak
 * RSS, a group of bars per workload (whiskers from the slowest to the fastest run, and from the
 * lowest to the highest peak). Returns the file's absolute path, or undefined when there was
 * nothing to draw.
 */
export function writeThroughputChart(
  path: string,
  title: readonly string[],
  results: readonly ThroughputResult[],
  brokers: readonly { name: string; clients: readonly string[] }[],
  workloadNames: readonly string[],
): string | undefined {
  const groups = (broker: { name: string; clients: readonly string[] }, pick: (result: ThroughputResult) => number | undefined): ChartGroup[] =>
    workloadNames.flatMap((workload) => {
      const bars = broker.clients.flatMap((client) => {
        const mine = results.filter((result) => result.broker === broker.name && result.workload === workload && result.client === client);
        if (mine.length === 0) return [];
        const values = mine.map(pick).filter((value): value is number => value !== undefined);
        const range = values.length === 0 ? undefined : ([Math.min(...values), Math.max(...values)] as const);
        return [{ client, value: values.length === 0 ? undefined : median(values), ...(range ? { range } : {}) }];
      });
      return bars.length === 0 ? [] : [{ label: [workload], bars }];
    });
  const panels = brokers.flatMap((broker): ChartPanel[] => {
    const throughput = groups(broker, recordsPerSecond);
    if (throughput.length === 0) return [];
    return [
      { title: `${broker.name}: records/s (median; whisker: slowest to fastest run)`, axis: 'records/s', groups: throughput, format: compactNumber },
      {
        title: `${broker.name}: peak RSS of the client process (median; whisker: lowest to highest)`,
        axis: 'peak RSS MB',
        groups: groups(broker, (result) => result.peakRssMb),
        format: (value) => value.toFixed(0),
      },
    ];
  });
  if (panels.length === 0) return undefined;
  const drawn = new Set(panels.flatMap((panel) => panel.groups.flatMap((group) => group.bars.map((bar) => bar.client))));
  const clients = [...new Set(brokers.flatMap((broker) => broker.clients))].filter((client) => drawn.has(client));
  const file = resolve(path);
  writeFileSync(file, barChartSvg(title, clients, panels));
  return file;
}
