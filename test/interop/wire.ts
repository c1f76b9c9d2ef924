// Minimal, self-contained Kafka wire client for interop tests (shares no code with src/):
// probes what the mock cluster advertises and reads stored record-batch headers (producer
// id, epoch, base sequence), which librdkafka's consumer does not expose.

import { connect, type Socket } from 'node:net';

export const ApiKey = {
  Produce: 0,
  Fetch: 1,
  ListOffsets: 2,
  Metadata: 3,
  FindCoordinator: 10,
  SaslHandshake: 17,
  ApiVersions: 18,
  InitProducerId: 22,
  AddPartitionsToTxn: 24,
  AddOffsetsToTxn: 25,
  EndTxn: 26,
  TxnOffsetCommit: 28,
  SaslAuthenticate: 36,
} as const;

export class Writer {
  private readonly chunks: Buffer[] = [];

  i8(value: number): this {
    const b = Buffer.alloc(1);
    b.writeInt8(value);
    return this.raw(b);
  }
  i16(value: number): this {
    const b = Buffer.alloc(2);
    b.writeInt16BE(value);
    return this.raw(b);
  }
  i32(value: number): this {
    const b = Buffer.alloc(4);
    b.writeInt32BE(value);
    return this.raw(b);
  }
  u32(value: number): this {
    const b = Buffer.alloc(4);
    b.writeUInt32BE(value);
    return this.raw(b);
  }
  i64(value: bigint): this {
    const b = Buffer.alloc(8);
    b.writeBigInt64BE(value);
    return this.raw(b);
  }
  /** Zig-zag varint (record fields). */
  varint(value: number): this {
    let v = (value << 1) ^ (value >> 31);
    const out: number[] = [];
    for (let i = 0; i < 5; i++) {
      if ((v & ~0x7f) === 0) {
        out.push(v);
        break;
      }
      out.push((v & 0x7f) | 0x80);
      v >>>= 7;
    }
    return this.raw(Buffer.from(out));
  }
  /** INT16-length string, -1 for null. */
  str(value: string | null): this {
    if (value === null) return this.i16(-1);
    const b = Buffer.from(value, 'utf8');
    return this.i16(b.length).raw(b);
  }
  /** INT32-length bytes, -1 for null. */
  bytes(value: Buffer | null): this {
    if (value === null) return this.i32(-1);
    return this.i32(value.length).raw(value);
  }
  /** Varint-length bytes inside a record, -1 for null. */
  varbytes(value: Buffer | null): this {
    if (value === null) return this.varint(-1);
    return this.varint(value.length).raw(value);
  }
  array<T>(items: readonly T[], write: (w: this, item: T) => void): this {
    this.i32(items.length);
    for (const item of items) write(this, item);
    return this;
  }
  raw(b: Buffer): this {
    this.chunks.push(b);
    return this;
  }
  build(): Buffer {
    return Buffer.concat(this.chunks);
  }
}

export class Reader {
  offset = 0;
  constructor(readonly buf: Buffer) {}

