// Reads an OpenTelemetry `MetricsData` message (opentelemetry-proto, metrics v1), the payload of a
// KIP-714 PushTelemetry request, into plain objects: the resource's attributes and every Gauge and
// Sum data point with a number value. A protobuf reader of its own, written from the wire format
// (varint, fixed64, length-delimited and fixed32 fields), so that the fake cluster checks what a
// client encodes without sharing the client's encoder. Fields it does not know are skipped.

/** One data point of a pushed metric. */
export interface PushedDataPoint {
  readonly value: number;
  readonly attributes: Readonly<Record<string, string>>;
  /** Unix nanoseconds; 0n when absent. */
  readonly startTimeUnixNano: bigint;
  readonly timeUnixNano: bigint;
}

/** One pushed metric: a Gauge or a Sum (its temporality and monotonicity as sent). */
export interface PushedMetric {
  readonly name: string;
  readonly kind: 'gauge' | 'sum' | 'other';
  /** Sums only: `delta`, `cumulative`, or `unspecified`. */
  readonly temporality?: 'delta' | 'cumulative' | 'unspecified';
  readonly monotonic?: boolean;
  readonly dataPoints: readonly PushedDataPoint[];
}

/** A decoded MetricsData message (every ResourceMetrics and ScopeMetrics flattened). */
export interface PushedMetricsData {
  /** Attributes of the resource(s), string values only. */
  readonly resourceAttributes: Readonly<Record<string, string>>;
  readonly scopeNames: readonly string[];
  readonly metrics: readonly PushedMetric[];
}

interface Field {
  readonly number: number;
  readonly wireType: number;
  /** Varint value, or the 8 or 4 bytes of a fixed field, or the bytes of a length-delimited field. */
  readonly varint?: bigint;
  readonly bytes?: Buffer;
}

/** Splits one protobuf message into its fields; throws on a truncated or malformed message. */
export function readFields(buffer: Buffer): Field[] {
  const fields: Field[] = [];
  let offset = 0;
  const readVarint = (): bigint => {
    let result = 0n;
    for (let shift = 0n; shift < 70n; shift += 7n) {
      if (offset >= buffer.length) throw new RangeError('protobuf: truncated varint');
      const byte = buffer[offset++]!;
      result |= BigInt(byte & 0x7f) << shift;
      if ((byte & 0x80) === 0) return result;
    }
    throw new RangeError('protobuf: varint longer than 10 bytes');
  };
  const take = (length: number): Buffer => {
    if (offset + length > buffer.length) throw new RangeError('protobuf: field exceeds the message');
    const bytes = buffer.subarray(offset, offset + length);
    offset += length;
    return bytes;
  };
  while (offset < buffer.length) {
    const key = readVarint();
    const number = Number(key >> 3n);
    const wireType = Number(key & 7n);
    if (number === 0) throw new RangeError('protobuf: field number 0');
    if (wireType === 0) fields.push({ number, wireType, varint: readVarint() });
    else if (wireType === 1) fields.push({ number, wireType, bytes: take(8) });
    else if (wireType === 2) fields.push({ number, wireType, bytes: take(Number(readVarint())) });
    else if (wireType === 5) fields.push({ number, wireType, bytes: take(4) });
    else throw new RangeError(`protobuf: unsupported wire type ${wireType}`);
  }
  return fields;
}

const messages = (fields: Field[], number: number): Buffer[] =>
  fields.filter((field) => field.number === number && field.wireType === 2).map((field) => field.bytes!);
const text = (fields: Field[], number: number): string => messages(fields, number)[0]?.toString('utf8') ?? '';
const varintOf = (fields: Field[], number: number): bigint => fields.find((field) => field.number === number && field.wireType === 0)?.varint ?? 0n;
const fixed64Of = (fields: Field[], number: number): bigint =>
  fields.find((field) => field.number === number && field.wireType === 1)?.bytes?.readBigUInt64LE() ?? 0n;

