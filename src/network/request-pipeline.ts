// The requests of one connection between writing and answer: correlation ids, pipelined requests
// answered in order, one timer for the earliest deadline (judged after the socket's pending input
// was read), requests sent expecting no answer, and socket backpressure. Any timeout or malformed
// frame is reported to the connection, which closes and fails every pending request.
import type { Socket } from 'node:net';
import { ConnectionError, type KafkaError, MalformedResponseError, RequestTimeoutError } from '../errors/kafka-error.js';
import { FrameDecoder } from '../protocol/frame-decoder.js';
import { type ApiName, type ApiTypes, decodeResponse, encodeRequestChunks, peekCorrelationId } from '../protocol/index.js';
import type { Clock } from '../time/clock.js';
import { DeadlineTimer } from '../time/deadline-timer.js';
import { decodeApiVersionsAnswer } from './api-versions.js';
import { asKafkaError } from './as-kafka-error.js';

/** What the pipeline needs of its connection. */
export interface PipelineConfig {
  /** `host:port` of the broker, for messages. */
  readonly address: string;
  readonly clientId: string;
  readonly requestTimeoutMs: number;
  /** Largest response frame accepted; a larger one is a failure. */
  readonly maxFrameSize: number;
  readonly clock: Clock;
  /** Called when bytes follow the last field of a response (made once: decoding allocates nothing for it). */
  readonly onTrailingBytes: ((api: ApiName, version: number, count: number) => void) | undefined;
  /** The connection cannot be trusted any more (a request timed out, a frame was malformed): close it with `error`. */
  readonly onFailure: (error: KafkaError) => void;
  /** A request that awaits an answer is about to be written. */
  readonly onBusy: () => void;
  /** The last request awaiting an answer got it (called before that answer is decoded). */
  readonly onIdle: () => void;
}

/** Options of one request, as the pipeline takes them. */
export interface PipelineRequestOptions {
  /** False for requests the broker never answers (Produce with acks 0). */
  readonly expectResponse?: boolean;
  /** Overrides the connection's request timeout. */
  readonly timeoutMs?: number;
  /** ApiVersions only: an UNSUPPORTED_VERSION answer may come in an older layout. */
  readonly tolerateUnsupported?: boolean;
}

interface PendingRequest {
  readonly correlationId: number;
  readonly api: ApiName;
  readonly version: number;
  readonly deadline: number;
  readonly timeoutMs: number;
  readonly tolerateUnsupported: boolean;
  readonly resolve: (value: unknown) => void;
  readonly reject: (error: KafkaError) => void;
}

export class RequestPipeline {
  /** Bytes of every request written so far, size prefixes included (the producer's byte metrics read it). */
  bytesWritten = 0;
  /** True while the socket's write buffer is over its high-water mark. */
  blocked = false;
  /** Called once, at the next answer decoded (the connection sets it when its handshake is done). */
  onNextAnswer: (() => void) | undefined;
  private readonly config: PipelineConfig;
  private readonly decoder: FrameDecoder;
  private socket: Socket | undefined;
  private pending: PendingRequest[] = [];
  private pendingHead = 0;
  private nextCorrelationId = 1;
  private readonly unanswered = new Set<number>();
  private readonly deadlineTimer: DeadlineTimer;
  /** Whether a due deadline has scheduled the timeout check for after the next read of the socket. */
  private checkScheduled = false;
  private closed = false;
  // Made once, not per due deadline.
  private readonly checkDeadlines = (): void => {
    this.checkScheduled = false;
    this.expireRequests();
  };
  private readonly onFrameBound = (frame: Buffer): void => this.onFrame(frame);

  constructor(config: PipelineConfig) {
    this.config = config;
    this.decoder = new FrameDecoder(config.maxFrameSize);
    // The deadline timer never holds the process open by itself: the socket does while requests wait.
    this.deadlineTimer = new DeadlineTimer(config.clock, () => this.onDeadline(), { unref: true });
  }

  /** Requests written and not yet answered. */
  get waiting(): number {
    return this.pending.length - this.pendingHead;
  }

  /** The oldest request awaiting an answer, if any. */
  get oldestApi(): ApiName | undefined {
    return this.pending[this.pendingHead]?.api;
  }

  /** Starts writing to `socket` (once it is open). */
  attach(socket: Socket): void {
    this.socket = socket;
  }

  /** Writes `body` as `api` at `version`; resolves with the decoded response. The socket must be attached and writable. */
  send<A extends ApiName>(api: A, version: number, body: ApiTypes[A]['request'], options: PipelineRequestOptions): Promise<ApiTypes[A]['response']> {
    const correlationId = this.nextCorrelationId;
    this.nextCorrelationId = (this.nextCorrelationId + 1) & 0x7fffffff;
    const frame = encodeRequestChunks(api, version, correlationId, this.config.clientId, body);
    if (options.expectResponse === false) {
      this.rememberUnanswered(correlationId);
      return new Promise((resolve, reject) => {
        this.write(frame, (error) => {
          if (error) reject(new ConnectionError(`Write to ${this.config.address} failed: ${error.message}`, { cause: error }));
          else resolve(undefined as unknown as ApiTypes[A]['response']);
        });
      });
    }
    return new Promise((resolve, reject) => {
      const timeoutMs = options.timeoutMs ?? this.config.requestTimeoutMs;
      const deadline = this.config.clock.now() + timeoutMs;
      this.pending.push({
        correlationId,
        api,
        version,
        deadline,
        timeoutMs,
        tolerateUnsupported: options.tolerateUnsupported === true,
        resolve: resolve as (value: unknown) => void,
        reject,
      });
      this.deadlineTimer.arm(deadline);
      this.config.onBusy();
      this.write(frame);
    });
  }

