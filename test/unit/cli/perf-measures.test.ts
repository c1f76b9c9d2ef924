// The measuring parts of perf-test and produce: latency statistics, and the send window that
// bounds the records in flight.
import * as assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { FailureTally } from '../../../src/cli/failure-tally.js';
import { LatencyRecorder } from '../../../src/cli/latency-recorder.js';
import { SendWindow } from '../../../src/cli/send-window.js';
import { BrokerError, DeliveryTimeoutError } from '../../../src/errors/kafka-error.js';

describe('LatencyRecorder', () => {
  it('computes average, maximum and nearest-rank percentiles', () => {
    const recorder = new LatencyRecorder(1000, 0);
    for (let latency = 1000; latency >= 1; latency--) recorder.record(latency, 10);
    assert.equal(recorder.records, 1000);
    assert.equal(recorder.bytes, 10_000);
    assert.equal(recorder.averageMs, 500.5);
    assert.equal(recorder.maxMs, 1000);
    assert.deepEqual(recorder.percentiles(), { p50: 500, p95: 950, p99: 990, p999: 999 });
  });

  it('samples every n-th record of a long run and still covers the range', () => {
    const recorder = new LatencyRecorder(2_000_000, 0);
    for (let index = 0; index < 2_000_000; index++) recorder.record(index % 100, 1);
    const percentiles = recorder.percentiles();
    assert.ok(percentiles.p50 >= 45 && percentiles.p50 <= 55, `p50 ${percentiles.p50}`);
    assert.equal(recorder.maxMs, 99);
  });

  it('reports a window since the previous one', () => {
    const recorder = new LatencyRecorder(10, 0);
    recorder.record(5, 100);
    recorder.record(15, 100);
    assert.deepEqual(recorder.takeWindow(1000), { records: 2, bytes: 200, elapsedMs: 1000, averageMs: 10, maxMs: 15 });
    recorder.record(1, 100);
    assert.deepEqual(recorder.takeWindow(1500), { records: 1, bytes: 100, elapsedMs: 500, averageMs: 1, maxMs: 1 });
  });

  it('reports zeros before any record', () => {
    assert.deepEqual(new LatencyRecorder(10).percentiles(), { p50: 0, p95: 0, p99: 0, p999: 0 });
  });
});

describe('SendWindow', () => {
  it('admits up to its limit, then waits until half has settled', async () => {
    const window = new SendWindow(4);
    for (let index = 0; index < 4; index++) await window.admit();
    let admitted = false;
    const waiting = window.admit().then(() => {
      admitted = true;
    });
    window.settled();
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(admitted, false, 'not admitted with 3 of 4 unsettled');
    window.settled();
    await waiting;
    assert.equal(admitted, true);
    assert.equal(window.size, 3);
  });

  it('drain resolves once every admitted record settled', async () => {
    const window = new SendWindow(10);
    await window.admit();
    await window.admit();
    let drained = false;
    const draining = window.drain().then(() => {
      drained = true;
    });
    window.settled();
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(drained, false);
    window.settled();
    await draining;
    assert.equal(drained, true);
  });
});

describe('FailureTally', () => {
  it('groups failures by error code, most frequent first, with examples and possibly written counts', () => {
    const tally = new FailureTally();
    const tooLarge = new BrokerError('MESSAGE_TOO_LARGE', 'batch too large');
    tally.add(tooLarge, 'stdin:2');
    tally.add(new DeliveryTimeoutError('timed out', true), 'stdin:5');
    tally.add(new DeliveryTimeoutError('timed out', true), 'stdin:6');
    tally.add(new Error('plain'), undefined, 3);
    assert.equal(tally.total, 6);
    assert.deepEqual(tally.counts(), { MESSAGE_TOO_LARGE: 1, DELIVERY_TIMEOUT: 2, Error: 3 });
    const lines = tally.lines();
    assert.equal(lines[0], '6 records failed:');
    assert.equal(lines[1], '  Error: 3 records');
    assert.equal(lines[3], '  DELIVERY_TIMEOUT: 2 records, 2 possibly written anyway (stdin:5, stdin:6)');
    assert.equal(lines[5], '  MESSAGE_TOO_LARGE: 1 record (stdin:2)');
    assert.equal(lines[6], '    batch too large');
  });

  it('keeps up to three distinct messages per code, not those differing in numbers only', () => {
    const tally = new FailureTally();
    tally.add(new BrokerError('MESSAGE_TOO_LARGE', 'Batch of 570 bytes refused'));
    tally.add(new BrokerError('MESSAGE_TOO_LARGE', 'Batch of 612 bytes refused'));
    tally.add(new BrokerError('MESSAGE_TOO_LARGE', 'Not resent: an earlier batch failed'));
    for (let index = 0; index < 5; index++) tally.add(new BrokerError('MESSAGE_TOO_LARGE', `other reason ${'x'.repeat(index)}`));
    assert.deepEqual(tally.lines().slice(1), [
      '  MESSAGE_TOO_LARGE: 8 records',
      '    Batch of 570 bytes refused',
      '    Not resent: an earlier batch failed',
      '    other reason ',
    ]);
  });

  it('prints nothing when nothing failed', () => {
    assert.deepEqual(new FailureTally().lines(), []);
  });
});
