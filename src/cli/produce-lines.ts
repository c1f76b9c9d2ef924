// The `produce` loop: one record per input line, sent as it is read, with at most `maxPending`
// records unsettled (reading waits, so stdin is never held in memory). With a transactional
// producer every `transactionSize` lines form a transaction, committed before the next begins; the
// records of a transaction that fails to commit are counted as failed (aborted), whether or not
// the broker had acknowledged them.
import { createReadStream } from 'node:fs';
import type { Readable } from 'node:stream';
import { KafkaError, TransactionAbortedError } from '../errors/kafka-error.js';
import type { Producer } from '../producer/producer.js';
import { FailureTally, plural } from './failure-tally.js';
import { formatBytes, formatCount, formatSeconds, perSecond } from './format-units.js';
import { INTERRUPTED_EXIT_CODE, onFirstInterrupt } from './interrupt.js';
import { type Header, type LineFormat, parseLine } from './line-format.js';
import { readLines } from './line-reader.js';
import { SendWindow } from './send-window.js';
import { StatusLine } from './status-line.js';

export interface ProduceSettings {
  readonly topic: string;
  /** Every record to this partition; undefined lets the partitioner choose. */
  readonly partition: number | undefined;
  readonly format: LineFormat;
  /** Headers of every record, before the line's own. */
  readonly headers: readonly Header[];
  /** Files to read in order; '-' is stdin. */
  readonly inputs: readonly string[];
  /** Lines per transaction, for a transactional producer; undefined otherwise. */
  readonly transactionSize: number | undefined;
  /** Most records sent and not yet settled. */
  readonly maxPending: number;
}

/** What a run got written: records acknowledged (and committed), their bytes, transactions committed. */
interface Totals {
  sent: number;
  bytes: number;
  transactions: number;
}

type Outcome = { readonly ok: true; readonly bytes: number } | { readonly ok: false; readonly error: unknown; readonly where: string };

interface OpenTransaction {
  readonly outcomes: Promise<Outcome>[];
  readonly firstLine: string;
}

