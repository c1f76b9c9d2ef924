// `kafka-producer perf-test`: its options, and the embedded FakeCluster it runs against when no
// cluster is given.
import { ConfigError } from '../errors/kafka-error.js';
import { type ProducerOptions, resolveProducerOptions } from '../producer/options.js';
import { Producer } from '../producer/producer.js';
import { FakeCluster } from '../testing/index.js';
import { bootstrapServersOption, integerOption, parseCommandLine } from './arguments.js';
import { connectionOptionSpecs, connectionOptionsUsage, connectionSettings } from './connection-options.js';
import { runPerfTest } from './perf-test-run.js';
import { parseProducerProperties, readProducerConfig } from './producer-properties.js';
import { UsageError } from './usage-error.js';

export const usage = `Usage: kafka-producer perf-test --num-records <n> [--topic <name>] [options]

Measures the producer: sends --num-records records of --record-size bytes, at --throughput records/s
or as fast as possible, and times each record from send() to its acknowledgement. Every 5 s a
progress line goes to stderr (records/s, MiB/s, latency average and maximum over the last 5 s);
at the end one line goes to stdout: records sent, records/s, MiB/s, and the latency average,
maximum and percentiles p50, p95, p99 and p99.9 (--json prints that as one JSON object instead).
Without --bootstrap-servers the test runs against an embedded FakeCluster (3 brokers in this
process), which measures the client and the fake brokers together, sharing this machine's CPU.

Options:
  --num-records <n>               records to send (required)
  --record-size <bytes>           value size of every record (default 100)
  --throughput <n>                records per second at most; -1 for no limit (default -1)
  -t, --topic <name>              topic (required with --bootstrap-servers; default 'perf-test' embedded)
  -b, --bootstrap-servers <list>  test this cluster instead of an embedded one
  --partitions <n>                partitions of the embedded topic (default 6)
  --producer-props <k=v> ...      producer options, as linger.ms=5 or lingerMs=5 (several may follow)
  --producer-config <file>        producer options from a properties file (k=v lines)
  --json                          print the result as JSON
  -h, --help                      this text

${connectionOptionsUsage}

Example:
  kafka-producer perf-test --num-records 1000000 --record-size 100 --throughput -1 --producer-props acks=all linger.ms=5`;

export const options = {
  'num-records': { type: 'string' },
  'record-size': { type: 'string' },
  throughput: { type: 'string' },
  topic: { type: 'string', short: 't' },
  'bootstrap-servers': { type: 'string', short: 'b' },
  partitions: { type: 'string' },
  'producer-props': { type: 'string', multiple: true },
  'producer-config': { type: 'string' },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
  ...connectionOptionSpecs,
} as const;

const EMBEDDED_TOPIC = 'perf-test';
const EMBEDDED_BROKERS = 3;
const DEFAULT_BUFFER_MEMORY = 32 * 1024 * 1024;

export async function run(argv: string[]): Promise<number> {
  const { values } = parseCommandLine('perf-test', usage, { args: argv, options }, ['--producer-props']);
  if (values.help) {
    process.stdout.write(`${usage}\n`);
    return 0;
  }
  const numRecords = integerOption('num-records', values['num-records'], usage, 1);
  if (numRecords === undefined) throw new UsageError('--num-records is required', usage);
  const recordSize = integerOption('record-size', values['record-size'], usage, 0, 100 * 1024 * 1024) ?? 100;
  const throughput = integerOption('throughput', values.throughput, usage, -1) ?? -1;
  if (throughput === 0) throw new UsageError('--throughput must be positive, or -1 for no limit', usage);
  const embedded = values['bootstrap-servers'] === undefined;
  const servers = embedded ? undefined : bootstrapServersOption(values['bootstrap-servers'], usage);
  if (!embedded && values.topic === undefined) throw new UsageError('--topic is required with --bootstrap-servers', usage);
  if (!embedded && values.partitions !== undefined) throw new UsageError('--partitions applies to the embedded cluster only', usage);
  const partitions = integerOption('partitions', values.partitions, usage, 1, 10_000) ?? 6;
  const topic = values.topic ?? EMBEDDED_TOPIC;
  const { ssl, sasl } = connectionSettings(values, usage);
  if (embedded && (ssl !== undefined || sasl !== undefined)) throw new UsageError('TLS and SASL options need --bootstrap-servers', usage);
  const properties: Partial<ProducerOptions> = {
    ...(values['producer-config'] !== undefined ? readProducerConfig(values['producer-config'], usage) : {}),
    ...parseProducerProperties(values['producer-props'] ?? [], '--producer-props', usage),
  };
  if (properties.transactionalId !== undefined) throw new UsageError('perf-test sends outside transactions: remove transactionalId', usage);
  if (properties.bootstrapServers !== undefined) throw new UsageError('give the cluster with --bootstrap-servers, not in the producer properties', usage);

  const producerOptions = (bootstrapServers: string | readonly string[]): ProducerOptions => ({
    clientId: 'kafka-producer-perf-test',
    ...properties,
    bootstrapServers,
    ...(ssl !== undefined ? { ssl } : {}),
    ...(sasl !== undefined ? { sasl } : {}),
  });
  // Checked before an embedded cluster is started for nothing.
  try {
    resolveProducerOptions(producerOptions(servers ?? '127.0.0.1:9092'));
  } catch (error) {
    if (error instanceof ConfigError) throw new UsageError(error.message, usage);
    throw error;
  }

  let cluster: FakeCluster | undefined;
  if (embedded) {
    cluster = new FakeCluster({ brokers: EMBEDDED_BROKERS, topics: [{ name: topic, partitions, replicationFactor: EMBEDDED_BROKERS }] });
    await cluster.start();
    process.stderr.write(
      `No --bootstrap-servers: testing against an embedded FakeCluster (${EMBEDDED_BROKERS} brokers in this process at ${cluster.bootstrapServers}, topic '${topic}' with ${partitions} partitions).\n`,
    );
  }
  try {
    const producer = new Producer(producerOptions(cluster?.bootstrapServers ?? servers!));
    return await runPerfTest(producer, {
      topic,
      numRecords,
      recordSize,
      throughput,
      json: values.json === true,
      bufferMemory: properties.bufferMemory ?? DEFAULT_BUFFER_MEMORY,
    });
  } finally {
    await cluster?.stop();
  }
}