  get remaining(): number {
    return this.buf.length - this.offset;
  }
  private need(n: number): void {
    if (this.offset + n > this.buf.length) {
      throw new Error(`short read: need ${n} bytes at ${this.offset} of ${this.buf.length}`);
    }
  }
  i8(): number {
    this.need(1);
    return this.buf.readInt8(this.offset++);
  }
  i16(): number {
    this.need(2);
    const v = this.buf.readInt16BE(this.offset);
    this.offset += 2;
    return v;
  }
  i32(): number {
    this.need(4);
    const v = this.buf.readInt32BE(this.offset);
    this.offset += 4;
    return v;
  }
  u32(): number {
    this.need(4);
    const v = this.buf.readUInt32BE(this.offset);
    this.offset += 4;
    return v;
  }
  i64(): bigint {
    this.need(8);
    const v = this.buf.readBigInt64BE(this.offset);
    this.offset += 8;
    return v;
  }
  uvarint(): number {
    let result = 0;
    for (let shift = 0; shift < 35; shift += 7) {
      const byte = this.buf[this.offset];
      if (byte === undefined) throw new Error('short read in varint');
      this.offset++;
      result += (byte & 0x7f) * 2 ** shift;
      if ((byte & 0x80) === 0) return result;
    }
    throw new Error('varint too long');
  }
  varint(): number {
    const u = this.uvarint();
    return u % 2 === 0 ? u / 2 : -(u + 1) / 2;
  }
  varlong(): bigint {
    let result = 0n;
    for (let shift = 0n; shift < 70n; shift += 7n) {
      const byte = this.buf[this.offset];
      if (byte === undefined) throw new Error('short read in varlong');
      this.offset++;
      result |= BigInt(byte & 0x7f) << shift;
      if ((byte & 0x80) === 0) return (result >> 1n) ^ -(result & 1n);
    }
    throw new Error('varlong too long');
  }
  take(n: number): Buffer {
    this.need(n);
    const b = this.buf.subarray(this.offset, this.offset + n);
    this.offset += n;
    return b;
  }
  str(): string | null {
    const n = this.i16();
    return n < 0 ? null : this.take(n).toString('utf8');
  }
  bytes(): Buffer | null {
    const n = this.i32();
    return n < 0 ? null : this.take(n);
  }
  varbytes(): Buffer | null {
    const n = this.varint();
    return n < 0 ? null : this.take(n);
  }
  array<T>(read: (r: this) => T, max = 1_000_000): T[] {
    const n = this.i32();
    if (n < 0) return [];
    if (n > max) throw new Error(`array of ${n} exceeds ${max}`);
    const out: T[] = [];
    for (let i = 0; i < n; i++) out.push(read(this));
    return out;
  }
  skipTags(): void {
    const n = this.uvarint();
    for (let i = 0; i < n && i < 1000; i++) {
      this.uvarint();
      this.take(this.uvarint());
    }
  }
}

const CRC32C_TABLE = (() => {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0x82f63b78 ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
})();

export function crc32c(data: Buffer): number {
  let crc = 0xffffffff;
  for (let i = 0; i < data.length; i++) {
    crc = CRC32C_TABLE[(crc ^ data[i]!) & 0xff]! ^ (crc >>> 8);
  }
  return (crc ^ 0xffffffff) >>> 0;
}

export interface HostPort {
  host: string;
  port: number;
}

export function parseBootstrap(servers: string): HostPort[] {
  return servers
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0)
    .map((s) => {
      const i = s.lastIndexOf(':');
      const port = Number(s.slice(i + 1));
      if (i <= 0 || !Number.isInteger(port)) throw new Error(`bad broker address '${s}'`);
      return { host: s.slice(0, i), port };
    });
}

export interface RequestOptions {
  /** 1 (client id) or 2 (client id + tagged fields, for flexible versions). */
  requestHeaderVersion?: 1 | 2;
  /** Strip the response header's tagged fields (response header v1). */
  flexibleResponseHeader?: boolean;
  /** false for Produce with acks=0 when no response is expected. */
  expectResponse?: boolean;
  timeoutMs?: number;
}

interface Pending {
  resolve: (body: Buffer) => void;
  reject: (error: Error) => void;
  timer: NodeJS.Timeout;
  flexibleResponseHeader: boolean;
}

/** One TCP connection; requests may be pipelined, responses matched by correlation id. */
export class WireConnection {
  private readonly pending = new Map<number, Pending>();
  private nextCorrelationId = 1;
  private inbound = Buffer.alloc(0);
  private closeError: Error | null = null;
  /** Responses whose correlation id matched no waiting request (e.g. acks=0 answers). */
  readonly unsolicited: { correlationId: number; body: Buffer }[] = [];
  readonly closed: Promise<void>;

  private constructor(private readonly socket: Socket) {
    this.closed = new Promise((resolve) => socket.once('close', () => resolve()));
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('error', (error) => this.fail(error));
    socket.on('close', () => this.fail(new Error('connection closed by peer')));
  }

  static open(address: HostPort, timeoutMs = 5000): Promise<WireConnection> {
    return new Promise((resolve, reject) => {
      const socket = connect({ host: address.host, port: address.port });
      const timer = setTimeout(() => {
        socket.destroy();
        reject(new Error(`connect to ${address.host}:${address.port} timed out`));
      }, timeoutMs);
      socket.once('error', (error) => {
        clearTimeout(timer);
        reject(error);
      });
      socket.once('connect', () => {
        clearTimeout(timer);
        socket.removeAllListeners('error');
        socket.setNoDelay(true);
        resolve(new WireConnection(socket));
      });
    });
  }

  get isClosed(): boolean {
    return this.closeError !== null;
  }

