// Command-line parsing shared by the commands: node:util parseArgs in strict mode, its errors
// rewritten into one line that names the option at fault, and checks of option values.
import { type ParseArgsConfig, parseArgs } from 'node:util';
import { closestMatch } from './closest-match.js';
import { UsageError } from './usage-error.js';

type OptionSpecs = NonNullable<ParseArgsConfig['options']>;

/**
 * parseArgs (strict) of `config.args` for `command`; a parse error becomes a UsageError carrying
 * `usage`. Two conveniences first: a negative number after an option that takes a value is that
 * value (`--throughput -1`), and options listed in `valueLists` take every following `k=v`
 * argument, as Kafka's tools do (`--producer-props acks=all linger.ms=5`).
 */
export function parseCommandLine<T extends ParseArgsConfig & { args: string[]; options: OptionSpecs }>(
  command: string,
  usage: string,
  config: T,
  valueLists: readonly string[] = [],
): ReturnType<typeof parseArgs<T>> {
  const args = expandValueLists(joinNegativeNumbers(config.args, config.options), valueLists);
  try {
    return parseArgs({ ...config, args });
  } catch (error) {
    throw new UsageError(describeParseError(command, error, config.options), usage);
  }
}

function describeParseError(command: string, error: unknown, options: OptionSpecs): string {
  const message = error instanceof Error ? error.message : String(error);
  const code = (error as { code?: unknown }).code;
  if (code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') {
    const option = /'([^']+)'/.exec(message)?.[1] ?? message;
    const known = Object.keys(options).map((name) => `--${name}`);
    const hint = closestMatch(option.split('=')[0]!, known);
    return `unknown option '${option}' for '${command}'${hint ? ` (did you mean '${hint}'?)` : ''}`;
  }
  if (code === 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL') {
    const argument = /'([^']+)'/.exec(message)?.[1] ?? message;
    return `unexpected argument '${argument}': '${command}' takes options only`;
  }
  // Missing or superfluous option values: parseArgs's own sentence names the option.
  return `${command}: ${message.split('. ')[0]}`;
}

// `--opt -1` is parsed by parseArgs as a missing value followed by an unknown option '-1'.
function joinNegativeNumbers(args: readonly string[], options: OptionSpecs): string[] {
  const takesValue = new Set<string>();
  for (const [name, spec] of Object.entries(options)) {
    if (spec.type !== 'string') continue;
    takesValue.add(`--${name}`);
    if (spec.short) takesValue.add(`-${spec.short}`);
  }
  const joined: string[] = [];
  for (let index = 0; index < args.length; index++) {
    const argument = args[index]!;
    if (argument === '--') {
      joined.push(...args.slice(index));
      break;
    }
    const next = args[index + 1];
    if (takesValue.has(argument) && next !== undefined && /^-\d+(\.\d+)?$/.test(next)) {
      joined.push(`${argument}=${next}`);
      index++;
    } else {
      joined.push(argument);
    }
  }
  return joined;
}

function expandValueLists(args: readonly string[], valueLists: readonly string[]): string[] {
  if (valueLists.length === 0) return [...args];
  const expanded: string[] = [];
  for (let index = 0; index < args.length; index++) {
    const argument = args[index]!;
    expanded.push(argument);
    if (argument === '--') {
      expanded.push(...args.slice(index + 1));
      break;
    }
    if (!valueLists.includes(argument)) continue;
    // The option's first value is taken by parseArgs; the k=v arguments after it get the option too.
    if (index + 1 < args.length) expanded.push(args[++index]!);
    while (index + 1 < args.length && !args[index + 1]!.startsWith('-') && args[index + 1]!.includes('=')) expanded.push(argument, args[++index]!);
  }
  return expanded;
}

/** Parses an integer option within [min, max]; undefined when absent. */
export function integerOption(name: string, value: string | undefined, usage: string, min: number, max = Number.MAX_SAFE_INTEGER): number | undefined {
  if (value === undefined) return undefined;
  const number = Number(value);
  if (value.trim() === '' || !Number.isInteger(number) || number < min || number > max) {
    const range = max === Number.MAX_SAFE_INTEGER ? `>= ${min}` : `from ${min} to ${max}`;
    throw new UsageError(`--${name} must be an integer ${range}, got '${value}'`, usage);
  }
  return number;
}

/** Checks `value` against the allowed words (case-insensitive) and returns it in lower case. */
export function choiceOption<const T extends string>(name: string, value: string | undefined, usage: string, allowed: readonly T[]): T | undefined {
  if (value === undefined) return undefined;
  const lower = value.toLowerCase();
  const match = allowed.find((choice) => choice === lower);
  if (match === undefined) throw new UsageError(`--${name} must be one of ${allowed.join(', ')}, got '${value}'`, usage);
  return match;
}

/** The `host:port` list of --bootstrap-servers; a UsageError when missing or malformed. */
export function bootstrapServersOption(value: string | undefined, usage: string): string[] {
  if (value === undefined || value.trim() === '') throw new UsageError('--bootstrap-servers is required (host:port,host:port,...)', usage);
  const servers = value
    .split(',')
    .map((server) => server.trim())
    .filter((server) => server.length > 0);
  for (const server of servers) {
    if (!/^(\[[^\]]+\]|[^:\s[\]]+):\d{1,5}$/.test(server) || Number(server.slice(server.lastIndexOf(':') + 1)) > 65535) {
      throw new UsageError(`--bootstrap-servers: '${server}' is not host:port`, usage);
    }
  }
  if (servers.length === 0) throw new UsageError('--bootstrap-servers is required (host:port,host:port,...)', usage);
  return servers;
}

/** Rejects an option given without the one it depends on. */
export function requireTogether(values: Readonly<Record<string, unknown>>, option: string, needs: string, usage: string): void {
  if (values[option] !== undefined && values[needs] === undefined) throw new UsageError(`--${option} needs --${needs}`, usage);
}
