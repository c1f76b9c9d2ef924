// Producer options: defaults as documented, every bad value and conflict rejected at construction
// with a ConfigError naming the option and the allowed values, unknown keys rejected.
import * as assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConfigError } from '../../../src/errors/kafka-error.js';
import { type ProducerOptions, resolveProducerOptions } from '../../../src/producer/options.js';

const base: ProducerOptions = { bootstrapServers: 'localhost:9092' };

function rejects(options: Record<string, unknown>, option: string, pattern: RegExp): void {
  assert.throws(
    () => resolveProducerOptions({ ...base, ...options } as ProducerOptions),
    (error: unknown) => {
      assert.ok(error instanceof ConfigError, `expected a ConfigError, got ${String(error)}`);
      assert.equal(error.option, option);
      assert.match(error.message, pattern);
      return true;
    },
  );
}

describe('producer options', () => {
  it('applies the documented defaults', () => {
    const options = resolveProducerOptions(base);
    assert.deepEqual(options.bootstrapServers, ['localhost:9092']);
    assert.equal(options.clientId, 'kafka-producer');
    assert.equal(options.acks, -1);
    assert.equal(options.idempotence, true);
    assert.equal(options.retries, Number.MAX_SAFE_INTEGER);
    assert.equal(options.retryBackoffMs, 100);
    assert.equal(options.retryBackoffMaxMs, 1000);
    assert.equal(options.deliveryTimeoutMs, 120_000);
    assert.equal(options.requestTimeoutMs, 30_000);
    assert.equal(options.lingerMs, 5);
    assert.equal(options.batchSize, 262_144);
    assert.equal(options.bufferMemory, 32 * 1024 * 1024);
    assert.equal(options.maxBlockMs, 60_000);
    assert.equal(options.maxRequestSize, 1_048_576);
    assert.equal(options.maxInFlightRequestsPerConnection, 5);
    assert.equal(options.compression, 'none');
    assert.equal(options.partitioner, 'default');
    assert.equal(options.partitionerAdaptivePartitioning, true);
    assert.equal(options.partitionerAvailabilityTimeoutMs, 0);
    assert.equal(options.transactionalId, undefined);
    assert.equal(options.transactionTimeoutMs, 60_000);
    assert.equal(options.metadataMaxAgeMs, 300_000);
    assert.equal(options.enableMetricsPush, false, 'client telemetry is opt-in, unlike Java');
  });

  it('accepts servers as a comma-separated string or an array', () => {
    assert.deepEqual(resolveProducerOptions({ bootstrapServers: 'a:1, b:2' }).bootstrapServers, ['a:1', 'b:2']);
    assert.deepEqual(resolveProducerOptions({ bootstrapServers: ['a:1', '[::1]:9092'] }).bootstrapServers, ['a:1', '[::1]:9092']);
  });

  it('rejects missing or malformed bootstrap servers', () => {
    assert.throws(() => resolveProducerOptions({} as ProducerOptions), /bootstrapServers/);
    rejects({ bootstrapServers: 'localhost' }, 'bootstrapServers', /host:port/);
    rejects({ bootstrapServers: [] }, 'bootstrapServers', /host:port/);
  });

  it('rejects unknown keys with a hint', () => {
    rejects({ idempotent: true }, 'idempotent', /unknown option \(did you mean 'idempotence'\?\)/);
  });

  it('rejects out-of-range and mistyped values, naming the allowed values', () => {
    rejects({ acks: 2 }, 'acks', /one of 0, 1, -1, 'all'/);
    rejects({ compression: 'brotli' }, 'compression', /'none', 'gzip', 'snappy', 'lz4', 'zstd'/);
    rejects({ lingerMs: -1 }, 'lingerMs', /integer from 0/);
    rejects({ batchSize: 1.5 }, 'batchSize', /integer/);
    rejects({ idempotence: 'yes' }, 'idempotence', /true or false/);
    rejects({ enableMetricsPush: 1 }, 'enableMetricsPush', /true or false/);
    rejects({ partitioner: 'random' }, 'partitioner', /'default', 'murmur2', 'round-robin'/);
    rejects({ sasl: { mechanism: 'gssapi' } }, 'sasl.mechanism', /'plain', 'scram-sha-256'/);
    rejects({ lookup: '8.8.8.8' }, 'lookup', /expected a function, got/);
  });

  it('rejects conflicts instead of silently changing a setting', () => {
    rejects({ acks: 1 }, 'acks', /must be 'all'.*idempotence is on by default/);
    rejects({ acks: 0, idempotence: true }, 'acks', /must be 'all'/);
    rejects({ maxInFlightRequestsPerConnection: 6 }, 'maxInFlightRequestsPerConnection', /1 to 5/);
    rejects({ retries: 0 }, 'retries', /at least 1/);
    rejects({ transactionalId: 'tx', idempotence: false, acks: 1 }, 'transactionalId', /requires idempotence/);
    rejects({ deliveryTimeoutMs: 1000, requestTimeoutMs: 1000, lingerMs: 5 }, 'deliveryTimeoutMs', /at least lingerMs \+ requestTimeoutMs \(1005\)/);
    rejects({ retryBackoffMs: 500, retryBackoffMaxMs: 100 }, 'retryBackoffMaxMs', /at least retryBackoffMs/);
  });

  it('validates the adaptive partitioning options, which tune the default partitioner only', () => {
    rejects({ partitionerAdaptivePartitioning: 'yes' }, 'partitionerAdaptivePartitioning', /true or false/);
    rejects({ partitionerAvailabilityTimeoutMs: -1 }, 'partitionerAvailabilityTimeoutMs', /integer from 0/);
    rejects({ partitionerAvailabilityTimeoutMs: 2.5 }, 'partitionerAvailabilityTimeoutMs', /integer/);
    rejects({ partitioner: 'round-robin', partitionerAdaptivePartitioning: true }, 'partitionerAdaptivePartitioning', /partitioner 'default' only, not to partitioner 'round-robin'/);
    rejects({ partitioner: () => 0, partitionerAvailabilityTimeoutMs: 100 }, 'partitionerAvailabilityTimeoutMs', /not to a partitioner function/);
    rejects({ partitionerAdaptivePartitioning: false, partitionerAvailabilityTimeoutMs: 100 }, 'partitionerAvailabilityTimeoutMs', /needs partitionerAdaptivePartitioning: true/);
    // Left at their defaults, they go with any partitioner (and do nothing for the others).
    assert.equal(resolveProducerOptions({ ...base, partitioner: 'murmur2' }).partitionerAdaptivePartitioning, true);
    assert.equal(resolveProducerOptions({ ...base, partitioner: 'murmur2', partitionerAdaptivePartitioning: false }).partitionerAdaptivePartitioning, false);
    assert.equal(resolveProducerOptions({ ...base, partitionerAvailabilityTimeoutMs: 250 }).partitionerAvailabilityTimeoutMs, 250);
  });

  it('allows acks 0 and 1 without idempotence', () => {
    assert.equal(resolveProducerOptions({ ...base, acks: 0, idempotence: false }).acks, 0);
    assert.equal(resolveProducerOptions({ ...base, acks: 1, idempotence: false, maxInFlightRequestsPerConnection: 10 }).acks, 1);
  });
});
