// Runs the producer's interceptors around send(): onSend on each record, in interceptor order,
// before anything else looks at it, and onAcknowledgement once per record with its outcome. A
// throwing interceptor is logged and skipped, as in the Java client: it never fails a send. After
// the interceptors, a SendObserver (the producer's OpenTelemetry bridge) sees each call whole. The
// producer makes a chain only when interceptors or an observer are configured, so a producer
// without them pays nothing.
import { KafkaError, withPossiblyPersisted } from '../../errors/kafka-error.js';
import type { Message, ProducerRecord, RecordMetadata, TopicMessages } from '../producer-record.js';
import type { RecordObserver } from './observed-delivery.js';
import type { ProducerInterceptor } from './producer-interceptor.js';
import type { SendCallListener, SendObserver } from './send-observer.js';

type Log = (level: 'warn', message: string, context: Record<string, unknown>) => void;

/** The producer's own send(), told per record outcomes through `observer` for a multi-record call. */
export type InterceptedSend = (
  input: ProducerRecord | TopicMessages,
  observer: RecordObserver | undefined,
) => Promise<RecordMetadata | RecordMetadata[]>;

/** Consecutive records of a multi-record call that go to one topic (one send of their own). */
interface TopicRun {
  readonly topic: string;
  readonly start: number;
  readonly records: ProducerRecord[];
}

export class InterceptorChain {
  private readonly onSendHooks: { readonly index: number; readonly interceptor: ProducerInterceptor }[] = [];
  private readonly onAcknowledgementHooks: { readonly index: number; readonly interceptor: ProducerInterceptor }[] = [];

  constructor(
    interceptors: readonly ProducerInterceptor[],
    private readonly log: Log,
    private readonly observer: SendObserver | undefined = undefined,
  ) {
    interceptors.forEach((interceptor, index) => {
      if (interceptor.onSend !== undefined) this.onSendHooks.push({ index, interceptor });
      if (interceptor.onAcknowledgement !== undefined) this.onAcknowledgementHooks.push({ index, interceptor });
    });
  }

  /** send() through the interceptors; `next` is the producer's send without them. */
  send(input: ProducerRecord | TopicMessages, next: InterceptedSend): Promise<RecordMetadata | RecordMetadata[]> {
    // A call the producer rejects for its shape alone reaches no interceptor: it holds no record.
    if (typeof input !== 'object' || input === null) return callSafely(next, input, undefined);
    if ('messages' in input) {
      const messages: unknown = input.messages;
      if (!Array.isArray(messages) || !messages.every(isMessageObject)) return callSafely(next, input, undefined);
      return this.sendMany(input, messages as readonly Message[], next);
    }
    return this.sendOne(input, next);
  }

  /** Runs every onSend on `record`, each on what the one before returned; the record to send. */
  onSend(record: ProducerRecord): ProducerRecord {
    let current = record;
    for (const { index, interceptor } of this.onSendHooks) {
      try {
        const next: unknown = interceptor.onSend!(current);
        if (next === undefined) continue;
        if (!isObject(next)) throw new TypeError(`onSend returned ${next === null ? 'null' : typeof next}, expected a record or undefined`);
        current = next as ProducerRecord;
      } catch (error) {
        this.log('warn', 'a producer interceptor failed in onSend; the record goes on as it was before it', {
          interceptor: index,
          topic: current.topic,
          error: String(error),
        });
      }
    }
    return current;
  }

  /** Runs every onAcknowledgement with one record's outcome. */
  acknowledge(metadata: RecordMetadata, error: Error | undefined): void {
    for (const { index, interceptor } of this.onAcknowledgementHooks) {
      try {
        interceptor.onAcknowledgement!(metadata, error);
      } catch (thrown) {
        this.log('warn', 'a producer interceptor failed in onAcknowledgement', { interceptor: index, topic: metadata.topic, error: String(thrown) });
      }
    }
  }

  private sendOne(input: ProducerRecord, next: InterceptedSend): Promise<RecordMetadata> {
    const records = [this.onSend(input)];
    const call = this.beginCall(records, false);
    const record = records[0]!;
    return (callSafely(next, record, undefined) as Promise<RecordMetadata>).then(
      (metadata) => {
        this.acknowledge(metadata, undefined);
        if (call !== undefined) {
          call.recordDone(0, metadata);
          call.callSettled(undefined);
        }
        return metadata;
      },
      (error: unknown) => {
        this.acknowledge(failureMetadata(record), asError(error));
        if (call !== undefined) {
          call.recordFailed(0, asError(error));
          call.callSettled(error);
        }
        throw error;
      },
    );
  }

  // The observer's start of a call, which must not fail the send any more than an interceptor may.
  private beginCall(records: ProducerRecord[], several: boolean): SendCallListener | undefined {
    if (this.observer === undefined) return undefined;
    const before = records.slice();
    try {
      return guardedListener(this.observer.beginCall(records, several), this.log);
    } catch (error) {
      for (let index = 0; index < before.length; index++) records[index] = before[index]!;
      this.log('warn', 'the send instrumentation failed; the call goes on without it', { topic: records[0]?.topic, error: String(error) });
      return undefined;
    }
  }

