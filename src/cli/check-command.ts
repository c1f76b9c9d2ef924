// `kafka-producer check`: diagnoses the way to a cluster step by step and prints a table of the
// steps (status and detail), then what to try for each failed step. Exit code 1 when one failed.
import { parseHostPort } from '../cluster/cluster.js';
import { bootstrapServersOption, integerOption, parseCommandLine } from './arguments.js';
import { runChecks, type StepResult } from './check-steps.js';
import { connectionOptionSpecs, connectionOptionsUsage, connectionSettings } from './connection-options.js';
import { formatTable } from './text-table.js';

export const usage = `Usage: kafka-producer check --bootstrap-servers <host:port,...> [--topic <name>] [options]

Diagnoses the connection to a cluster, step by step, as a producer meets them:
  for each bootstrap server:
    DNS          the host name resolves
    TCP          the port accepts connections
    TLS          the TLS handshake succeeds and the certificate is trusted (with --tls)
    ApiVersions  the broker speaks Kafka; its version ranges of the APIs a producer uses
    SASL         authentication succeeds (with --sasl-mechanism); without it, whether the
                 listener requires it
  then, through the first server that passed:
    Metadata     the cluster id, the brokers and the controller
    Broker <id>  every broker is reachable at the address it advertises (advertised.listeners)
    Topic        the topic exists; partitions, leaders, replicas in sync (with --topic; the
                 check never creates it)
Prints a table (step, target, status ok/failed/skipped, detail), then what to try for every
failed step. The exit code is 1 when a step failed.

Options:
  -b, --bootstrap-servers <list>  brokers to check (required)
  -t, --topic <name>              also check this topic
  --timeout-ms <n>                time allowed for each step (default 10000)
  --json                          print the steps as a JSON array instead of a table
  -h, --help                      this text

${connectionOptionsUsage}`;

export const options = {
  'bootstrap-servers': { type: 'string', short: 'b' },
  topic: { type: 'string', short: 't' },
  'timeout-ms': { type: 'string' },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
  ...connectionOptionSpecs,
} as const;

export async function run(argv: string[]): Promise<number> {
  const { values } = parseCommandLine('check', usage, { args: argv, options });
  if (values.help) {
    process.stdout.write(`${usage}\n`);
    return 0;
  }
  const servers = bootstrapServersOption(values['bootstrap-servers'], usage).map((server) => parseHostPort(server));
  const timeoutMs = integerOption('timeout-ms', values['timeout-ms'], usage, 1, 600_000) ?? 10_000;
  const { ssl, sasl } = connectionSettings(values, usage);
  const results = await runChecks({ bootstrapServers: servers, topic: values.topic, ssl, sasl, timeoutMs, clientId: 'kafka-producer-check' });
  if (values.json) process.stdout.write(`${JSON.stringify(results, null, 2)}\n`);
  else for (const line of report(results)) process.stdout.write(`${line}\n`);
  return results.some((result) => result.status === 'failed') ? 1 : 0;
}

function report(results: readonly StepResult[]): string[] {
  const lines = formatTable(
    ['STEP', 'TARGET', 'STATUS', 'DETAIL'],
    results.map((result) => [result.step, result.target, result.status, result.detail]),
  );
  const failed = results.filter((result) => result.status === 'failed');
  if (failed.length === 0) {
    lines.push('', 'Every step passed.');
    return lines;
  }
  lines.push('', 'What to try:');
  for (const result of failed) lines.push(`  ${result.step} ${result.target}: ${result.hint ?? 'see the detail above'}`);
  return lines;
}
