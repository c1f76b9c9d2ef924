#!/usr/bin/env node
// Command line of kafka-producer: `kafka-producer demo [options]` (see --help).
import { parseArgs } from 'node:util';
import { runDemo } from './demo.js';

const usage = `Usage: kafka-producer demo [options]

Produces numbered records, reads them back and verifies them: exactly once, in order per partition.
Without --bootstrap-servers it starts an embedded FakeCluster and injects faults.

Options:
  --bootstrap-servers <host:port,...>  produce to a real cluster instead
  --records <n>                        records to send (default 100000)
  --topic <name>                       topic (default 'demo' embedded, 'kafka-producer-demo' otherwise)
  --partitions <n>                     partitions of the embedded topic (default 6)
  --compression <type>                 none, gzip, snappy, lz4 or zstd (default none)
  --seed <n>                           seed of the embedded cluster's faults (default 1)
  --no-faults                          no faults in the embedded cluster
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
  const bootstrapServers = values['bootstrap-servers'];
  return runDemo({
    bootstrapServers,
    records,
    topic: values.topic ?? (bootstrapServers ? 'kafka-producer-demo' : 'demo'),
    partitions,
    compression,
    seed,
    faults: !values['no-faults'],
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
