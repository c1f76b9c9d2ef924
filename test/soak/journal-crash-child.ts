// The child of the journal crash soak: a producer with a journal that enqueues numbered records
// `from` to `to` (record n goes to partition n % partitions, its value is n) in calls of 100, a few
// calls at a time, and reports on stdout `s <end>` before each call and `d <start> <end>` once it
// resolved, then closes and reports `closed`. Its parent kills it with SIGKILL at random moments.
// Usage: node journal-crash-child.js <bootstrap> <directory> <from> <to> <partitions> [topic, default t]
import { Producer } from '../../src/index.js';

const [bootstrapServers, directory, fromText, toText, partitionsText, topicArgument] = process.argv.slice(2);
const topic = topicArgument ?? 't';
const from = Number(fromText);
const to = Number(toText);
const partitions = Number(partitionsText);
const CALL = 100;
const WINDOW = 16;

// Pipes are written synchronously on Linux, so a line is out before the next step begins.
const report = (line: string): void => {
  process.stdout.write(`${line}\n`);
};

const producer = new Producer({
  bootstrapServers: bootstrapServers!,
  journal: { directory: directory! },
  lingerMs: 2,
  requestTimeoutMs: 1000,
  deliveryTimeoutMs: 5000,
  retryBackoffMs: 20,
  retryBackoffMaxMs: 200,
  reconnectBackoffMaxMs: 200,
  circuitBreaker: false,
  logger: { error: (message) => process.stderr.write(`${message}\n`) },
});
producer.on('journal', (event) => {
  report(`event ${event.kind} ${event.kind === 'recovered' ? event.records : event.count}`);
});

async function main(): Promise<void> {
  await producer.connect();
  const running = new Set<Promise<void>>();
  for (let start = from; start < to; start += CALL) {
    const end = Math.min(start + CALL, to);
    const messages = [];
    for (let index = start; index < end; index++) messages.push({ partition: index % partitions, value: String(index) });
    report(`s ${end}`);
    const call: Promise<void> = producer.enqueue({ topic, messages }).then(() => {
      running.delete(call);
      report(`d ${start} ${end}`);
    });
    running.add(call);
    if (running.size >= WINDOW) await Promise.race(running);
  }
  await Promise.all(running);
  await producer.close();
  report('closed');
}

main().catch((error: unknown) => {
  process.stderr.write(`child failed: ${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
