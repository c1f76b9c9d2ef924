// Producer settings given as `name=value` pairs (--producer-props, --producer-config file), under
// this package's option names (lingerMs) or the Java client's (linger.ms). Values are converted
// to the type the option takes; an unknown name or a bad value is left for the Producer to reject
// with a ConfigError naming it.
import { readFileSync } from 'node:fs';
import type { ProducerOptions } from '../producer/options.js';
import { UsageError } from './usage-error.js';

// Java client names whose camelCase form is not this package's option name.
const JAVA_NAMES: Readonly<Record<string, string>> = {
  'enable.idempotence': 'idempotence',
  'compression.type': 'compression',
  'allow.auto.create.topics': 'allowAutoTopicCreation',
  'socket.connection.setup.timeout.ms': 'connectTimeoutMs',
  'partitioner.class': 'partitioner',
  'partitioner.adaptive.partitioning.enable': 'partitionerAdaptivePartitioning',
};

// Options whose value stays a string even when it looks like a number or a boolean.
const STRING_OPTIONS = new Set(['bootstrapServers', 'clientId', 'transactionalId', 'compression', 'partitioner']);

/** The option name for `name`: camelCase as is, a Java name (dotted) converted. */
export function optionName(name: string): string {
  const trimmed = name.trim();
  if (!trimmed.includes('.')) return trimmed;
  return JAVA_NAMES[trimmed] ?? trimmed.replace(/\.([a-z])/g, (_, letter: string) => letter.toUpperCase());
}

/** Producer options from `name=value` pairs; `source` names where they came from, for errors. */
export function parseProducerProperties(pairs: readonly string[], source: string, usage: string): Partial<ProducerOptions> {
  const options: Record<string, unknown> = {};
  for (const pair of pairs) {
    const separator = pair.indexOf('=');
    if (separator <= 0) throw new UsageError(`${source}: expected name=value, got '${pair}'`, usage);
    const name = optionName(pair.slice(0, separator));
    options[name] = convert(name, pair.slice(separator + 1).trim());
  }
  return options as Partial<ProducerOptions>;
}

/** Producer options from a properties file: `name=value` lines, `#` and `!` comments, blank lines. */
export function readProducerConfig(path: string, usage: string): Partial<ProducerOptions> {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new UsageError(`--producer-config: cannot read '${path}': ${error instanceof Error ? error.message : String(error)}`, usage);
  }
  const pairs = text
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line.length > 0 && !line.startsWith('#') && !line.startsWith('!'));
  return parseProducerProperties(pairs, path, usage);
}

function convert(name: string, value: string): unknown {
  if (STRING_OPTIONS.has(name)) return value;
  if (value === 'true') return true;
  if (value === 'false') return false;
  if (/^-?\d+$/.test(value)) return Number(value);
  return value;
}
