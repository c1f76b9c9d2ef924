// `kafka-producer demo`: its options; the demo itself is in demo.ts.
import type { CompressionType } from '../producer/options.js';
import { bootstrapServersOption, choiceOption, integerOption, parseCommandLine } from './arguments.js';
import { runDemo } from './demo.js';
import { UsageError } from './usage-error.js';

export const usage = `Usage: kafka-producer demo [options]

Produces numbered records, reads them back and verifies them: exactly once, in order per partition.
Without --bootstrap-servers it starts an embedded FakeCluster and injects the faults real brokers
have: lost acks, retriable errors, dropped connections, slow responses, leader moves, a broker
restart and batches refused as too large, plus an event-loop stall longer than the request
timeout, as a busy application causes. Every record is then expected to be acknowledged: the exit
code is 1 when the verification fails or a record was rejected (the rejections are listed by
error code).

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
                                       rejected as possibly written (such rejections are expected,
                                       and do not fail the run)
  -h, --help                           this text`;

export const options = {
  'bootstrap-servers': { type: 'string' },
  records: { type: 'string' },
  topic: { type: 'string' },
  partitions: { type: 'string' },
  compression: { type: 'string' },
  seed: { type: 'string' },
  'no-faults': { type: 'boolean' },
  'harsh-faults': { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

export async function run(argv: string[]): Promise<number> {
  const { values } = parseCommandLine('demo', usage, { args: argv, options });
  if (values.help) {
    process.stdout.write(`${usage}\n`);
    return 0;
  }
  if (values['no-faults'] && values['harsh-faults']) throw new UsageError('--no-faults and --harsh-faults exclude each other', usage);
  const bootstrapServers = values['bootstrap-servers'] === undefined ? undefined : bootstrapServersOption(values['bootstrap-servers'], usage).join(',');
  return runDemo({
    bootstrapServers,
    records: integerOption('records', values.records, usage, 1) ?? 100_000,
    topic: values.topic ?? (bootstrapServers ? 'kafka-producer-demo' : 'demo'),
    partitions: integerOption('partitions', values.partitions, usage, 1, 10_000) ?? 6,
    compression: (choiceOption('compression', values.compression, usage, ['none', 'gzip', 'snappy', 'lz4', 'zstd']) ?? 'none') as CompressionType,
    seed: integerOption('seed', values.seed, usage, Number.MIN_SAFE_INTEGER) ?? 1,
    faults: values['no-faults'] ? 'none' : values['harsh-faults'] ? 'harsh' : 'realistic',
  });
}
