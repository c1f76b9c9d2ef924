// ProducerMetrics under a hand-stepped clock: a scripted sequence of appends, requests, responses,
// retries and failures, and the exact value of every metric it leads to, then and once the sample
// windows have passed.
import * as assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { MetricsSnapshot } from '../../../src/metrics/metric-definitions.js';
import { type MeasuredBatch, ProducerMetrics } from '../../../src/metrics/producer-metrics.js';

const T0 = 5_000_000;
const WINDOW = 30_000;

function batch(topic: string, fields: Partial<MeasuredBatch> & { recordCount: number; sizeInBytes: number }): MeasuredBatch & { attempts: number } {
  return { uncompressedBytes: fields.sizeInBytes, createdAt: T0, attempts: 1, topicPartition: { topic, partition: 0 }, ...fields };
}

// The rate the Java sampling gives for `sum` recorded from `first` on, read at `now` within the
// first two windows: over the time since `first` plus one missing window.
function rateSince(sum: number, first: number, now: number): number {
  return (sum * 1000) / (now - first + WINDOW);
}

function scripted(): { metrics: ProducerMetrics; clock: { time: number } } {
  const clock = { time: T0 };
  const metrics = new ProducerMetrics({ clientId: 'scripted', windows: { windowMs: WINDOW, samples: 2 }, now: () => clock.time });
  // Two connections opened at T0.
  metrics.connectionCreated();
  metrics.connectionCreated();
  // Three records appended (sizes of key, value and headers).
  metrics.recordAppend(10, T0);
  metrics.recordAppend(20, T0);
  metrics.recordAppend(30, T0);
  // Batch a (3 records, 100 bytes compressed from 200, created at T0 - 5) sent at T0 in 180 bytes.
  const a = batch('a', { recordCount: 3, sizeInBytes: 100, uncompressedBytes: 200, createdAt: T0 - 5 });
  const first = metrics.requestSent(1, 9, [a], 180);
  clock.time = T0 + 12;
  metrics.requestDone(first, 7); // latency 12, throttled 7 ms
  metrics.recordRetry(a);
  // Resent at T0 + 20 with its batch b (2 records of topic b, created at T0 + 15) in 290 bytes.
  clock.time = T0 + 20;
  a.attempts = 2;
  const b = batch('b', { recordCount: 2, sizeInBytes: 50, createdAt: T0 + 15 });
  const second = metrics.requestSent(1, 9, [a, b], 290);
  clock.time = T0 + 30;
  metrics.requestDone(second, 0); // latency 10
  metrics.recordBatchDone(a, true);
  metrics.recordBatchDone(b, false); // b's records failed
  // A third request gets no answer: no latency, no throttle.
  clock.time = T0 + 40;
  const c = batch('b', { recordCount: 1, sizeInBytes: 40, createdAt: T0 + 40 });
  const third = metrics.requestSent(2, 9, [c], 100);
  clock.time = T0 + 1040;
  metrics.requestDone(third, undefined, new Error('request timed out'));
  // Records wait for buffer memory from T0 + 2000 to T0 + 4000; two are rejected.
  clock.time = T0 + 2000;
  metrics.bufferWaitChanged(true);
  clock.time = T0 + 4000;
  metrics.bufferWaitChanged(false);
  metrics.recordBufferExhausted();
  metrics.recordBufferExhausted();
  return { metrics, clock };
}

const gauges = { bufferedBytes: 1000, bufferTotalBytes: 4096, connectionCount: 2 };

