// Compiles a MessageSpec for one version into an encoder and a decoder (closures built once per
// (message, version) and cached). Flexible versions use compact encodings and tagged fields;
// unknown tagged fields are kept on decode and written back on encode.
import { MalformedResponseError } from '../errors/kafka-error.js';
import { Reader } from './reader.js';
import { type FieldSpec, inRange, type MessageSpec, type TaggedField } from './schema.js';
import { Writer } from './writer.js';

/** A decoded message or struct: plain object keyed by camelCase field name. */
export type Struct = Record<string, unknown>;

type Encode = (writer: Writer, value: unknown) => void;
type Decode = (reader: Reader) => unknown;

/** Encoder and decoder of one message at one version. */
export interface CompiledMessage {
  readonly version: number;
  readonly flexible: boolean;
  encode(writer: Writer, value: object): void;
  decode(reader: Reader): Struct;
}

const cache = new WeakMap<MessageSpec, Map<number, CompiledMessage>>();

/** The compiled codec of `spec` at `version` (cached). */
export function compileMessage(spec: MessageSpec, version: number): CompiledMessage {
  let byVersion = cache.get(spec);
  if (!byVersion) cache.set(spec, (byVersion = new Map()));
  let compiled = byVersion.get(version);
  if (!compiled) {
    if (!inRange(spec.validVersions, version)) {
      throw new RangeError(`${spec.name} has no version ${version} (valid: ${spec.validVersions})`);
    }
    const flexible = inRange(spec.flexibleVersions, version);
    const struct = compileStruct(spec.fields, version, flexible, spec.name);
    compiled = {
      version,
      flexible,
      encode: (writer, value) => struct.encode(writer, value),
      decode: (reader) => struct.decode(reader) as Struct,
    };
    byVersion.set(version, compiled);
  }
  return compiled;
}

interface FieldCodec {
  readonly name: string;
  readonly encode: Encode;
  readonly decode: Decode;
  readonly defaultValue: () => unknown;
  readonly isDefault: (value: unknown) => boolean;
}

interface TaggedCodec extends FieldCodec {
  readonly tag: number;
}

function compileStruct(fields: readonly FieldSpec[], version: number, flexible: boolean, path: string) {
  const regular: FieldCodec[] = [];
  const tagged: TaggedCodec[] = [];
  for (const field of fields) {
    if (flexible && field.taggedVersions && inRange(field.taggedVersions, version)) {
      tagged.push({ ...compileField(field, version, flexible, path), tag: field.tag ?? 0 });
    } else if (inRange(field.versions, version)) {
      regular.push(compileField(field, version, flexible, path));
    }
  }
  tagged.sort((left, right) => left.tag - right.tag);
  const knownTags = new Map(tagged.map((codec) => [codec.tag, codec]));

  const encode: Encode = (writer, value) => {
    const struct = (value ?? {}) as Struct;
    for (const codec of regular) {
      const fieldValue = struct[codec.name];
      codec.encode(writer, fieldValue === undefined ? codec.defaultValue() : fieldValue);
    }
    if (flexible) writeTaggedFields(writer, struct, tagged);
  };

  const decode: Decode = (reader) => {
    const struct: Struct = {};
    for (const codec of regular) struct[codec.name] = codec.decode(reader);
    if (flexible) {
      for (const codec of tagged) struct[codec.name] = codec.defaultValue();
      const count = reader.unsignedVarInt();
      let unknown: TaggedField[] | undefined;
      let previousTag = -1;
      for (let index = 0; index < count; index++) {
        const tag = reader.unsignedVarInt();
        const size = reader.unsignedVarInt();
        if (tag <= previousTag) throw new MalformedResponseError(`${path}: tagged fields out of order`);
        previousTag = tag;
        const codec = knownTags.get(tag);
        if (codec) {
          const end = reader.offset + size;
          if (end > reader.end) throw new MalformedResponseError(`${path}: tagged field ${tag} exceeds frame`);
          const inner = new Reader(reader.buffer, reader.offset, end);
          struct[codec.name] = codec.decode(inner);
          reader.offset = end;
        } else {
          (unknown ??= []).push({ tag, data: Buffer.from(reader.raw(size)) });
        }
      }
      if (unknown) struct.unknownTaggedFields = unknown;
    }
    return struct;
  };

  const defaultValue = (): Struct => {
    const struct: Struct = {};
    for (const codec of regular) struct[codec.name] = codec.defaultValue();
    for (const codec of tagged) struct[codec.name] = codec.defaultValue();
    return struct;
  };

  const isDefault = (value: unknown): boolean => {
    if (value === undefined || value === null) return true;
    const struct = value as Struct;
    if (struct.unknownTaggedFields && (struct.unknownTaggedFields as TaggedField[]).length > 0) return false;
    return regular.every((codec) => codec.isDefault(struct[codec.name])) &&
      tagged.every((codec) => codec.isDefault(struct[codec.name]));
  };

  return { encode, decode, defaultValue, isDefault };
}

