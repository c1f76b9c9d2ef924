// The few protocol buffers encodings the OTLP metrics payload needs, written by hand so that the
// package keeps no protobuf dependency: varints, fixed 64-bit values, doubles and length-delimited
// fields. Messages are built inside out: a nested message is encoded first, then embedded as bytes.

// Wire types of the protobuf encoding.
const VARINT = 0;
const FIXED64 = 1;
const LENGTH_DELIMITED = 2;

/** Builds one protobuf message, field by field, in the order the fields are added. */
export class ProtobufWriter {
  private readonly chunks: Buffer[] = [];
  private size = 0;

  /** A field holding an unsigned varint (uint32, uint64, enum, bool); zero is left out, as proto3 does. */
  uint(field: number, value: number | bigint): this {
    if (value === 0 || value === 0n) return this;
    this.tag(field, VARINT);
    this.push(varint(BigInt(value)));
    return this;
  }

  /** A bool field (left out when false). */
  bool(field: number, value: boolean): this {
    return value ? this.uint(field, 1) : this;
  }

  /** A fixed64 field (nanosecond timestamps); zero is left out. */
  fixed64(field: number, value: bigint): this {
    if (value === 0n) return this;
    this.tag(field, FIXED64);
    const bytes = Buffer.alloc(8);
    bytes.writeBigUInt64LE(BigInt.asUintN(64, value));
    this.push(bytes);
    return this;
  }

  /**
   * A double field. Written even when zero: it is a member of a oneof (a data point's value), whose
   * presence tells which member is set.
   */
  double(field: number, value: number): this {
    this.tag(field, FIXED64);
    const bytes = Buffer.alloc(8);
    bytes.writeDoubleLE(value);
    this.push(bytes);
    return this;
  }

  /** A string field (left out when empty unless `always`, for oneof members). */
  string(field: number, value: string, always = false): this {
    if (value.length === 0 && !always) return this;
    return this.bytes(field, Buffer.from(value, 'utf8'));
  }

  /** A length-delimited field: bytes, or an embedded message encoded by another writer. */
  bytes(field: number, value: Buffer): this {
    this.tag(field, LENGTH_DELIMITED);
    this.push(varint(BigInt(value.length)));
    this.push(value);
    return this;
  }

  /** An embedded message. */
  message(field: number, message: ProtobufWriter): this {
    return this.bytes(field, message.finish());
  }

  /** The encoded message. */
  finish(): Buffer {
    return Buffer.concat(this.chunks, this.size);
  }

  private tag(field: number, wireType: number): void {
    this.push(varint(BigInt(field) * 8n + BigInt(wireType)));
  }

  private push(bytes: Buffer): void {
    this.chunks.push(bytes);
    this.size += bytes.length;
  }
}

/** The base-128 varint encoding of an unsigned value below 2^64. */
export function varint(value: bigint): Buffer {
  let rest = BigInt.asUintN(64, value);
  const bytes: number[] = [];
  while (rest >= 0x80n) {
    bytes.push(Number(rest & 0x7fn) | 0x80);
    rest >>= 7n;
  }
  bytes.push(Number(rest));
  return Buffer.from(bytes);
}
