// Run by journal-crash.test.ts as a child process that the test kills with SIGKILL: it journals
// groups of 10 records and a batch entry for the group before, acknowledges every even batch, and
// reports each batch once it is durable. At any moment the newest group is not yet batched.
import { Journal } from '../../../src/journal/journal.js';

const record = (index: number) => ({ topic: 'orders', partition: 0, timestamp: 1_700_000_000_000 + index, key: null, value: `value-${index}` });

const directory = process.argv[2]!;
const journal = await Journal.open({ directory, sync: 'always' });
journal.appendIdentity({ producerId: 77n, epoch: 4, time: 1 });
let index = 0;
const group = () => Array.from({ length: 10 }, () => journal.appendRecord(record(index++)));
let previous = group();
// Bounded: the test kills the process long before the last group.
for (let batch = 0; batch < 5000; batch++) {
  const next = group();
  const number = journal.appendBatch({ topic: 'orders', partition: 0, producerId: 77n, epoch: 4, baseSequence: batch * 10, records: previous });
  if (batch % 2 === 0) journal.acknowledge(number, BigInt(batch * 10));
  previous = next;
  await journal.whenDurable(journal.nextNumber - 1);
  process.stdout.write(`durable ${batch}\n`);
}
await journal.close();
