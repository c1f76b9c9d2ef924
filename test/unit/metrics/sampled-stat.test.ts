// The windowed statistics, stepped through by hand: which samples a measurement combines, the
// time a rate divides by, and that an average never exceeds its maximum.
import * as assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import * as fc from 'fast-check';
import { Meter, SampledStat } from '../../../src/metrics/sampled-stat.js';

const T0 = 1_000_000;
const javaDefaults = { windowMs: 30_000, samples: 2 };

describe('SampledStat', () => {
  it('reads a rate before the first window is over against samples - 1 whole windows more', () => {
    const stat = new SampledStat(javaDefaults);
    stat.record(60, T0);
    // 10 s into the first window: 60 over 10 s + one missing 30 s window.
    assert.equal(stat.rate(T0 + 10_000), (60 * 1000) / 40_000);
  });

  it('divides by the time the retained samples span once they cover the windows', () => {
    const stat = new SampledStat(javaDefaults);
    stat.record(30, T0);
    stat.record(30, T0 + 30_000); // a new sample: the first one is 30 s old
    assert.equal(stat.rate(T0 + 45_000), (60 * 1000) / 45_000);
  });

  it('drops a sample whose last event is samples x windowMs old', () => {
    const stat = new SampledStat(javaDefaults);
    stat.record(30, T0);
    stat.record(30, T0 + 30_000);
    assert.equal(stat.values(T0 + 59_999).sum, 60, 'the first sample still counts');
    // At T0 + 61 s the first sample restarts, empty, then; the second one (from T0 + 30 s) remains
    // and the rate spans from its start.
    assert.equal(stat.values(T0 + 61_000).sum, 30);
    assert.equal(stat.spanMs(T0 + 61_000), 31_000);
    assert.equal(stat.rate(T0 + 61_000), (30 * 1000) / 31_000);
    assert.equal(stat.rate(T0 + 200_000), 0, 'nothing within the windows');
  });

  it('keeps the sample current when the span began, as long as it saw an event inside it', () => {
    const stat = new SampledStat(javaDefaults);
    stat.record(1, T0);
    stat.record(2, T0 + 29_000); // same sample as T0, its last event at T0 + 29 s
    stat.record(4, T0 + 30_000); // second sample
    stat.record(8, T0 + 60_000); // third slot: samples + 1
    // At T0 + 70 s the span is [T0 + 10 s, T0 + 70 s]: the first sample's last event is inside it.
    assert.deepEqual(stat.values(T0 + 70_000), { count: 4, sum: 15, max: 8 });
    // At T0 + 89 s its last event (T0 + 29 s) is 60 s old: it goes.
    assert.deepEqual(stat.values(T0 + 89_000), { count: 2, sum: 12, max: 8 });
    // A fourth sample reuses the oldest slot; at T0 + 90 s the second one's last event is 60 s old.
    stat.record(16, T0 + 90_000);
    assert.deepEqual(stat.values(T0 + 90_000), { count: 2, sum: 24, max: 16 });
  });

  it('averages and maximises over the same samples, so the maximum falls when its sample expires', () => {
    const stat = new SampledStat(javaDefaults);
    stat.record(100, T0);
    stat.record(10, T0 + 30_000);
    assert.equal(stat.avg(T0 + 40_000), 55);
    assert.equal(stat.max(T0 + 40_000), 100);
    assert.equal(stat.avg(T0 + 61_000), 10);
    assert.equal(stat.max(T0 + 61_000), 10);
  });

  it('has no average or maximum (NaN) and a zero rate when nothing was recorded', () => {
    const stat = new SampledStat(javaDefaults);
    assert.ok(Number.isNaN(stat.avg(T0)));
    assert.ok(Number.isNaN(stat.max(T0)));
    assert.equal(stat.rate(T0), 0);
  });

  it('never reads an average above the maximum, even where a floating-point sum rounds up', () => {
    const stat = new SampledStat(javaDefaults);
    for (let index = 0; index < 3; index++) stat.record(0.1, T0);
    assert.ok(0.1 + 0.1 + 0.1 > 0.3, 'the sum rounds up');
    assert.equal(stat.avg(T0), 0.1);
  });

  it('with one sample, reads a rate over at least 1 ms', () => {
    const stat = new SampledStat({ windowMs: 1000, samples: 1 });
    stat.record(5, T0);
    assert.equal(stat.rate(T0), 5000);
  });

  it('keeps avg <= max and counts every event of the span, whatever the events (property)', () => {
    fc.assert(
      fc.property(
        fc.record({ windowMs: fc.integer({ min: 1, max: 1000 }), samples: fc.integer({ min: 1, max: 5 }) }),
        fc.array(fc.tuple(fc.integer({ min: 0, max: 700 }), fc.double({ min: -1e6, max: 1e6, noNaN: true })), { maxLength: 60 }),
        fc.integer({ min: 0, max: 3000 }),
        (windows, events, lastStep) => {
          const stat = new SampledStat(windows);
          const meter = new Meter(windows);
          let now = T0;
          let total = 0;
          for (const [step, value] of events) {
            now += step;
            stat.record(value, now);
            meter.record(value, now);
            total += value;
            const avg = stat.avg(now);
            assert.ok(avg <= stat.max(now), `avg ${avg} <= max ${stat.max(now)}`);
          }
          now += lastStep;
          const { count, max } = stat.values(now);
          // Events within the last samples x windowMs are always counted; none older than the
          // samples + 1 windows (a sample lives at most windowMs, plus the span) ever is.
          let recent = 0;
          let old = 0;
          let time = T0;
          for (const [step] of events) {
            time += step;
            if (now - time < windows.samples * windows.windowMs) recent++;
            else if (now - time >= (windows.samples + 1) * windows.windowMs) old++;
          }
          assert.ok(count >= recent && count <= events.length - old, `${recent} <= ${count} <= ${events.length - old}`);
          if (count === 0) assert.ok(Number.isNaN(max));
          assert.equal(meter.total, total);
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe('Meter', () => {
  it('counts its total from the start while its rate covers the windows', () => {
    const meter = new Meter(javaDefaults);
    meter.record(10, T0);
    meter.record(5, T0 + 100_000);
    assert.equal(meter.total, 15);
    assert.equal(meter.rate(T0 + 100_000), (5 * 1000) / 30_000, 'only the recent 5, over one missing window');
  });
});
