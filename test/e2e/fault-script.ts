// Produces numbered records while a script of faults runs against a real cluster. Each fault
// starts once a given number of records was sent and the previous fault finished; while one is
// under way the records keep coming at a trickle (about 2,000 a second), so that every fault,
// however long a broker takes to restart, happens in the middle of the stream rather than after it.
import * as assert from 'node:assert/strict';
import type { Producer } from '../../src/index.js';
import type { Ledger } from './read-back.js';

export interface FaultStep {
  /** Starts once this many records were sent. */
  readonly at: number;
  readonly name: string;
  readonly run: () => Promise<void>;
}

export interface StreamOptions {
  readonly producer: Producer;
  readonly ledger: Ledger;
  readonly topic: string;
  readonly records: number;
  /** Keyed records (`customer-<n mod 1000>`) unless false. */
  readonly keyed?: boolean;
  readonly steps?: readonly FaultStep[];
}

/** Sends `records` records through the steps; resolves once every send settled and every step ended. */
export async function produceThroughFaults(options: StreamOptions): Promise<{ started: string[] }> {
  const { producer, ledger, topic, records } = options;
  const steps = options.steps ?? [];
  const started: string[] = [];
  let next = 0;
  let running: Promise<void> | undefined;
  let failure: unknown;
  const window: Promise<void>[] = [];
  for (let number = 0; number < records; number++) {
    if (!running && next < steps.length && number >= steps[next]!.at) {
      const step = steps[next++]!;
      started.push(step.name);
      running = step.run().then(
        () => {
          running = undefined;
        },
        (error: unknown) => {
          failure ??= new Error(`fault step '${step.name}' failed: ${String(error)}`, { cause: error });
          running = undefined;
        },
      );
    }
    if (failure) break;
    if (running && number % 50 === 0) await new Promise((resolve) => setTimeout(resolve, 25));
    const key = options.keyed === false ? null : `customer-${number % 1000}`;
    window.push(ledger.track(number, producer.send({ topic, key, value: ledger.value(number) })));
    if (window.length >= 20_000) await Promise.all(window.splice(0, 10_000));
  }
  await running;
  await Promise.all(window);
  if (failure) throw failure;
  assert.equal(started.length, steps.length, `every fault started while records were being sent (started: ${started.join(', ')})`);
  return { started };
}