  request(apiKey: number, apiVersion: number, body: Buffer, options: RequestOptions = {}): Promise<Buffer> {
    if (this.closeError) return Promise.reject(this.closeError);
    const correlationId = this.nextCorrelationId++;
    const header = new Writer().i16(apiKey).i16(apiVersion).i32(correlationId).str('interop-wire');
    if (options.requestHeaderVersion === 2) header.i8(0);
    const payload = Buffer.concat([header.build(), body]);
    const frame = Buffer.concat([new Writer().i32(payload.length).build(), payload]);
    if (options.expectResponse === false) {
      this.socket.write(frame);
      return Promise.resolve(Buffer.alloc(0));
    }
    return new Promise((resolve, reject) => {
      const timeoutMs = options.timeoutMs ?? 10_000;
      const timer = setTimeout(() => {
        this.pending.delete(correlationId);
        reject(new Error(`request apiKey=${apiKey} v${apiVersion} timed out after ${timeoutMs} ms`));
      }, timeoutMs);
      this.pending.set(correlationId, {
        resolve,
        reject,
        timer,
        flexibleResponseHeader: options.flexibleResponseHeader === true,
      });
      this.socket.write(frame);
    });
  }

  close(): void {
    this.socket.destroy();
  }

  private onData(chunk: Buffer): void {
    this.inbound = Buffer.concat([this.inbound, chunk]);
    // Each turn consumes one complete frame, so this ends when the buffer is drained.
    while (this.inbound.length >= 4) {
      const size = this.inbound.readInt32BE(0);
      if (size < 4 || size > 256 * 1024 * 1024) {
        this.fail(new Error(`bad response size ${size}`));
        this.socket.destroy();
        return;
      }
      if (this.inbound.length < 4 + size) return;
      const frame = this.inbound.subarray(4, 4 + size);
      this.inbound = this.inbound.subarray(4 + size);
      const correlationId = frame.readInt32BE(0);
      const waiting = this.pending.get(correlationId);
      if (!waiting) {
        this.unsolicited.push({ correlationId, body: frame.subarray(4) });
        continue;
      }
      this.pending.delete(correlationId);
      clearTimeout(waiting.timer);
      const reader = new Reader(frame.subarray(4));
      try {
        if (waiting.flexibleResponseHeader) reader.skipTags();
        waiting.resolve(reader.buf.subarray(reader.offset));
      } catch (error) {
        waiting.reject(error instanceof Error ? error : new Error(String(error)));
      }
    }
  }

  private fail(error: Error): void {
    if (!this.closeError) this.closeError = error;
    for (const [id, waiting] of this.pending) {
      clearTimeout(waiting.timer);
      waiting.reject(error);
      this.pending.delete(id);
    }
  }
}

export interface ApiVersionRange {
  apiKey: number;
  minVersion: number;
  maxVersion: number;
}

export interface ApiVersionsResult {
  errorCode: number;
  apis: ApiVersionRange[];
  /** Response body exactly as received (after the correlation id). */
  raw: Buffer;
}

/** ApiVersions v0-v2 (non-flexible); for v3+ inspect `raw`, since brokers may answer an
 * unsupported version in an older layout. */
export async function apiVersions(conn: WireConnection, version = 0): Promise<ApiVersionsResult> {
  const body =
    version >= 3 ? new Writer().i8(1).i8(1).i8(0).build() /* empty compact strings + no tags */ : Buffer.alloc(0);
  const raw = await conn.request(ApiKey.ApiVersions, version, body, {
    requestHeaderVersion: version >= 3 ? 2 : 1,
  });
  const r = new Reader(raw);
  const errorCode = r.i16();
  const apis: ApiVersionRange[] = [];
  if (version < 3) {
    for (const api of r.array((x) => ({ apiKey: x.i16(), minVersion: x.i16(), maxVersion: x.i16() }))) {
      apis.push(api);
    }
  }
  return { errorCode, apis, raw };
}

export interface MetadataResult {
  brokers: { nodeId: number; host: string; port: number; rack: string | null }[];
  controllerId: number;
  topics: {
    errorCode: number;
    name: string;
    partitions: { errorCode: number; partition: number; leader: number; replicas: number[]; isr: number[] }[];
  }[];
}

/** Metadata v1; `topics` null asks for all topics. Unknown topics are auto-created by the
 * mock (Metadata v1 carries no allow_auto_topic_creation flag). */
