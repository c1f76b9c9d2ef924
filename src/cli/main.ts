#!/usr/bin/env node
// Command line of kafka-producer: `kafka-producer demo [options]` (see --help).
import { parseArgs } from 'node:util';
import { runDemo } from './demo.js';

const usage = `Usage: kafka-producer demo [options]

Produces numbered records, reads them back and verifies them: exactly once, in order per partition.
Without --bootstrap-servers it starts an embedded FakeCluster and injects the faults real brokers
have: lost acks, retriable errors, dropped connections, slow responses, leader moves, a broker
restart and batches refused as too large, plus an event-loop stall longer than the request
timeout, as a busy application causes. Every record is then expected to be acknowledged.

Options:
  --bootstrap-servers <host:port,...>  produce to a real cluster instead
  --records <n>                        records to send (default 100000)
  --topic <name>                       topic (default 'demo' embedded, 'kafka-producer-demo' otherwise)
  --partitions <n>                     partitions of the embedded topic (default 6)
  --compression <type>                 none, gzip, snappy, lz4 or zstd (default none)
  --seed <n>                           seed of the embedded cluster's faults (default 1)
  --no-faults                          no faults in the embedded cluster
  --harsh-faults                       also lose the producer's state mid-stream while its batches
                                       stay in the log, which no real broker does (a broker loses it
                                       only with the batches, or after the producer idled for a day):
                                       the client's worst case, in which records in flight may be
                                       rejected as possibly written
  --help                               this text`;

async function main(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      'bootstrap-servers': { type: 'string' },
      records: { type: 'string', default: '100000' },
      topic: { type: 'string' },
      partitions: { type: 'string', default: '6' },
      compression: { type: 'string', default: 'none' },
      seed: { type: 'string', default: '1' },
      'no-faults': { type: 'boolean', default: false },
      'harsh-faults': { type: 'boolean', default: false },
      help: { type: 'boolean', default: false },
    },
  });
  const command = positionals[0] ?? 'demo';
  if (values.help || command !== 'demo') {
    console.log(usage);
    return values.help ? 0 : 2;
  }
  const records = Number(values.records);
  const partitions = Number(values.partitions);
  const seed = Number(values.seed);
  const compression = values.compression as 'none' | 'gzip' | 'snappy' | 'lz4' | 'zstd';
  if (!Number.isInteger(records) || records < 1) throw new Error(`--records must be a positive integer, got '${values.records}'`);
  if (!Number.isInteger(partitions) || partitions < 1) throw new Error(`--partitions must be a positive integer, got '${values.partitions}'`);
  if (!['none', 'gzip', 'snappy', 'lz4', 'zstd'].includes(compression)) {
    throw new Error(`--compression must be none, gzip, snappy, lz4 or zstd, got '${values.compression}'`);
  }
  if (values['no-faults'] && values['harsh-faults']) throw new Error('--no-faults and --harsh-faults exclude each other');
  const bootstrapServers = values['bootstrap-servers'];
  return runDemo({
    bootstrapServers,
    records,
    topic: values.topic ?? (bootstrapServers ? 'kafka-producer-demo' : 'demo'),
    partitions,
    compression,
    seed,
    faults: values['no-faults'] ? 'none' : values['harsh-faults'] ? 'harsh' : 'realistic',
  });
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exitCode = 1;
  },
);
