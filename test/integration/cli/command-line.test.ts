// The command line itself: --version (from package.json, in every build), --help for the tool and
// each command, and the errors of a wrong command line (exit code 2, the fault named, the usage).
import * as assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { runCli } from './run-cli.js';

const version = (JSON.parse(readFileSync(join(process.cwd(), 'package.json'), 'utf8')) as { version: string }).version;

describe('kafka-producer command line', () => {
  it('--version and -v print the version of package.json', async () => {
    for (const flag of ['--version', '-v']) {
      const run = await runCli([flag]);
      assert.equal(run.code, 0);
      assert.equal(run.stdout, `${version}\n`);
    }
  });

  it('--version works from the ESM and CommonJS builds of dist/', async (context) => {
    const entries = ['dist/esm/cli/main.js', 'dist/cjs/cli/main.js'].map((path) => join(process.cwd(), path));
    if (!entries.every((entry) => existsSync(entry))) {
      context.skip('dist/ is not built (npm run build)');
      return;
    }
    for (const entry of entries) {
      const run = await runCli(['--version'], { entry });
      assert.equal(run.code, 0, `${entry}: ${run.stderr}`);
      assert.equal(run.stdout, `${version}\n`, entry);
    }
  });

  it('--help lists the commands; <command> --help and help <command> describe one', async () => {
    const help = await runCli(['--help']);
    assert.equal(help.code, 0);
    for (const command of ['produce', 'perf-test', 'check', 'demo']) assert.match(help.stdout, new RegExp(`^  ${command} `, 'm'));
    for (const [command, option] of [
      ['produce', '--key-delimiter'],
      ['perf-test', '--num-records'],
      ['check', '--timeout-ms'],
      ['demo', '--harsh-faults'],
    ] as const) {
      const run = await runCli([command, '--help']);
      assert.equal(run.code, 0, `${command} --help`);
      assert.match(run.stdout, new RegExp(`Usage: kafka-producer ${command}`));
      assert.ok(run.stdout.includes(option), `${command} --help mentions ${option}`);
    }
    const viaHelp = await runCli(['help', 'check']);
    assert.match(viaHelp.stdout, /Usage: kafka-producer check/);
  });

  it('an unknown command is named, with a suggestion and the usage, exit code 2', async () => {
    const run = await runCli(['prodcue']);
    assert.equal(run.code, 2);
    assert.match(run.stderr, /unknown command 'prodcue' \(did you mean 'produce'\?\)/);
    assert.match(run.stderr, /Usage: kafka-producer <command>/);
    assert.equal(run.stdout, '');
  });

  it('no command at all is an error too', async () => {
    const run = await runCli([]);
    assert.equal(run.code, 2);
    assert.match(run.stderr, /no command given/);
  });

  it("an unknown option is named with the command's usage, exit code 2", async () => {
    const run = await runCli(['produce', '--bootstrap-servers', '127.0.0.1:9092', '--topic', 't', '--key-delimeter', ':']);
    assert.equal(run.code, 2);
    assert.match(run.stderr, /unknown option '--key-delimeter' for 'produce' \(did you mean '--key-delimiter'\?\)/);
    assert.match(run.stderr, /Usage: kafka-producer produce/);
  });

  it('missing or invalid option values are named, exit code 2', async () => {
    const cases: [string[], RegExp][] = [
      [['produce', '--topic', 't'], /--bootstrap-servers is required/],
      [['produce', '-b', 'localhost', '--topic', 't'], /'localhost' is not host:port/],
      [['produce', '-b', '127.0.0.1:9092', '-t', 't', '--acks', '1'], /--acks 1 needs --no-idempotence/],
      [['produce', '-b', '127.0.0.1:9092', '-t', 't', '--transaction-size', '5'], /--transaction-size needs --transactional-id/],
      [['produce', '-b', '127.0.0.1:9092', '-t', 't', 'no-such-file.txt'], /cannot read input file 'no-such-file.txt'/],
      [['produce', '-b', '127.0.0.1:9092', '-t', 't', '--producer-props', 'lingerMz=5'], /Invalid option 'lingerMz': unknown option \(did you mean 'lingerMs'\?\)/],
      [['perf-test'], /--num-records is required/],
      [['perf-test', '--num-records', 'ten'], /--num-records must be an integer >= 1, got 'ten'/],
      [['perf-test', '--num-records', '10', '--throughput', '-5'], /--throughput must be an integer >= -1, got '-5'/],
      [['perf-test', '--num-records', '10', '-b', '127.0.0.1:9092'], /--topic is required with --bootstrap-servers/],
      [['check'], /--bootstrap-servers is required/],
      [['check', '-b', '127.0.0.1:9092', '--sasl-mechanism', 'plain'], /needs --sasl-username/],
      [['check', '-b', '127.0.0.1:9092', '--tls-ca', 'no-such-ca.pem'], /--tls-ca: cannot read 'no-such-ca.pem'/],
      [['check', '-b', '127.0.0.1:9092', 'extra'], /unexpected argument 'extra'/],
      [['demo', '--records', '0'], /--records must be an integer >= 1/],
    ];
    // A few at a time: each is a process of its own.
    for (let start = 0; start < cases.length; start += 4) {
      const batch = cases.slice(start, start + 4);
      const runs = await Promise.all(batch.map(([args]) => runCli(args)));
      batch.forEach(([args, expected], index) => {
        const run = runs[index]!;
        assert.equal(run.code, 2, `${args.join(' ')}: exit code (stderr: ${run.stderr})`);
        assert.match(run.stderr, expected, args.join(' '));
      });
    }
  });
});
