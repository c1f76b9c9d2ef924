// The command-line conveniences and checks shared by the commands.
import * as assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { bootstrapServersOption, integerOption, parseCommandLine } from '../../../src/cli/arguments.js';
import { closestMatch } from '../../../src/cli/closest-match.js';
import { optionName, parseProducerProperties } from '../../../src/cli/producer-properties.js';
import { UsageError } from '../../../src/cli/usage-error.js';

const options = {
  throughput: { type: 'string' },
  topic: { type: 'string', short: 't' },
  'producer-props': { type: 'string', multiple: true },
  json: { type: 'boolean' },
} as const;

describe('parseCommandLine', () => {
  it('takes a negative number as the value of the option before it', () => {
    const { values } = parseCommandLine('perf-test', 'usage', { args: ['--throughput', '-1', '-t', 'x'], options });
    assert.equal(values.throughput, '-1');
    assert.equal(values.topic, 'x');
  });

  it('gives every k=v argument after a value-list option to that option', () => {
    const { values, positionals } = parseCommandLine(
      'produce',
      'usage',
      { args: ['--producer-props', 'acks=all', 'linger.ms=5', 'file.txt', '--json'], options, allowPositionals: true },
      ['--producer-props'],
    );
    assert.deepEqual(values['producer-props'], ['acks=all', 'linger.ms=5']);
    assert.deepEqual(positionals, ['file.txt']);
    assert.equal(values.json, true);
  });

  it('names an unknown option, with the closest known one', () => {
    assert.throws(
      () => parseCommandLine('perf-test', 'the usage', { args: ['--topc', 'x'], options }),
      (error: unknown) => error instanceof UsageError && /unknown option '--topc' for 'perf-test' \(did you mean '--topic'\?\)/.test(error.message) && error.usage === 'the usage',
    );
  });

  it('names an option missing its value', () => {
    assert.throws(() => parseCommandLine('perf-test', 'usage', { args: ['--topic'], options }), (error: unknown) => error instanceof UsageError && /--topic/.test(error.message));
  });
});

describe('option values', () => {
  it('integerOption checks the range and names the option', () => {
    assert.equal(integerOption('partition', '3', 'usage', 0), 3);
    assert.equal(integerOption('partition', undefined, 'usage', 0), undefined);
    assert.throws(() => integerOption('partition', '-2', 'usage', 0), /--partition must be an integer >= 0, got '-2'/);
    assert.throws(() => integerOption('partition', '1.5', 'usage', 0), UsageError);
    assert.throws(() => integerOption('partition', '', 'usage', 0), UsageError);
  });

  it('bootstrapServersOption accepts host:port lists and refuses the rest', () => {
    assert.deepEqual(bootstrapServersOption('a:1, b:2', 'usage'), ['a:1', 'b:2']);
    assert.deepEqual(bootstrapServersOption('[::1]:9092', 'usage'), ['[::1]:9092']);
    assert.throws(() => bootstrapServersOption('localhost', 'usage'), /'localhost' is not host:port/);
    assert.throws(() => bootstrapServersOption('h:70000', 'usage'), UsageError);
    assert.throws(() => bootstrapServersOption(undefined, 'usage'), /required/);
  });

  it('producer properties take Java or camelCase names and typed values', () => {
    assert.equal(optionName('linger.ms'), 'lingerMs');
    assert.equal(optionName('max.in.flight.requests.per.connection'), 'maxInFlightRequestsPerConnection');
    assert.equal(optionName('enable.idempotence'), 'idempotence');
    assert.equal(optionName('compression.type'), 'compression');
    assert.equal(optionName('partitioner.adaptive.partitioning.enable'), 'partitionerAdaptivePartitioning');
    assert.equal(optionName('partitioner.availability.timeout.ms'), 'partitionerAvailabilityTimeoutMs');
    assert.deepEqual(parseProducerProperties(['acks=all', 'linger.ms=5', 'enable.idempotence=false', 'transactional.id=42', 'acks=1'], 'test', 'usage'), {
      acks: 1,
      lingerMs: 5,
      idempotence: false,
      transactionalId: '42',
    });
    assert.throws(() => parseProducerProperties(['lingerMs'], 'test', 'usage'), /expected name=value/);
  });

  it('closestMatch suggests a near word only', () => {
    assert.equal(closestMatch('prodce', ['produce', 'check']), 'produce');
    assert.equal(closestMatch('perf', ['produce', 'perf-test']), 'perf-test');
    assert.equal(closestMatch('zzzzzz', ['produce', 'check']), undefined);
  });
});