describe('ProducerMetrics', () => {
  it('reports the Java metrics of a scripted run exactly', () => {
    const { metrics, clock } = scripted();
    clock.time = T0 + 10_000;
    const now = clock.time;
    const snapshot = metrics.snapshot(gauges);
    const expected: Omit<MetricsSnapshot, 'topics' | 'nodes'> = {
      'record-send-total': 3 + 5 + 1, // a, then a and b, then c: a resent record counts again
      'record-send-rate': rateSince(9, T0, now),
      'record-error-total': 2,
      'record-error-rate': rateSince(2, T0 + 30, now),
      'record-retry-total': 3,
      'record-retry-rate': rateSince(3, T0 + 12, now),
      'record-size-avg': 20,
      'record-size-max': 30,
      'batch-size-avg': (100 + 100 + 50 + 40) / 4,
      'batch-size-max': 100,
      'records-per-request-avg': 9 / 3,
      'compression-rate-avg': (0.5 + 0.5 + 1 + 1) / 4,
      'record-queue-time-avg': (5 + 5 + 0) / 3, // a's first send (5), b's (5), c's (0); not a's resend
      'record-queue-time-max': 5,
      'request-latency-avg': (12 + 10) / 2,
      'request-latency-max': 12,
      'request-rate': rateSince(3, T0, now),
      'request-total': 3,
      'produce-throttle-time-avg': 7 / 2,
      'produce-throttle-time-max': 7,
      'outgoing-byte-rate': rateSince(570, T0, now),
      'outgoing-byte-total': 180 + 290 + 100,
      'buffer-total-bytes': 4096,
      'buffer-available-bytes': 3096,
      'buffer-exhausted-rate': rateSince(2, T0 + 4000, now),
      'buffer-exhausted-total': 2,
      'bufferpool-wait-ratio': 2000 / (now - (T0 + 4000) + WINDOW),
      'connection-count': 2,
      'connection-creation-rate': rateSince(2, T0, now),
      'connection-creation-total': 2,
    };
    const { topics, nodes, journal, ...producerWide } = snapshot;
    assert.equal(journal, undefined, 'no journal metrics without the journal');
    assert.deepEqual(producerWide, expected);
    assert.deepEqual(nodes, {
      // Broker 1 took the first two requests (a; a and b), broker 2 the third, which got no answer.
      '1': {
        'request-rate': rateSince(2, T0, now),
        'request-total': 2,
        'request-latency-avg': (12 + 10) / 2,
        'request-latency-max': 12,
        'outgoing-byte-rate': rateSince(180 + 290, T0, now),
        'outgoing-byte-total': 180 + 290,
        'record-send-rate': rateSince(3 + 5, T0, now),
        'record-send-total': 3 + 5,
      },
      '2': {
        'request-rate': rateSince(1, T0 + 40, now),
        'request-total': 1,
        'request-latency-avg': Number.NaN,
        'request-latency-max': Number.NaN,
        'outgoing-byte-rate': rateSince(100, T0 + 40, now),
        'outgoing-byte-total': 100,
        'record-send-rate': rateSince(1, T0 + 40, now),
        'record-send-total': 1,
      },
    });
    assert.deepEqual(topics, {
      a: {
        'record-send-rate': rateSince(6, T0, now),
        'record-send-total': 6,
        'record-error-rate': 0,
        'record-error-total': 0,
        'record-retry-rate': rateSince(3, T0 + 12, now),
        'record-retry-total': 3,
        'byte-rate': rateSince(200, T0, now),
        'byte-total': 200,
        'compression-rate': 0.5,
      },
      b: {
        'record-send-rate': rateSince(3, T0 + 20, now),
        'record-send-total': 3,
        'record-error-rate': rateSince(2, T0 + 30, now),
        'record-error-total': 2,
        'record-retry-rate': 0,
        'record-retry-total': 0,
        'byte-rate': rateSince(90, T0 + 20, now),
        'byte-total': 90,
        'compression-rate': 1,
      },
    });
    for (const [name, value] of Object.entries(producerWide) as [string, number][]) {
      if (name.endsWith('-rate') || name.endsWith('-ratio')) assert.ok(value > 0, `${name} > 0`);
    }
  });

  it('forgets windowed values once the windows have passed, keeping the totals', () => {
    const { metrics, clock } = scripted();
    clock.time = T0 + 10 * WINDOW;
    const snapshot = metrics.snapshot(gauges);
    for (const name of ['record-send-rate', 'record-error-rate', 'record-retry-rate', 'request-rate', 'outgoing-byte-rate', 'buffer-exhausted-rate', 'bufferpool-wait-ratio'] as const) {
      assert.equal(snapshot[name], 0, name);
    }
    for (const name of ['record-size-avg', 'record-size-max', 'batch-size-avg', 'batch-size-max', 'record-queue-time-avg', 'record-queue-time-max', 'request-latency-avg', 'request-latency-max', 'produce-throttle-time-avg', 'produce-throttle-time-max'] as const) {
      assert.ok(Number.isNaN(snapshot[name]), `${name} is NaN with nothing in the windows`);
    }
    assert.equal(snapshot['record-send-total'], 9);
    assert.equal(snapshot['request-total'], 3);
    assert.equal(snapshot.topics.a!['record-send-total'], 6);
    assert.equal(snapshot.topics.a!['record-send-rate'], 0);
  });

  it('counts a wait for buffer memory while it lasts, in the windows it spans', () => {
    const clock = { time: T0 };
    const metrics = new ProducerMetrics({ clientId: 'wait', windows: { windowMs: WINDOW, samples: 2 }, now: () => clock.time });
    metrics.bufferWaitChanged(true);
    clock.time = T0 + 6000;
    // 6 s waited so far, recorded at T0 + 6 s: over 0 s of samples plus one missing window.
    assert.equal(metrics.snapshot(gauges)['bufferpool-wait-ratio'], 6000 / WINDOW);
    metrics.bufferWaitChanged(true); // already waiting: nothing changes
    clock.time = T0 + 100_000;
    // The wait went on all along: the last 60 s (and more) are all waiting, capped at 1.
    assert.equal(metrics.snapshot(gauges)['bufferpool-wait-ratio'], 1);
    metrics.bufferWaitChanged(false);
    clock.time = T0 + 200_000;
    assert.equal(metrics.snapshot(gauges)['bufferpool-wait-ratio'], 0);
  });

  it('never reports an average above its maximum while batches of every size come and go', () => {
    const clock = { time: T0 };
    const metrics = new ProducerMetrics({ clientId: 'bounds', windows: { windowMs: 1000, samples: 2 }, now: () => clock.time });
    let seed = 7;
    const random = () => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    for (let step = 0; step < 2000; step++) {
      clock.time += Math.floor(random() * 300);
      const size = 1 + Math.floor(random() * 5000);
      const sent = metrics.requestSent(1, 9, [batch('t', { recordCount: 1 + Math.floor(random() * 9), sizeInBytes: size, uncompressedBytes: size * (1 + random()), createdAt: clock.time - Math.floor(random() * 400) })], size + 80);
      clock.time += Math.floor(random() * 50);
      metrics.requestDone(sent, Math.floor(random() * 3) * 10);
      const snapshot = metrics.snapshot(gauges);
      for (const stat of ['batch-size', 'record-queue-time', 'request-latency', 'produce-throttle-time'] as const) {
        const avg = snapshot[`${stat}-avg`];
        const max = snapshot[`${stat}-max`];
        assert.ok(avg <= max, `${stat}: avg ${avg} <= max ${max} at step ${step}`);
      }
      assert.ok(snapshot['compression-rate-avg'] <= 1);
    }
  });
});