// KeyValue { key = 1; AnyValue value = 2 }, AnyValue { string_value = 1; bool_value = 2; int_value = 3; double_value = 4 }.
function attributesOf(encoded: Buffer[]): Record<string, string> {
  const attributes: Record<string, string> = {};
  for (const keyValue of encoded) {
    const fields = readFields(keyValue);
    const value = readFields(messages(fields, 2)[0] ?? Buffer.alloc(0));
    const stringValue = messages(value, 1)[0];
    const intValue = value.find((field) => field.number === 3 && field.wireType === 0);
    const doubleValue = value.find((field) => field.number === 4 && field.wireType === 1);
    const boolValue = value.find((field) => field.number === 2 && field.wireType === 0);
    attributes[text(fields, 1)] =
      stringValue !== undefined
        ? stringValue.toString('utf8')
        : intValue
          ? String(BigInt.asIntN(64, intValue.varint!))
          : doubleValue
            ? String(doubleValue.bytes!.readDoubleLE())
            : boolValue
              ? String(boolValue.varint !== 0n)
              : '';
  }
  return attributes;
}

// NumberDataPoint { attributes = 7; start_time_unix_nano = 2; time_unix_nano = 3; as_double = 4; as_int = 6 (sfixed64) }.
function dataPointOf(encoded: Buffer): PushedDataPoint {
  const fields = readFields(encoded);
  const asDouble = fields.find((field) => field.number === 4 && field.wireType === 1);
  const asInt = fields.find((field) => field.number === 6 && field.wireType === 1);
  const value = asDouble ? asDouble.bytes!.readDoubleLE() : asInt ? Number(asInt.bytes!.readBigInt64LE()) : Number.NaN;
  return { value, attributes: attributesOf(messages(fields, 7)), startTimeUnixNano: fixed64Of(fields, 2), timeUnixNano: fixed64Of(fields, 3) };
}

const temporalities = ['unspecified', 'delta', 'cumulative'] as const;

// Metric { name = 1; gauge = 5; sum = 7 }, Gauge { data_points = 1 },
// Sum { data_points = 1; aggregation_temporality = 2; is_monotonic = 3 }.
function metricOf(encoded: Buffer): PushedMetric {
  const fields = readFields(encoded);
  const name = text(fields, 1);
  const gauge = messages(fields, 5)[0];
  const sum = messages(fields, 7)[0];
  if (gauge !== undefined) return { name, kind: 'gauge', dataPoints: messages(readFields(gauge), 1).map(dataPointOf) };
  if (sum !== undefined) {
    const sumFields = readFields(sum);
    return {
      name,
      kind: 'sum',
      temporality: temporalities[Number(varintOf(sumFields, 2))] ?? 'unspecified',
      monotonic: varintOf(sumFields, 3) !== 0n,
      dataPoints: messages(sumFields, 1).map(dataPointOf),
    };
  }
  return { name, kind: 'other', dataPoints: [] };
}

/**
 * Decodes a serialized MetricsData: MetricsData { resource_metrics = 1 }, ResourceMetrics
 * { resource = 1; scope_metrics = 2 }, Resource { attributes = 1 }, ScopeMetrics { scope = 1;
 * metrics = 2 }, InstrumentationScope { name = 1 }. Throws RangeError on malformed bytes.
 */
export function decodeMetricsData(payload: Buffer): PushedMetricsData {
  const resourceAttributes: Record<string, string> = {};
  const scopeNames: string[] = [];
  const metrics: PushedMetric[] = [];
  for (const resourceMetrics of messages(readFields(payload), 1)) {
    const fields = readFields(resourceMetrics);
    for (const resource of messages(fields, 1)) Object.assign(resourceAttributes, attributesOf(messages(readFields(resource), 1)));
    for (const scopeMetrics of messages(fields, 2)) {
      const scopeFields = readFields(scopeMetrics);
      const scope = messages(scopeFields, 1)[0];
      if (scope !== undefined) scopeNames.push(text(readFields(scope), 1));
      for (const metric of messages(scopeFields, 2)) metrics.push(metricOf(metric));
    }
  }
  return { resourceAttributes, scopeNames, metrics };
}
