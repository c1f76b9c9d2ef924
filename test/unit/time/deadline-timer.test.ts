// DeadlineTimer on a manual clock: one timer for the earliest deadline, re-armed only for an
// earlier one, disarmed before onDue runs (so onDue can arm the next), cancelled for good.
import * as assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DeadlineTimer } from '../../../src/time/deadline-timer.js';
import { ManualClock } from '../../helpers/manual-clock.js';

describe('DeadlineTimer', () => {
  it('is unarmed at first (due is Infinity) and fires once at the armed deadline', async () => {
    const clock = new ManualClock();
    const fired: number[] = [];
    const timer = new DeadlineTimer(clock, () => fired.push(clock.now()));
    assert.equal(timer.due, Number.POSITIVE_INFINITY);
    const due = clock.now() + 100;
    timer.arm(due);
    assert.equal(timer.due, due);
    await clock.advance(99);
    assert.deepEqual(fired, []);
    await clock.advance(1);
    assert.deepEqual(fired, [due]);
    assert.equal(timer.due, Number.POSITIVE_INFINITY);
    await clock.advance(1000);
    assert.deepEqual(fired, [due]);
  });

  it('re-arms for an earlier deadline and keeps its deadline for a later one', async () => {
    const clock = new ManualClock();
    const fired: number[] = [];
    const timer = new DeadlineTimer(clock, () => fired.push(clock.now()));
    const start = clock.now();
    timer.arm(start + 100);
    timer.arm(start + 50);
    assert.equal(timer.due, start + 50);
    timer.arm(start + 80);
    assert.equal(timer.due, start + 50);
    timer.arm(start + 50);
    assert.equal(timer.due, start + 50);
    await clock.advance(200);
    // Once, at the earliest: the replaced timer at +100 and the ignored +80 never fire.
    assert.deepEqual(fired, [start + 50]);
  });

  it('is disarmed when onDue runs, so that onDue can arm the next deadline, even a later one', async () => {
    const clock = new ManualClock();
    const start = clock.now();
    const deadlines = [start + 10, start + 30, start + 60];
    const fired: number[] = [];
    const seenDue: number[] = [];
    const timer = new DeadlineTimer(clock, () => {
      fired.push(clock.now());
      seenDue.push(timer.due);
      const next = deadlines.shift();
      if (next !== undefined) timer.arm(next);
    });
    timer.arm(deadlines.shift()!);
    await clock.advance(100);
    assert.deepEqual(fired, [start + 10, start + 30, start + 60]);
    assert.deepEqual(seenDue, [Number.POSITIVE_INFINITY, Number.POSITIVE_INFINITY, Number.POSITIVE_INFINITY]);
  });

  it('fires at once for a deadline already past', async () => {
    const clock = new ManualClock();
    let fired = 0;
    const timer = new DeadlineTimer(clock, () => fired++);
    timer.arm(clock.now() - 500);
    await clock.advance(0);
    assert.equal(fired, 1);
  });

  it('does not fire after cancel, and can be armed again after it, for any deadline', async () => {
    const clock = new ManualClock();
    const fired: number[] = [];
    const timer = new DeadlineTimer(clock, () => fired.push(clock.now()));
    const start = clock.now();
    timer.arm(start + 10);
    timer.cancel();
    assert.equal(timer.due, Number.POSITIVE_INFINITY);
    await clock.advance(50);
    assert.deepEqual(fired, []);
    timer.arm(start + 200);
    assert.equal(timer.due, start + 200);
    await clock.advance(200);
    assert.deepEqual(fired, [start + 200]);
  });

  it('ignores deadlines no timer can wait for (Infinity, NaN)', async () => {
    const clock = new ManualClock();
    let fired = 0;
    const timer = new DeadlineTimer(clock, () => fired++);
    timer.arm(Number.POSITIVE_INFINITY);
    timer.arm(Number.NaN);
    assert.equal(timer.due, Number.POSITIVE_INFINITY);
    await clock.advance(1_000_000);
    assert.equal(fired, 0);
  });

  it('passes its timer options to the clock with every timer it sets', () => {
    const clock = new ManualClock();
    const seen: unknown[] = [];
    const recording = {
      now: () => clock.now(),
      soon: (callback: () => void) => clock.soon(callback),
      setTimer: (callback: () => void, delayMs: number, options?: { unref?: boolean }) => {
        seen.push(options);
        return clock.setTimer(callback, delayMs);
      },
    };
    const timer = new DeadlineTimer(recording, () => {}, { unref: true });
    timer.arm(clock.now() + 100);
    timer.arm(clock.now() + 50);
    assert.deepEqual(seen, [{ unref: true }, { unref: true }]);
  });
});