export async function metadata(conn: WireConnection, topics: string[] | null): Promise<MetadataResult> {
  const w = new Writer();
  if (topics === null) w.i32(-1);
  else w.array(topics, (x, t) => x.str(t));
  const r = new Reader(await conn.request(ApiKey.Metadata, 1, w.build()));
  const brokers = r.array((x) => ({ nodeId: x.i32(), host: x.str() ?? '', port: x.i32(), rack: x.str() }));
  const controllerId = r.i32();
  const topicList = r.array((x) => {
    const errorCode = x.i16();
    const name = x.str() ?? '';
    x.i8(); // is_internal
    const partitions = x.array((y) => ({
      errorCode: y.i16(),
      partition: y.i32(),
      leader: y.i32(),
      replicas: y.array((z) => z.i32()),
      isr: y.array((z) => z.i32()),
    }));
    return { errorCode, name, partitions };
  });
  return { brokers, controllerId, topics: topicList };
}

export interface BatchRecord {
  offset: bigint;
  timestamp: bigint;
  key: Buffer | null;
  value: Buffer | null;
  headers: [string, Buffer | null][];
}

/** A stored record batch as the broker returns it (magic 2 layout). */
export interface StoredBatch {
  baseOffset: bigint;
  lastOffsetDelta: number;
  batchLength: number;
  partitionLeaderEpoch: number;
  magic: number;
  crc: number;
  crcValid: boolean;
  attributes: number;
  compression: number;
  timestampType: 'create' | 'logappend';
  isTransactional: boolean;
  isControl: boolean;
  baseTimestamp: bigint;
  maxTimestamp: bigint;
  producerId: bigint;
  producerEpoch: number;
  baseSequence: number;
  recordCount: number;
  /** Decoded records, only for uncompressed batches. */
  records?: BatchRecord[];
}

const BATCH_HEADER_SIZE = 61;

/** Parses the concatenated record batches of a Fetch response's records field. */
export function parseBatches(records: Buffer): StoredBatch[] {
  const out: StoredBatch[] = [];
  let at = 0;
  // Each turn consumes one whole batch; a trailing partial batch ends the loop.
  while (records.length - at >= BATCH_HEADER_SIZE) {
    const r = new Reader(records.subarray(at));
    const baseOffset = r.i64();
    const batchLength = r.i32();
    if (batchLength < BATCH_HEADER_SIZE - 12 || 12 + batchLength > records.length - at) break;
    const partitionLeaderEpoch = r.i32();
    const magic = r.i8();
    const crc = r.u32();
    const attributes = r.i16();
    const batch: StoredBatch = {
      baseOffset,
      batchLength,
      partitionLeaderEpoch,
      magic,
      crc,
      crcValid: crc32c(records.subarray(at + 21, at + 12 + batchLength)) === crc,
      attributes,
      compression: attributes & 0x7,
      timestampType: attributes & 0x8 ? 'logappend' : 'create',
      isTransactional: (attributes & 0x10) !== 0,
      isControl: (attributes & 0x20) !== 0,
      lastOffsetDelta: r.i32(),
      baseTimestamp: r.i64(),
      maxTimestamp: r.i64(),
      producerId: r.i64(),
      producerEpoch: r.i16(),
      baseSequence: r.i32(),
      recordCount: r.i32(),
    };
    if (magic === 2 && batch.compression === 0) {
      const body = new Reader(records.subarray(at + BATCH_HEADER_SIZE, at + 12 + batchLength));
      const decoded: BatchRecord[] = [];
      for (let i = 0; i < batch.recordCount && body.remaining > 0; i++) {
        const length = body.varint();
        const rec = new Reader(body.take(length));
        rec.i8(); // attributes
        const timestampDelta = rec.varlong();
        const offsetDelta = rec.varint();
        const key = rec.varbytes();
        const value = rec.varbytes();
        const headerCount = rec.varint();
        const headers: [string, Buffer | null][] = [];
        for (let h = 0; h < headerCount && h < 100_000; h++) {
          const name = rec.varbytes();
          headers.push([name === null ? '' : name.toString('utf8'), rec.varbytes()]);
        }
        decoded.push({
          offset: baseOffset + BigInt(offsetDelta),
          timestamp: batch.baseTimestamp + timestampDelta,
          key,
          value,
          headers,
        });
      }
      batch.records = decoded;
    }
    out.push(batch);
    at += 12 + batchLength;
  }
  return out;
}

export interface FetchPartitionResult {
  errorCode: number;
  highWatermark: bigint;
  lastStableOffset: bigint;
  logStartOffset: bigint;
  records: Buffer | null;
}

