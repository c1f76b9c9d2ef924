// The producer's diagnostics_channel events, for tracers and loggers: the TracingChannels
// `kafka-producer:send` (each send() call) and `kafka-producer:request` (each Produce request),
// and the channel `kafka-producer:batch` (each batch settled). Their payloads are documented in
// docs/tracing.md and hold only what a caller can rely on, never the producer's internal state.
// Nothing is built or published while a channel has no subscriber.
import { channel, type TracingChannel, tracingChannel } from 'node:diagnostics_channel';
import type { RecordMetadata } from '../producer/producer-record.js';

/** The context of a `kafka-producer:send` trace: one send() call. */
export interface SendTraceContext {
  readonly clientId: string;
  /** The topic of the call ('' when the call was not given a string topic). */
  readonly topic: string;
  /** 1 for send(record); the number of messages for send({ topic, messages }). */
  readonly recordCount: number;
  /**
   * The partition: set at `start` when the record names one, at `asyncEnd` from its metadata
   * otherwise. Left undefined for send({ topic, messages }), whose records may go to several
   * partitions (see `result`).
   */
  partition: number | undefined;
  /** Whether the record has a key (for several records: whether any has); set by `end`. */
  hasKey: boolean;
  /** Bytes of the record's value (for several records: their sum) as serialized; set by `end`. */
  valueSize: number;
  /** The record's offset, at `asyncEnd` on success; undefined for several records (see `result`). */
  offset: bigint | undefined;
  /** Set by diagnostics_channel on success: what send() resolved with. */
  result?: RecordMetadata | RecordMetadata[];
  /** Set by diagnostics_channel on failure: what send() rejected with. */
  error?: unknown;
}

/** The context of a `kafka-producer:request` trace: one Produce request. */
export interface RequestTraceContext {
  readonly clientId: string;
  readonly brokerId: number;
  /** The Produce version the request was written in. */
  readonly apiVersion: number;
  /** Partitions (so batches) in the request. */
  readonly partitionCount: number;
  readonly recordCount: number;
  /** Bytes of the request as written, size prefix included. */
  readonly bytes: number;
  /** Time in ms from writing the request to its response or failure; set by `asyncStart`. */
  durationMs: number | undefined;
  /** The throttle time the broker reported, ms; set by `asyncStart` when a response came (not with acks 0). */
  throttleTimeMs: number | undefined;
  /** Why no response came (timeout, connection lost); set, and published on `error`, before `asyncStart`. */
  error?: unknown;
}

/** The message of the `kafka-producer:batch` channel: a batch settled. */
export interface BatchEvent {
  readonly clientId: string;
  readonly topic: string;
  readonly partition: number;
  readonly records: number;
  /** Size of the batch as last sent (compressed), or as built when it was never sent. */
  readonly bytes: number;
  /** How many times the batch was sent. */
  readonly attempts: number;
  /** Whether the broker acknowledged it; false when its records failed. */
  readonly succeeded: boolean;
}

export const sendTracing: TracingChannel<unknown, SendTraceContext> = tracingChannel('kafka-producer:send');
export const requestTracing: TracingChannel<unknown, RequestTraceContext> = tracingChannel('kafka-producer:request');
export const batchChannel = channel('kafka-producer:batch');

/** Whether any of the five channels of `tracing` has a subscriber (TracingChannel.hasSubscribers is Node >= 20.13). */
export function isTraced(tracing: TracingChannel<unknown, object>): boolean {
  return (
    tracing.start.hasSubscribers ||
    tracing.end.hasSubscribers ||
    tracing.asyncStart.hasSubscribers ||
    tracing.asyncEnd.hasSubscribers ||
    tracing.error.hasSubscribers
  );
}

/** The context of a traced send() call, before the call runs. */
export function sendTraceContext(clientId: string, input: unknown): SendTraceContext {
  const fields = typeof input === 'object' && input !== null ? (input as { topic?: unknown; messages?: unknown; partition?: unknown }) : {};
  const several = Array.isArray(fields.messages);
  return {
    clientId,
    topic: typeof fields.topic === 'string' ? fields.topic : '',
    recordCount: several ? (fields.messages as unknown[]).length : 1,
    partition: !several && typeof fields.partition === 'number' ? fields.partition : undefined,
    hasKey: false,
    valueSize: 0,
    offset: undefined,
  };
}

/**
 * Runs `send` inside the `kafka-producer:send` trace of `context`: start and end around the call,
 * asyncStart and asyncEnd once its promise settles (error before them on failure), with the
 * record's partition and offset written into the context first.
 */
export function traceSend<T extends RecordMetadata | RecordMetadata[]>(context: SendTraceContext, send: () => Promise<T>): Promise<T> {
  return sendTracing.tracePromise(() =>
    send().then((result) => {
      if (!Array.isArray(result)) {
        const metadata = result as RecordMetadata;
        context.partition = metadata.partition;
        context.offset = metadata.offset;
      }
      return result;
    }),
  context) as Promise<T>;
}