  // One request, written as one vectored write: its chunks are corked, then flushed together.
  private write(frame: readonly Uint8Array[], callback?: (error?: Error | null) => void): void {
    const socket = this.socket!;
    let flushed = true;
    if (frame.length === 1) {
      this.bytesWritten += frame[0]!.byteLength;
      flushed = socket.write(frame[0]!, callback);
    } else {
      socket.cork();
      for (let index = 0; index < frame.length; index++) {
        this.bytesWritten += frame[index]!.byteLength;
        flushed = socket.write(frame[index]!, index === frame.length - 1 ? callback : undefined);
      }
      socket.uncork();
    }
    if (!flushed) this.blocked = true;
  }

  /** Bytes read from the socket. */
  onData(chunk: Buffer): void {
    if (this.closed) return;
    try {
      this.decoder.push(chunk, this.onFrameBound);
    } catch (error) {
      this.config.onFailure(asKafkaError(error, `Malformed data from ${this.config.address}`));
    }
  }

  // Requests sent expecting no answer (Produce with acks 0). Kafka never answers them, but some
  // brokers do; such an answer is recognised by its correlation id and dropped.
  private rememberUnanswered(correlationId: number): void {
    this.unanswered.add(correlationId);
    if (this.unanswered.size > 1024) {
      const oldest = this.unanswered.values().next().value;
      if (oldest !== undefined) this.unanswered.delete(oldest);
    }
  }

  // Kafka answers the requests of one connection in order, so the answer belongs to the oldest one.
  private onFrame(frame: Buffer): void {
    const request = this.pending[this.pendingHead];
    const correlationId = peekCorrelationId(frame);
    if (this.unanswered.delete(correlationId)) return;
    if (!request || request.correlationId !== correlationId) {
      throw new MalformedResponseError(
        `Response with correlation id ${correlationId} from ${this.config.address} does not match the oldest request (${request?.correlationId ?? 'none'})`,
      );
    }
    this.pending[this.pendingHead++] = undefined as unknown as PendingRequest;
    if (this.pendingHead > 1024 && this.pendingHead * 2 > this.pending.length) {
      this.pending = this.pending.slice(this.pendingHead);
      this.pendingHead = 0;
    }
    if (this.pendingHead === this.pending.length) this.config.onIdle();
    let body: unknown;
    try {
      body = request.tolerateUnsupported
        ? decodeApiVersionsAnswer(request.version, frame, this.config.onTrailingBytes)
        : decodeResponse(request.api, request.version, frame, this.config.onTrailingBytes);
    } catch (error) {
      const failure = asKafkaError(error, `Malformed ${request.api} v${request.version} response from ${this.config.address}`);
      request.reject(failure);
      throw failure;
    }
    const onNextAnswer = this.onNextAnswer;
    if (onNextAnswer) {
      this.onNextAnswer = undefined;
      onNextAnswer();
    }
    request.resolve(body);
  }

  // Node runs due timers before it reads sockets, so after a stall of the event loop the timer fires
  // while the answers may already wait in the socket. The check is deferred to the check phase
  // (the clock's soon: setImmediate), which follows the poll phase that reads them and hands every
  // complete frame to onFrame synchronously; only requests still unanswered then have timed out.
  // Java's NetworkClient likewise reads what is available before it expires requests. The immediate
  // stays ref'd: an unref'd one would not keep the poll phase from blocking, and could wait for
  // other I/O.
  private onDeadline(): void {
    if (this.closed || this.checkScheduled) return;
    this.checkScheduled = true;
    this.config.clock.soon(this.checkDeadlines);
  }

  // A request that outlived its deadline means the connection cannot be trusted (the answers are
  // ordered, so everything behind it is stuck too): it is closed, as the Java client does.
  private expireRequests(): void {
    if (this.closed) return;
    const now = this.config.clock.now();
    let earliest = Number.POSITIVE_INFINITY;
    for (let index = this.pendingHead; index < this.pending.length; index++) {
      const request = this.pending[index]!;
      if (request.deadline <= now) {
        this.config.onFailure(new RequestTimeoutError(`${request.api} request to ${this.config.address} got no response within ${request.timeoutMs} ms`));
        return;
      }
      earliest = Math.min(earliest, request.deadline);
    }
    if (earliest < Number.POSITIVE_INFINITY) this.deadlineTimer.arm(earliest);
  }

  /** The write buffer went below its high-water mark. */
  onDrain(): void {
    this.blocked = false;
  }

  /** Stops for good: every request awaiting an answer rejects with `reason`. */
  close(reason: KafkaError): void {
    if (this.closed) return;
    this.closed = true;
    this.deadlineTimer.cancel();
    const pending = this.pending.slice(this.pendingHead);
    this.pending = [];
    this.pendingHead = 0;
    for (const request of pending) request.reject(reason);
  }
}
