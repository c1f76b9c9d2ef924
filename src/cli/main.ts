#!/usr/bin/env node
// The kafka-producer command: `kafka-producer <command> [options]`. Picks the command and runs it;
// a command line error prints what is wrong and the usage, and exits with code 2. Commands are
// loaded when run, so that --version and --help do not load the producer.
import { closestMatch } from './closest-match.js';
import { packageVersion } from './package-version.js';
import { USAGE_EXIT_CODE, UsageError } from './usage-error.js';

interface Command {
  readonly summary: string;
  readonly load: () => Promise<{ run(argv: string[]): Promise<number>; usage: string }>;
}

const commands: Readonly<Record<string, Command>> = {
  produce: { summary: 'send lines of stdin or files to a topic, one record per line', load: () => import('./produce-command.js') },
  'perf-test': { summary: 'measure throughput and latency (against an embedded cluster by default)', load: () => import('./perf-test-command.js') },
  check: { summary: 'diagnose the connection to a cluster: DNS, TCP, TLS, SASL, APIs, metadata, topic', load: () => import('./check-command.js') },
  demo: { summary: 'produce, read back and verify records under injected faults', load: () => import('./demo-command.js') },
  journal: { summary: "inspect a producer journal directory ('journal inspect <dir>'), read-only", load: () => import('./journal-command.js') },
};

const usage = `Usage: kafka-producer <command> [options]

Commands:
${Object.entries(commands)
  .map(([name, command]) => `  ${name.padEnd(10)} ${command.summary}`)
  .join('\n')}

Options:
  -v, --version  print the version
  -h, --help     this text; 'kafka-producer <command> --help' describes a command

Exit codes: 0 done, 1 a record or a check failed (or an error stopped the command),
2 the command line is invalid, 130 interrupted (Ctrl-C).`;

async function main(argv: string[]): Promise<number> {
  const [first, ...rest] = argv;
  if (first === '--version' || first === '-v') {
    process.stdout.write(`${packageVersion()}\n`);
    return 0;
  }
  if (first === '--help' || first === '-h' || first === 'help') {
    const topic = first === 'help' ? rest[0] : undefined;
    if (topic !== undefined && commands[topic]) return (await commands[topic].load()).run(['--help']);
    process.stdout.write(`${usage}\n`);
    return 0;
  }
  if (first === undefined) throw new UsageError('no command given', usage);
  const command = Object.hasOwn(commands, first) ? commands[first] : undefined;
  if (!command) {
    const what = first.startsWith('-') ? `unknown option '${first}'` : `unknown command '${first}'`;
    const hint = closestMatch(first, Object.keys(commands));
    throw new UsageError(`${what}${hint ? ` (did you mean '${hint}'?)` : ''}`, usage);
  }
  return (await command.load()).run(rest);
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    if (error instanceof UsageError) {
      process.stderr.write(`kafka-producer: ${error.message}\n\n${error.usage}\n`);
      process.exitCode = USAGE_EXIT_CODE;
      return;
    }
    process.stderr.write(`kafka-producer: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 1;
  },
);