  // The records of `send({ topic, messages })`, each through onSend. An interceptor may move a
  // record to another topic: each run of consecutive records of one topic is sent as a call of its
  // own (in order, so each partition still gets them in call order), and the caller gets one result.
  private sendMany(input: TopicMessages, messages: readonly Message[], next: InterceptedSend): Promise<RecordMetadata[]> {
    const records = messages.map((message) => this.onSend({ ...message, topic: input.topic }));
    const call = this.beginCall(records, true);
    const outcomes = new CallOutcomes(this, records, call);
    const sends = topicRuns(records).map((run) => this.sendRun(input, run, outcomes, next));
    const result =
      sends.length === 1
        ? sends[0]!
        : Promise.allSettled(sends).then((settled) => {
            const rejected = settled.find((outcome) => outcome.status === 'rejected');
            if (rejected === undefined) return settled.flatMap((outcome) => (outcome as PromiseFulfilledResult<RecordMetadata[]>).value);
            const error: unknown = rejected.reason;
            if (outcomes.acknowledged === 0 || !(error instanceof KafkaError)) throw error;
            throw withPossiblyPersisted(error, true, `${outcomes.acknowledged} of ${records.length} records of this send() were acknowledged; the others failed`);
          });
    if (call === undefined) return result;
    return result.then(
      (metadata) => {
        call.callSettled(undefined);
        return metadata;
      },
      (error: unknown) => {
        call.callSettled(error);
        throw error;
      },
    );
  }

  private sendRun(input: TopicMessages, run: TopicRun, outcomes: CallOutcomes, next: InterceptedSend): Promise<RecordMetadata[]> {
    const observer: RecordObserver = {
      recordDone: (position, metadata) => outcomes.done(run.start + position, metadata),
      recordFailed: (position, error) => outcomes.failed(run.start + position, error),
    };
    const call: TopicMessages = { ...input, topic: run.topic, messages: run.records.map(messageOf) };
    // Records the delivery reported are acknowledged already; these catch the others (a call
    // rejected before any record was queued).
    return (callSafely(next, call, observer) as Promise<RecordMetadata[]>).then(
      (metadata) => {
        for (let index = 0; index < metadata.length; index++) outcomes.done(run.start + index, metadata[index]!);
        return metadata;
      },
      (error: unknown) => {
        for (let index = 0; index < run.records.length; index++) outcomes.failed(run.start + index, asError(error));
        throw error;
      },
    );
  }
}

/** The outcomes of one multi-record call: each record is acknowledged to the interceptors once. */
class CallOutcomes {
  private readonly settled: boolean[];
  acknowledged = 0;

  constructor(
    private readonly chain: InterceptorChain,
    private readonly records: readonly ProducerRecord[],
    private readonly call: SendCallListener | undefined,
  ) {
    this.settled = new Array<boolean>(records.length).fill(false);
  }

  done(position: number, metadata: RecordMetadata): void {
    if (this.settled[position]) return;
    this.settled[position] = true;
    this.acknowledged++;
    this.chain.acknowledge(metadata, undefined);
    this.call?.recordDone(position, metadata);
  }

  failed(position: number, error: Error): void {
    if (this.settled[position]) return;
    this.settled[position] = true;
    this.chain.acknowledge(failureMetadata(this.records[position]!), error);
    this.call?.recordFailed(position, error);
  }
}

// A listener whose exceptions are logged rather than thrown into the delivery of the records.
function guardedListener(listener: SendCallListener, log: Log): SendCallListener {
  const guard = (hook: string, run: () => void): void => {
    try {
      run();
    } catch (error) {
      log('warn', `the send instrumentation failed in ${hook}`, { error: String(error) });
    }
  };
  return {
    recordDone: (position, metadata) => guard('recordDone', () => listener.recordDone(position, metadata)),
    recordFailed: (position, error) => guard('recordFailed', () => listener.recordFailed(position, error)),
    callSettled: (error) => guard('callSettled', () => listener.callSettled(error)),
  };
}

function topicRuns(records: readonly ProducerRecord[]): TopicRun[] {
  const runs: TopicRun[] = [];
  records.forEach((record, index) => {
    const last = runs[runs.length - 1];
    if (last !== undefined && last.topic === record.topic) last.records.push(record);
    else runs.push({ topic: record.topic, start: index, records: [record] });
  });
  return runs;
}

// A record of a multi-record call back in message form: every field but the topic.
function messageOf(record: ProducerRecord): Message {
  const message: Record<string, unknown> = {};
  for (const [field, value] of Object.entries(record)) if (field !== 'topic') message[field] = value;
  return message as unknown as Message;
}

// What onAcknowledgement gets for a failed record, as the Java client gives it: the topic, the
// partition when known, and no offset or timestamp.
function failureMetadata(record: ProducerRecord): RecordMetadata {
  const partition = record.partition;
  return {
    topic: String(record.topic),
    partition: typeof partition === 'number' && Number.isInteger(partition) && partition >= 0 ? partition : -1,
    offset: -1n,
    timestamp: -1,
  };
}

function callSafely(next: InterceptedSend, input: ProducerRecord | TopicMessages, observer: RecordObserver | undefined): Promise<RecordMetadata | RecordMetadata[]> {
  try {
    return next(input, observer);
  } catch (error) {
    return Promise.reject(error);
  }
}

// A message the producer may accept: an object without a topic of its own (which it refuses).
function isMessageObject(value: unknown): boolean {
  return isObject(value) && !Object.hasOwn(value, 'topic');
}

function isObject(value: unknown): value is object {
  return typeof value === 'object' && value !== null;
}

function asError(value: unknown): Error {
  return value instanceof Error ? value : new Error(String(value));
}
