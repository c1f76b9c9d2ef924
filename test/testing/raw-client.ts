// A minimal Kafka client for testing FakeCluster on its own: one TCP or TLS socket, requests encoded
// with the protocol layer, responses matched in order (raw SASL v0 tokens too), and record batches
// built and stamped with the records layer. It shares no code with the producer, so the cluster is
// checked independently of it.
import { connect, type Socket } from 'node:net';
import { type ConnectionOptions, connect as connectTls } from 'node:tls';
import { FrameDecoder } from '../../src/protocol/frame-decoder.js';
import { type ApiName, type ApiTypes, decodeResponse, encodeRequest } from '../../src/protocol/index.js';
import { type CompressionType, createGzipCodec, RecordBatchBuilder, stampRecordBatch } from '../../src/records/index.js';

interface Pending {
  /** Undefined for a raw SASL token, whose answer carries no correlation id. */
  readonly correlationId: number | undefined;
  readonly decode: (frame: Buffer) => unknown;
  readonly resolve: (value: unknown) => void;
  readonly reject: (error: Error) => void;
  readonly timer: NodeJS.Timeout;
}

/** Options of one request. */
export interface RawRequestOptions {
  /** Decode the response at this version instead (ApiVersions errors come in the v0 layout). */
  readonly decodeVersion?: number;
  /** Writes this version into the request header instead (to send a version the encoder does not speak). */
  readonly wireVersion?: number;
  readonly timeoutMs?: number;
}

/** One connection to one broker. */
export class RawClient {
  private readonly decoder = new FrameDecoder(200 * 1024 * 1024);
  private readonly pending: Pending[] = [];
  private nextCorrelationId = 1;
  private closedError: Error | undefined;
  /** Resolves when the connection closes (either side). */
  readonly closed: Promise<void>;

  private constructor(private readonly socket: Socket) {
    this.closed = new Promise((resolve) => socket.once('close', () => resolve()));
    socket.on('data', (chunk: Buffer) => this.decoder.push(chunk, (frame) => this.onFrame(frame)));
    socket.on('error', () => undefined);
    socket.on('close', () => {
      this.closedError = new Error('connection closed');
      for (const pending of this.pending.splice(0)) {
        clearTimeout(pending.timer);
        pending.reject(this.closedError);
      }
    });
  }

  /** Connects to `address` ('host:port'). */
  static connect(address: string): Promise<RawClient> {
    return new Promise((resolve, reject) => {
      const socket = connect(hostAndPort(address));
      socket.once('error', reject);
      socket.once('connect', () => {
        socket.off('error', reject);
        resolve(new RawClient(socket));
      });
    });
  }

  /** Connects to `address` over TLS; rejects when the handshake fails (e.g. an untrusted certificate). */
  static connectTls(address: string, options: ConnectionOptions): Promise<RawClient> {
    return new Promise((resolve, reject) => {
      const socket = connectTls({ ...hostAndPort(address), ...options });
      socket.once('error', reject);
      socket.once('secureConnect', () => {
        socket.off('error', reject);
        resolve(new RawClient(socket));
      });
    });
  }

  /** Sends `token` as a raw size-prefixed frame (SASL after SaslHandshake v0) and resolves with the raw answer. */
  exchangeRaw(token: Buffer, timeoutMs = 5000): Promise<Buffer> {
    if (this.closedError) return Promise.reject(this.closedError);
    return new Promise((resolve, reject) => {
      const pending: Pending = {
        correlationId: undefined,
        decode: (frame) => frame,
        resolve: resolve as (value: unknown) => void,
        reject,
        timer: setTimeout(() => {
          const index = this.pending.indexOf(pending);
          if (index >= 0) this.pending.splice(index, 1);
          reject(new Error('raw SASL token timed out'));
        }, timeoutMs),
      };
      this.pending.push(pending);
      const frame = Buffer.alloc(4 + token.length);
      frame.writeInt32BE(token.length, 0);
      token.copy(frame, 4);
      this.socket.write(frame);
    });
  }