/** One Fetch v5 for a single partition, with max_wait 0 so it never parks. */
export async function fetchOnce(
  conn: WireConnection,
  topic: string,
  partition: number,
  offset: bigint,
  maxBytes = 64 * 1024 * 1024,
): Promise<FetchPartitionResult> {
  const body = new Writer()
    .i32(-1) // replica_id
    .i32(0) // max_wait_ms
    .i32(1) // min_bytes
    .i32(maxBytes)
    .i8(0) // read_uncommitted
    .array([topic], (w, t) =>
      w.str(t).array([partition], (x, p) => x.i32(p).i64(offset).i64(-1n).i32(maxBytes)),
    )
    .build();
  const r = new Reader(await conn.request(ApiKey.Fetch, 5, body));
  r.i32(); // throttle
  const parts = r.array((x) => {
    x.str();
    return x.array((y) => {
      y.i32();
      const part: FetchPartitionResult = {
        errorCode: y.i16(),
        highWatermark: y.i64(),
        lastStableOffset: y.i64(),
        logStartOffset: y.i64(),
        records: null,
      };
      y.array((z) => [z.i64(), z.i64()]);
      part.records = y.bytes();
      return part;
    });
  }).flat();
  const first = parts[0];
  if (!first) throw new Error('fetch response had no partition');
  return first;
}

/** Finds a partition's leader through any reachable broker of the list. */
export async function findLeader(bootstrapServers: string, topic: string, partition: number): Promise<HostPort & { id: number }> {
  let lastError: Error | null = null;
  for (const address of parseBootstrap(bootstrapServers)) {
    let conn: WireConnection | null = null;
    try {
      conn = await WireConnection.open(address);
      const md = await metadata(conn, [topic]);
      const part = md.topics.find((t) => t.name === topic)?.partitions.find((p) => p.partition === partition);
      if (!part || part.leader < 0) throw new Error(`no leader for ${topic} [${partition}]`);
      const broker = md.brokers.find((b) => b.nodeId === part.leader);
      if (!broker) throw new Error(`leader ${part.leader} not among brokers`);
      return { id: broker.nodeId, host: broker.host, port: broker.port };
    } catch (error) {
      lastError = error instanceof Error ? error : new Error(String(error));
    } finally {
      conn?.close();
    }
  }
  throw lastError ?? new Error('no brokers');
}

export interface ReadBatchesOptions {
  timeoutMs?: number;
  maxBatches?: number;
}

/**
 * Reads every stored batch header of one partition from its leader, from the log start
 * to the high watermark. The mock stores the produced batch bytes verbatim (only the
 * base offset is rewritten), so producer id, epoch, base sequence, attributes,
 * timestamps and CRC are exactly what the producer sent.
 */
export async function readBatches(
  bootstrapServers: string,
  topic: string,
  partition: number,
  options: ReadBatchesOptions = {},
): Promise<StoredBatch[]> {
  const deadline = Date.now() + (options.timeoutMs ?? 10_000);
  const maxBatches = options.maxBatches ?? 100_000;
  const leader = await findLeader(bootstrapServers, topic, partition);
  const conn = await WireConnection.open(leader);
  const batches: StoredBatch[] = [];
  try {
    let offset = 0n;
    // Bounded by maxBatches and the deadline; each turn advances past one batch.
    for (let turn = 0; turn <= maxBatches; turn++) {
      if (Date.now() > deadline) throw new Error(`reading batches of ${topic} [${partition}] timed out`);
      const res = await fetchOnce(conn, topic, partition, offset);
      if (res.errorCode === 1 && res.logStartOffset > offset) {
        offset = res.logStartOffset; // older batches were dropped by retention
        continue;
      }
      if (res.errorCode !== 0) throw new Error(`fetch ${topic} [${partition}] @${offset}: error ${res.errorCode}`);
      if (offset >= res.highWatermark) return batches;
      const got = parseBatches(res.records ?? Buffer.alloc(0));
      const next = got.filter((b) => b.baseOffset + BigInt(b.lastOffsetDelta) >= offset);
      if (next.length === 0) throw new Error(`no batch returned at offset ${offset} below HWM ${res.highWatermark}`);
      for (const b of next) {
        if (batches.length >= maxBatches) throw new Error(`more than ${maxBatches} batches`);
        batches.push(b);
        offset = b.baseOffset + BigInt(b.lastOffsetDelta) + 1n;
      }
    }
    throw new Error(`more than ${maxBatches} batches`);
  } finally {
    conn.close();
  }
}