// Known tagged fields that differ from their default, merged with kept unknown ones, in tag order.
function writeTaggedFields(writer: Writer, struct: Struct, tagged: readonly TaggedCodec[]): void {
  const unknown = (struct.unknownTaggedFields as TaggedField[] | undefined) ?? [];
  if (tagged.length === 0 && unknown.length === 0) {
    writer.unsignedVarInt(0);
    return;
  }
  const entries: TaggedField[] = [...unknown];
  for (const codec of tagged) {
    const value = struct[codec.name];
    if (codec.isDefault(value)) continue;
    const inner = new Writer(64);
    codec.encode(inner, value);
    entries.push({ tag: codec.tag, data: inner.finish() });
  }
  entries.sort((left, right) => left.tag - right.tag);
  writer.unsignedVarInt(entries.length);
  for (const entry of entries) {
    writer.unsignedVarInt(entry.tag);
    writer.unsignedVarInt(entry.data.length);
    writer.raw(entry.data);
  }
}

function compileField(field: FieldSpec, version: number, messageFlexible: boolean, path: string): FieldCodec {
  const flexible = field.flexibleVersions ? inRange(field.flexibleVersions, version) : messageFlexible;
  const nullable = inRange(field.nullableVersions, version);
  const name = field.name;
  const where = `${path}.${name}`;
  if (field.type.startsWith('[]')) {
    const elementType = field.type.slice(2);
    const element = field.fields
      ? compileStruct(field.fields, version, flexible, where)
      : scalarCodec(elementType, false, flexible, undefined, where);
    return {
      name,
      encode: (writer, value) => {
        if (value === null) {
          if (!nullable) throw new TypeError(`${where} is not nullable in version ${version}`);
          if (flexible) writer.unsignedVarInt(0);
          else writer.int32(-1);
          return;
        }
        const items = value as unknown[];
        if (flexible) writer.unsignedVarInt(items.length + 1);
        else writer.int32(items.length);
        for (const item of items) element.encode(writer, item);
      },
      decode: (reader) => {
        const length = flexible ? reader.compactArrayLength() : reader.arrayLength();
        if (length < 0) {
          if (!nullable) throw new MalformedResponseError(`${where}: null array where none is allowed`);
          return null;
        }
        const items = new Array<unknown>(length);
        for (let index = 0; index < length; index++) items[index] = element.decode(reader);
        return items;
      },
      defaultValue: () => (nullable && field.default === 'null' ? null : []),
      isDefault: (value) =>
        value === undefined ||
        (nullable && field.default === 'null' ? value === null : Array.isArray(value) && value.length === 0),
    };
  }
  if (field.fields) {
    const struct = compileStruct(field.fields, version, flexible, where);
    return {
      name,
      // A nullable struct carries an int8 presence marker (-1 null, 1 present).
      encode: nullable
        ? (writer, value) => {
            if (value === null) writer.int8(-1);
            else {
              writer.int8(1);
              struct.encode(writer, value);
            }
          }
        : struct.encode,
      decode: nullable ? (reader) => (reader.int8() < 0 ? null : struct.decode(reader)) : struct.decode,
      defaultValue: nullable && field.default === 'null' ? () => null : struct.defaultValue,
      isDefault: struct.isDefault,
    };
  }
  return { name, ...scalarCodec(field.type, nullable, flexible, field.default, where) };
}