  /** Sends a request and resolves with its decoded response. */
  request<A extends ApiName>(api: A, version: number, body: ApiTypes[A]['request'], options: RawRequestOptions = {}): Promise<ApiTypes[A]['response']> {
    if (this.closedError) return Promise.reject(this.closedError);
    const correlationId = this.nextCorrelationId++;
    const decodeVersion = options.decodeVersion ?? version;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        const index = this.pending.findIndex((entry) => entry.correlationId === correlationId);
        if (index >= 0) this.pending.splice(index, 1);
        reject(new Error(`${api} v${version} timed out`));
      }, options.timeoutMs ?? 5000);
      this.pending.push({
        correlationId,
        decode: (frame) => decodeResponse(api, decodeVersion, frame),
        resolve: resolve as (value: unknown) => void,
        reject,
        timer,
      });
      const frame = encodeRequest(api, version, correlationId, 'raw-client', body);
      if (options.wireVersion !== undefined) frame.writeInt16BE(options.wireVersion, 6);
      this.socket.write(frame);
    });
  }

  /** Sends a request that gets no response (Produce with acks 0). */
  send<A extends ApiName>(api: A, version: number, body: ApiTypes[A]['request']): void {
    this.socket.write(encodeRequest(api, version, this.nextCorrelationId++, 'raw-client', body));
  }

  /** Closes the connection. */
  close(): void {
    this.socket.destroy();
  }

  private onFrame(frame: Buffer): void {
    const pending = this.pending.shift();
    if (!pending) return;
    clearTimeout(pending.timer);
    const correlationId = pending.correlationId === undefined || frame.length < 4 ? undefined : frame.readInt32BE(0);
    if (correlationId !== pending.correlationId) {
      pending.reject(new Error(`response ${correlationId} arrived for request ${pending.correlationId}: out of order`));
      return;
    }
    try {
      pending.resolve(pending.decode(frame));
    } catch (error) {
      pending.reject(error as Error);
    }
  }
}

function hostAndPort(address: string): { host: string; port: number } {
  const separator = address.lastIndexOf(':');
  return { host: address.slice(0, separator), port: Number(address.slice(separator + 1)) };
}

/** A record for {@link buildBatch}. */
export interface RawRecord {
  readonly key?: string | Buffer | null;
  readonly value: string | Buffer | null;
  readonly headers?: readonly (readonly [string, string | Buffer | null])[];
  readonly timestamp?: number;
}

/** Producer fields and compression of a built batch. */
export interface BatchOptions {
  readonly producerId?: bigint;
  readonly producerEpoch?: number;
  readonly baseSequence?: number;
  readonly transactional?: boolean;
  readonly compression?: Extract<CompressionType, 'none' | 'gzip'>;
}

/** Builds one RecordBatch v2 with the records layer and stamps the producer fields. */
export async function buildBatch(records: readonly RawRecord[], options: BatchOptions = {}): Promise<Buffer> {
  const builder = new RecordBatchBuilder();
  const now = Date.now();
  for (const record of records) builder.append(record.timestamp ?? now, record.key ?? null, record.value, record.headers);
  const batch = options.compression === 'gzip' ? await builder.buildCompressed('gzip', createGzipCodec()) : builder.build();
  stampRecordBatch(batch, {
    producerId: options.producerId ?? -1n,
    producerEpoch: options.producerEpoch ?? -1,
    baseSequence: options.baseSequence ?? -1,
    transactional: options.transactional ?? false,
  });
  return batch;
}

/** Values as strings, for `buildBatch`. */
export function values(...texts: string[]): RawRecord[] {
  return texts.map((value) => ({ value }));
}

/** A Produce request body for one partition. */
export function produceBody(
  topic: string,
  partition: number,
  records: Buffer,
  options: { acks?: number; transactionalId?: string | null; timeoutMs?: number } = {},
): ApiTypes['Produce']['request'] {
  return {
    transactionalId: options.transactionalId ?? null,
    acks: options.acks ?? -1,
    timeoutMs: options.timeoutMs ?? 5000,
    topicData: [{ name: topic, partitionData: [{ index: partition, records }] }],
  };
}

/** The single partition answer of a one-partition Produce response. */
export function onlyPartition(response: ApiTypes['Produce']['response']) {
  return response.responses[0]!.partitionResponses[0]!;
}
