// The system clock: its timers run once unless cancelled, `soon` runs after the current work, and
// an unref'd timer does not keep the process alive (checked in a child process that must exit).
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { systemClock } from '../../../src/time/clock.js';

describe('systemClock', () => {
  it('runs a timer once, after the current work, and never a cancelled one', async () => {
    const ran: string[] = [];
    systemClock.setTimer(() => ran.push('cancelled'), 0).cancel();
    await new Promise<void>((resolve) => {
      systemClock.setTimer(() => {
        ran.push('timer');
        resolve();
      }, 1);
      ran.push('current work');
    });
    await new Promise((resolve) => setTimeout(resolve, 5));
    assert.deepEqual(ran, ['current work', 'timer']);
  });

  it('runs soon() callbacks after the current work, in order', async () => {
    const ran: number[] = [];
    await new Promise<void>((resolve) => {
      systemClock.soon(() => ran.push(1));
      systemClock.soon(() => {
        ran.push(2);
        resolve();
      });
      ran.push(0);
    });
    assert.deepEqual(ran, [0, 1, 2]);
  });

  it('reads the time as Date.now does', () => {
    const before = Date.now();
    const now = systemClock.now();
    assert.ok(now >= before && now <= Date.now());
  });

  it('lets the process exit while an unref timer waits, and keeps it alive for a ref one', () => {
    const clockModule = fileURLToPath(new URL('../../../src/time/clock.js', import.meta.url));
    const script = (unref: boolean) =>
      `const { systemClock } = await import(${JSON.stringify(clockModule)});
       systemClock.setTimer(() => { console.log('fired'); }, 300, { unref: ${unref} });`;
    const unrefRun = spawnSync(process.execPath, ['--input-type=module', '-e', script(true)], { encoding: 'utf8', timeout: 20_000 });
    assert.equal(unrefRun.status, 0, unrefRun.stderr);
    assert.equal(unrefRun.stdout, '');
    const refRun = spawnSync(process.execPath, ['--input-type=module', '-e', script(false)], { encoding: 'utf8', timeout: 20_000 });
    assert.equal(refRun.status, 0, refRun.stderr);
    assert.equal(refRun.stdout, 'fired\n');
  });
});