function scalarCodec(type: string, nullable: boolean, flexible: boolean, defaultText: string | undefined, where: string) {
  const number = (text: string | undefined) => (text === undefined || text === '' ? 0 : Number(text));
  switch (type) {
    case 'int8':
      return numeric((w, v) => w.int8(v as number), (r) => r.int8(), number(defaultText));
    case 'int16':
      return numeric((w, v) => w.int16(v as number), (r) => r.int16(), number(defaultText));
    case 'uint16':
      return numeric((w, v) => w.uint16(v as number), (r) => r.uint16(), number(defaultText));
    case 'int32':
      return numeric((w, v) => w.int32(v as number), (r) => r.int32(), number(defaultText));
    case 'uint32':
      return numeric((w, v) => w.uint32(v as number), (r) => r.uint32(), number(defaultText));
    case 'float64':
      return numeric((w, v) => w.float64(v as number), (r) => r.float64(), number(defaultText));
    case 'int64': {
      const fallback = BigInt(defaultText === undefined || defaultText === '' ? 0 : defaultText);
      return {
        encode: (w: Writer, v: unknown) => w.int64(typeof v === 'bigint' ? v : BigInt(v as number)),
        decode: (r: Reader) => r.int64(),
        defaultValue: () => fallback,
        isDefault: (v: unknown) => v === undefined || v === fallback,
      };
    }
    case 'bool': {
      const fallback = defaultText === 'true';
      return {
        encode: (w: Writer, v: unknown) => w.bool(v as boolean),
        decode: (r: Reader) => r.bool(),
        defaultValue: () => fallback,
        isDefault: (v: unknown) => v === undefined || v === fallback,
      };
    }
    case 'uuid': {
      const zero = '00000000-0000-0000-0000-000000000000';
      return {
        encode: (w: Writer, v: unknown) => w.uuid(v as string),
        decode: (r: Reader) => r.uuid(),
        defaultValue: () => zero,
        isDefault: (v: unknown) => v === undefined || v === zero,
      };
    }
    case 'string': {
      const fallback = nullable && defaultText === 'null' ? null : (defaultText ?? '');
      const checkNull = (v: unknown) => {
        if (v === null && !nullable) throw new TypeError(`${where} is not nullable in this version`);
      };
      return {
        encode: flexible
          ? (w: Writer, v: unknown) => {
              checkNull(v);
              w.compactString(v as string | null);
            }
          : (w: Writer, v: unknown) => {
              checkNull(v);
              w.string(v as string | null);
            },
        decode: flexible
          ? (r: Reader) => nonNull(r.compactString(), nullable, where)
          : (r: Reader) => nonNull(r.string(), nullable, where),
        defaultValue: () => fallback,
        isDefault: (v: unknown) => v === undefined || v === fallback,
      };
    }
    case 'bytes':
    case 'records': {
      const fallback = nullable ? null : Buffer.alloc(0);
      return {
        encode: flexible
          ? (w: Writer, v: unknown) => w.compactBytes(v as Uint8Array | null)
          : (w: Writer, v: unknown) => w.bytes(v as Uint8Array | null),
        decode: flexible
          ? (r: Reader) => nonNull(r.compactBytes(), nullable, where)
          : (r: Reader) => nonNull(r.bytes(), nullable, where),
        defaultValue: () => fallback,
        isDefault: (v: unknown) => v === undefined || v === null || (v as Uint8Array).length === 0,
      };
    }
    default:
      throw new TypeError(`${where}: unknown field type '${type}'`);
  }
}

function numeric(encode: (w: Writer, v: unknown) => void, decode: (r: Reader) => number, fallback: number) {
  return {
    encode,
    decode,
    defaultValue: () => fallback,
    isDefault: (v: unknown) => v === undefined || v === fallback,
  };
}

function nonNull<T>(value: T | null, nullable: boolean, where: string): T | null {
  if (value === null && !nullable) throw new MalformedResponseError(`${where}: null where none is allowed`);
  return value;
}