/** Produces every line of the inputs; resolves with the exit code (0 when every record was sent). */
export async function produceLines(producer: Producer, settings: ProduceSettings, stdin: () => Readable = () => process.stdin): Promise<number> {
  const tally = new FailureTally();
  const totals: Totals = { sent: 0, bytes: 0, transactions: 0 };
  const window = new SendWindow(settings.maxPending);
  const started = Date.now();
  const transactional = settings.transactionSize !== undefined;
  let fatal: unknown;
  let interrupted = false;
  let reading: Readable | undefined;
  const stopListening = onFirstInterrupt(() => {
    interrupted = true;
    reading?.destroy();
  });
  const status = new StatusLine(
    () =>
      `produce: ${formatCount(totals.sent)} sent, ${formatCount(tally.total)} failed, ${formatCount(window.size)} in flight, ${formatBytes(totals.bytes)}, ${formatCount(perSecond(totals.sent, Date.now() - started))} records/s`,
  );

  // One record of a line: sent at once; its outcome counted when it settles (without transactions)
  // or when its transaction ends.
  const send = (key: string | null, value: string, headers: readonly Header[], where: string): Promise<Outcome> => {
    const size = Buffer.byteLength(value) + (key === null ? 0 : Buffer.byteLength(key)) + headersSize(headers);
    const record = {
      topic: settings.topic,
      key,
      value,
      ...(headers.length > 0 ? { headers } : {}),
      ...(settings.partition !== undefined ? { partition: settings.partition } : {}),
    };
    return producer.send(record).then(
      (): Outcome => {
        window.settled();
        return { ok: true, bytes: size };
      },
      (error: unknown): Outcome => {
        window.settled();
        return { ok: false, error, where };
      },
    );
  };
  const count = (outcome: Outcome) => {
    if (outcome.ok) {
      totals.sent++;
      totals.bytes += outcome.bytes;
    } else {
      tally.add(outcome.error, outcome.where);
    }
  };

  let transaction: OpenTransaction | undefined;
  try {
    try {
      if (transactional) await producer.initTransactions();
      else await producer.connect();
    } catch (error) {
      status.stop();
      process.stderr.write(`Cannot start producing: ${error instanceof Error ? error.message : String(error)}\n`);
      process.stderr.write("Run 'kafka-producer check --bootstrap-servers ...' (with the same TLS and SASL options) to find out why.\n");
      return 1;
    }
    inputs: for (const input of settings.inputs) {
      const name = input === '-' ? 'stdin' : input;
      reading = input === '-' ? stdin() : createReadStream(input);
      let lineNumber = 0;
      try {
        for await (const line of readLines(reading)) {
          lineNumber++;
          const where = `${name}:${lineNumber}`;
          const parsed = parseLine(line, settings.format);
          if (!parsed.ok) {
            tally.add(new KafkaError('INVALID_LINE', `Line not sent: ${parsed.reason}`), where);
            continue;
          }
          const headers = settings.headers.length === 0 ? parsed.headers : [...settings.headers, ...parsed.headers];
          await window.admit();
          if (!transactional) {
            void send(parsed.key, parsed.value, headers, where).then(count);
            continue;
          }
          if (!transaction) {
            producer.beginTransaction();
            transaction = { outcomes: [], firstLine: where };
          }
          transaction.outcomes.push(send(parsed.key, parsed.value, headers, where));
          if (transaction.outcomes.length >= settings.transactionSize!) {
            const ended = transaction;
            transaction = undefined;
            fatal = await commit(producer, ended, totals, tally, count);
            if (fatal !== undefined) break inputs;
          }
        }
      } catch (error) {
        // Destroying the stream on Ctrl-C ends its iteration with an error: that is the stop asked for.
        if (!interrupted) throw error;
      }
      if (interrupted) break;
    }
    if (transaction) {
      const ended = transaction;
      transaction = undefined;
      fatal = interrupted ? await abort(producer, ended, tally, count, 'the run was interrupted') : await commit(producer, ended, totals, tally, count);
    } else if (!transactional) {
      await producer.flush();
    }
    await window.drain();
  } finally {
    status.stop();
    stopListening();
    await producer.close();
  }

  const elapsedMs = Date.now() - started;
  const transactions = transactional ? `, ${totals.transactions} ${plural(totals.transactions, 'transaction')} committed` : '';
  process.stderr.write(
    `Produced to '${settings.topic}': ${formatCount(totals.sent)} ${plural(totals.sent, 'record')} sent, ${formatCount(tally.total)} failed, ${formatBytes(totals.bytes)} in ${formatSeconds(elapsedMs)} (${formatCount(perSecond(totals.sent, elapsedMs))} records/s)${transactions}.\n`,
  );
  for (const line of tally.lines()) process.stderr.write(`${line}\n`);
  if (fatal !== undefined) {
    process.stderr.write(`Stopped: the producer cannot go on: ${fatal instanceof Error ? fatal.message : String(fatal)}\n`);
    return 1;
  }
  if (interrupted) return INTERRUPTED_EXIT_CODE;
  return tally.total > 0 ? 1 : 0;
}

// Commits a transaction once its records settled. A commit that fails (a record of it failed, or
// the coordinator refused) is followed by an abort; resolves with the error that makes the
// producer unusable, if the abort failed too.
async function commit(producer: Producer, transaction: OpenTransaction, totals: Totals, tally: FailureTally, count: (outcome: Outcome) => void): Promise<unknown> {
  let commitError: unknown;
  try {
    await producer.commitTransaction();
  } catch (error) {
    commitError = error;
  }
  if (commitError === undefined) {
    for (const outcome of await Promise.all(transaction.outcomes)) count(outcome);
    totals.transactions++;
    return undefined;
  }
  return abort(producer, transaction, tally, count, commitError instanceof Error ? commitError.message : String(commitError), commitError);
}

// Aborts a transaction: its failed records count with their own errors, the acknowledged ones as
// aborted (they are in the log, but no read_committed consumer sees them).
async function abort(
  producer: Producer,
  transaction: OpenTransaction,
  tally: FailureTally,
  count: (outcome: Outcome) => void,
  why: string,
  cause?: unknown,
): Promise<unknown> {
  let fatal: unknown;
  try {
    await producer.abortTransaction();
  } catch (error) {
    fatal = error;
  }
  let acknowledged = 0;
  for (const outcome of await Promise.all(transaction.outcomes)) {
    if (outcome.ok) acknowledged++;
    else count(outcome);
  }
  if (acknowledged > 0) {
    const error = new TransactionAbortedError(`Acknowledged, then aborted with their transaction (from ${transaction.firstLine}): ${why}`, { cause });
    tally.add(error, `transaction from ${transaction.firstLine}`, acknowledged);
  }
  return fatal;
}

function headersSize(headers: readonly Header[]): number {
  let size = 0;
  for (const [name, value] of headers) size += Buffer.byteLength(name) + (value === null ? 0 : Buffer.byteLength(value));
  return size;
}