export interface BatchSpec {
  producerId?: bigint;
  producerEpoch?: number;
  baseSequence?: number;
  transactional?: boolean;
  timestamp?: bigint;
  records: { key: Buffer | null; value: Buffer | null; headers?: [string, Buffer | null][] }[];
}

/** Encodes an uncompressed magic-2 record batch (base offset 0) with a valid CRC-32C. */
export function encodeBatch(spec: BatchSpec): Buffer {
  const timestamp = spec.timestamp ?? BigInt(Date.now());
  const body = new Writer();
  spec.records.forEach((rec, i) => {
    const w = new Writer().i8(0).varint(0).varint(i).varbytes(rec.key).varbytes(rec.value);
    const headers = rec.headers ?? [];
    w.varint(headers.length);
    for (const [name, value] of headers) w.varbytes(Buffer.from(name, 'utf8')).varbytes(value);
    const encoded = w.build();
    body.varint(encoded.length).raw(encoded);
  });
  const afterCrc = new Writer()
    .i16(spec.transactional ? 0x10 : 0)
    .i32(spec.records.length - 1)
    .i64(timestamp)
    .i64(timestamp)
    .i64(spec.producerId ?? -1n)
    .i16(spec.producerEpoch ?? -1)
    .i32(spec.baseSequence ?? -1)
    .i32(spec.records.length)
    .raw(body.build())
    .build();
  const head = new Writer()
    .i64(0n)
    .i32(4 + 1 + 4 + afterCrc.length)
    .i32(-1)
    .i8(2)
    .u32(crc32c(afterCrc))
    .build();
  return Buffer.concat([head, afterCrc]);
}

export interface ProducePartitionResult {
  errorCode: number;
  baseOffset: bigint;
  logAppendTime: bigint;
}

/** Produce v3 with one batch for one partition. */
export async function produceOnce(
  conn: WireConnection,
  topic: string,
  partition: number,
  batch: Buffer,
  options: { acks?: number; transactionalId?: string | null; timeoutMs?: number; apiVersion?: number } = {},
): Promise<ProducePartitionResult> {
  const version = options.apiVersion ?? 3;
  const w = new Writer();
  if (version >= 3) w.str(options.transactionalId ?? null);
  w.i16(options.acks ?? -1)
    .i32(5000)
    .array([topic], (x, t) => x.str(t).array([partition], (y, p) => y.i32(p).bytes(batch)));
  const requestOptions: RequestOptions = { expectResponse: (options.acks ?? -1) !== 0 };
  if (options.timeoutMs !== undefined) requestOptions.timeoutMs = options.timeoutMs;
  const raw = await conn.request(ApiKey.Produce, version, w.build(), requestOptions);
  if (raw.length === 0) return { errorCode: 0, baseOffset: -1n, logAppendTime: -1n };
  const r = new Reader(raw);
  const parts = r.array((x) => {
    x.str();
    return x.array((y): ProducePartitionResult => {
      y.i32();
      const part = { errorCode: y.i16(), baseOffset: y.i64(), logAppendTime: version >= 2 ? y.i64() : -1n };
      if (version >= 5) y.i64();
      return part;
    });
  }).flat();
  const first = parts[0];
  if (!first) throw new Error('produce response had no partition');
  return first;
}

/** InitProducerId v1 (non-flexible): a new producer id, optionally transactional. */
export async function initProducerId(
  conn: WireConnection,
  transactionalId: string | null,
  transactionTimeoutMs = 60_000,
): Promise<{ errorCode: number; producerId: bigint; producerEpoch: number }> {
  const body = new Writer().str(transactionalId).i32(transactionTimeoutMs).build();
  const r = new Reader(await conn.request(ApiKey.InitProducerId, 1, body));
  r.i32(); // throttle
  return { errorCode: r.i16(), producerId: r.i64(), producerEpoch: r.i16() };
}

/** FindCoordinator v1; keyType 0 = group, 1 = transaction. */
export async function findCoordinator(
  conn: WireConnection,
  key: string,
  keyType: 0 | 1,
): Promise<{ errorCode: number; nodeId: number; host: string | null; port: number }> {
  const r = new Reader(await conn.request(ApiKey.FindCoordinator, 1, new Writer().str(key).i8(keyType).build()));
  r.i32(); // throttle
  const errorCode = r.i16();
  r.str(); // error message
  return { errorCode, nodeId: r.i32(), host: r.str(), port: r.i32() };
}
