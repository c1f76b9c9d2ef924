// `kafka-producer produce`: its options, their checks, and the producer they configure.
import { accessSync, constants } from 'node:fs';
import { ConfigError } from '../errors/kafka-error.js';
import type { CompressionType, ProducerOptions } from '../producer/options.js';
import { Producer } from '../producer/producer.js';
import { bootstrapServersOption, choiceOption, integerOption, parseCommandLine } from './arguments.js';
import { connectionOptionSpecs, connectionOptionsUsage, connectionSettings } from './connection-options.js';
import { type Header, parseHeaders, unescapeDelimiter } from './line-format.js';
import { produceLines } from './produce-lines.js';
import { parseProducerProperties, readProducerConfig } from './producer-properties.js';
import { UsageError } from './usage-error.js';

export const usage = `Usage: kafka-producer produce --bootstrap-servers <host:port,...> --topic <name> [options] [file ...]

Sends each line of the files (or of stdin, also as '-') to the topic as one record, as it is read.
Progress goes to stderr while it runs, then a summary: records sent and failed, bytes, elapsed
time, and the failures grouped by error code. The exit code is 1 when any record failed.

Options:
  -b, --bootstrap-servers <list>  brokers to bootstrap from (required)
  -t, --topic <name>              topic to write to (required)
  --key-delimiter <text>          each line is <key><text><value>; a line without <text> is not sent
  --header <name=value>           a header on every record (repeat for more)
  --header-delimiter <text>       each line starts with its headers: <headers><text><rest>,
                                  headers being name=value pairs (a name alone: null value)
  --header-separator <text>       between the headers of a line (default ',')
                                  Delimiters take \\t for a tab and \\xHH for any byte value.
  --partition <n>                 write every record to this partition (default: by key, or sticky)
  --compression <type>            none, gzip, snappy, lz4 or zstd (default none)
  --acks <0|1|all>                acknowledgements to wait for (default all); 0 and 1 need --no-idempotence
  --idempotence, --no-idempotence idempotent writes (default on)
  --transactional-id <id>         send in transactions under this id
  --transaction-size <n>          lines per transaction (default 1000); the last one at end of input
  --linger-ms <n>                 how long a batch waits for more records (default 5)
  --batch-size <bytes>            largest batch (default 262144)
  --max-pending <n>               records sent but not yet acknowledged before reading pauses (default 10000)
  --producer-props <k=v> ...      any producer option, as lingerMs=5 or linger.ms=5 (several may follow)
  --producer-config <file>        producer options from a properties file (k=v lines)
  --client-id <id>                client id (default 'kafka-producer-cli')
  -h, --help                      this text

${connectionOptionsUsage}

Examples:
  printf 'k1:hello\\nk2:world\\n' | kafka-producer produce -b localhost:9092 -t greetings --key-delimiter :
  kafka-producer produce -b localhost:9092 -t orders --header-delimiter '\\t' --header source=batch orders.txt`;

export const options = {
  'bootstrap-servers': { type: 'string', short: 'b' },
  topic: { type: 'string', short: 't' },
  'key-delimiter': { type: 'string' },
  header: { type: 'string', multiple: true },
  'header-delimiter': { type: 'string' },
  'header-separator': { type: 'string' },
  partition: { type: 'string' },
  compression: { type: 'string' },
  acks: { type: 'string' },
  idempotence: { type: 'boolean' },
  'no-idempotence': { type: 'boolean' },
  'transactional-id': { type: 'string' },
  'transaction-size': { type: 'string' },
  'linger-ms': { type: 'string' },
  'batch-size': { type: 'string' },
  'max-pending': { type: 'string' },
  'producer-props': { type: 'string', multiple: true },
  'producer-config': { type: 'string' },
  'client-id': { type: 'string' },
  help: { type: 'boolean', short: 'h' },
  ...connectionOptionSpecs,
} as const;

const DEFAULT_TRANSACTION_SIZE = 1000;
const DEFAULT_MAX_PENDING = 10_000;

export async function run(argv: string[]): Promise<number> {
  const { values, positionals } = parseCommandLine('produce', usage, { args: argv, options, allowPositionals: true }, ['--producer-props']);
  if (values.help) {
    process.stdout.write(`${usage}\n`);
    return 0;
  }
  const bootstrapServers = bootstrapServersOption(values['bootstrap-servers'], usage);
  const topic = values.topic;
  if (topic === undefined) throw new UsageError('--topic is required', usage);
  const inputs = positionals.length === 0 ? ['-'] : positionals;
  for (const input of inputs) {
    if (input === '-') continue;
    try {
      accessSync(input, constants.R_OK);
    } catch {
      throw new UsageError(`cannot read input file '${input}'`, usage);
    }
  }
  if (values.idempotence && values['no-idempotence']) throw new UsageError('--idempotence and --no-idempotence exclude each other', usage);
  const transactionalId = values['transactional-id'];
  const transactionSize = integerOption('transaction-size', values['transaction-size'], usage, 1);
  const acks = choiceOption('acks', values.acks, usage, ['0', '1', '-1', 'all']);
  if ((acks === '0' || acks === '1') && !values['no-idempotence']) {
    throw new UsageError(`--acks ${acks} needs --no-idempotence (idempotent writes wait for every in-sync replica)`, usage);
  }
  const separator = unescapeDelimiter(values['header-separator'] ?? ',');
  const format = {
    keyDelimiter: delimiter('key-delimiter', values['key-delimiter']),
    headerDelimiter: delimiter('header-delimiter', values['header-delimiter']),
    headerSeparator: separator,
  };
  if (separator.length === 0) throw new UsageError('--header-separator must not be empty', usage);
  const headers: Header[] = [];
  for (const text of values.header ?? []) {
    const parsed = parseHeaders(text, '\u0000');
    if (typeof parsed === 'string' || parsed.length !== 1) throw new UsageError(`--header expects name=value, got '${text}'`, usage);
    headers.push(parsed[0]!);
  }

  const { ssl, sasl } = connectionSettings(values, usage);
  const producerOptions: ProducerOptions = {
    clientId: 'kafka-producer-cli',
    ...(values['producer-config'] !== undefined ? readProducerConfig(values['producer-config'], usage) : {}),
    ...parseProducerProperties(values['producer-props'] ?? [], '--producer-props', usage),
    bootstrapServers,
    ...(values['client-id'] !== undefined ? { clientId: values['client-id'] } : {}),
    ...(ssl !== undefined ? { ssl } : {}),
    ...(sasl !== undefined ? { sasl } : {}),
    ...(values.compression !== undefined
      ? { compression: choiceOption('compression', values.compression, usage, ['none', 'gzip', 'snappy', 'lz4', 'zstd']) as CompressionType }
      : {}),
    ...(acks !== undefined ? { acks: acks === 'all' ? 'all' : (Number(acks) as 0 | 1 | -1) } : {}),
    ...(values.idempotence ? { idempotence: true } : {}),
    ...(values['no-idempotence'] ? { idempotence: false } : {}),
    ...(transactionalId !== undefined ? { transactionalId } : {}),
    ...optionalInteger('lingerMs', integerOption('linger-ms', values['linger-ms'], usage, 0)),
    ...optionalInteger('batchSize', integerOption('batch-size', values['batch-size'], usage, 0)),
  };
  const transactional = producerOptions.transactionalId !== undefined;
  if (transactionSize !== undefined && !transactional) throw new UsageError('--transaction-size needs --transactional-id', usage);
  if (transactional && producerOptions.idempotence === false) throw new UsageError('--transactional-id needs idempotence (drop --no-idempotence)', usage);
  let producer: Producer;
  try {
    producer = new Producer(producerOptions);
  } catch (error) {
    if (error instanceof ConfigError) throw new UsageError(error.message, usage);
    throw error;
  }
  return produceLines(producer, {
    topic,
    partition: integerOption('partition', values.partition, usage, 0, 0x7fffffff),
    format,
    headers,
    inputs,
    transactionSize: transactional ? (transactionSize ?? DEFAULT_TRANSACTION_SIZE) : undefined,
    maxPending: integerOption('max-pending', values['max-pending'], usage, 1) ?? DEFAULT_MAX_PENDING,
  });
}

function delimiter(option: string, value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  const unescaped = unescapeDelimiter(value);
  if (unescaped.length === 0) throw new UsageError(`--${option} must not be empty`, usage);
  return unescaped;
}

function optionalInteger<K extends string>(name: K, value: number | undefined): { [P in K]?: number } {
  return (value === undefined ? {} : { [name]: value }) as { [P in K]?: number };
}
