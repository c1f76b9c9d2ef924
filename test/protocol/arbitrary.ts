// Builds fast-check arbitraries of valid values of a MessageSpec at one version, read from the table
// itself, in exactly the shape the decoder returns: every field of that version, tagged fields
// sometimes at their default, and in flexible structs sometimes unknown tagged fields.
import fc from 'fast-check';
import type { Struct } from '../../src/protocol/compile.js';
import { type FieldSpec, inRange, type MessageSpec, type TaggedField } from '../../src/protocol/schema.js';

/** Limits of the generated values. */
export interface ValueOptions {
  /** Most elements of any array (default 3). */
  readonly maxArrayLength?: number;
  /** Longest string, in graphemes or code points (default 12). */
  readonly maxStringLength?: number;
  /** Longest bytes / records value (default 16). */
  readonly maxBytesLength?: number;
  /** Whether flexible structs sometimes carry unknown tagged fields (default true). */
  readonly unknownTaggedFields?: boolean;
}

interface Limits {
  readonly maxArrayLength: number;
  readonly maxStringLength: number;
  readonly maxBytesLength: number;
  readonly unknownTaggedFields: boolean;
}

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;
const ZERO_UUID = '00000000-0000-0000-0000-000000000000';

/** An arbitrary of a valid value of `spec` at `version`. */
export function messageArbitrary(spec: MessageSpec, version: number, options: ValueOptions = {}): fc.Arbitrary<Struct> {
  if (!inRange(spec.validVersions, version)) throw new RangeError(`${spec.name} has no version ${version}`);
  const limits: Limits = {
    maxArrayLength: options.maxArrayLength ?? 3,
    maxStringLength: options.maxStringLength ?? 12,
    maxBytesLength: options.maxBytesLength ?? 16,
    unknownTaggedFields: options.unknownTaggedFields ?? true,
  };
  return structArbitrary(spec.fields, version, inRange(spec.flexibleVersions, version), limits);
}

/** The value the decoder gives a struct of `fields` at `version` when nothing overrides a default. */
export function defaultStruct(fields: readonly FieldSpec[], version: number, flexible: boolean): Struct {
  const struct: Struct = {};
  for (const field of fields) {
    if (isTagged(field, version, flexible) || inRange(field.versions, version)) {
      struct[field.name] = defaultOf(field, version, flexible);
    }
  }
  return struct;
}

function isTagged(field: FieldSpec, version: number, flexible: boolean): boolean {
  return flexible && field.taggedVersions !== undefined && inRange(field.taggedVersions, version);
}

/** The schema default of one field at `version`, as a decoded value. */
function defaultOf(field: FieldSpec, version: number, parentFlexible: boolean): unknown {
  const nullable = inRange(field.nullableVersions, version);
  const flexible = field.flexibleVersions ? inRange(field.flexibleVersions, version) : parentFlexible;
  if (field.type.startsWith('[]')) return nullable && field.default === 'null' ? null : [];
  if (field.fields) {
    return nullable && field.default === 'null' ? null : defaultStruct(field.fields, version, flexible);
  }
  const text = field.default;
  switch (field.type) {
    case 'int8':
    case 'int16':
    case 'uint16':
    case 'int32':
    case 'uint32':
    case 'float64':
      return text === undefined || text === '' ? 0 : Number(text);
    case 'int64':
      return text === undefined || text === '' ? 0n : BigInt(text);
    case 'bool':
      return text === 'true';
    case 'uuid':
      return ZERO_UUID;
    case 'string':
      return nullable && text === 'null' ? null : (text ?? '');
    case 'bytes':
    case 'records':
      return nullable ? null : Buffer.alloc(0);
    default:
      throw new TypeError(`unknown field type '${field.type}'`);
  }
}

function structArbitrary(
  fields: readonly FieldSpec[],
  version: number,
  flexible: boolean,
  limits: Limits,
): fc.Arbitrary<Struct> {
  const parts: Record<string, fc.Arbitrary<unknown>> = {};
  const usedTags = new Set<number>();
  for (const field of fields) {
    if (field.tag !== undefined) usedTags.add(field.tag);
    if (isTagged(field, version, flexible)) {
      parts[field.name] = fc.oneof(
        { arbitrary: fc.constant(defaultOf(field, version, flexible)), weight: 1 },
        { arbitrary: fieldArbitrary(field, version, flexible, limits), weight: 2 },
      );
    } else if (inRange(field.versions, version)) {
      parts[field.name] = fieldArbitrary(field, version, flexible, limits);
    }
  }
  const struct = fc.record(parts, { noNullPrototype: true }) as fc.Arbitrary<Struct>;
  if (!flexible || !limits.unknownTaggedFields) return struct;
  return fc
    .tuple(struct, fc.oneof({ arbitrary: fc.constant([]), weight: 3 }, { arbitrary: unknownTags(usedTags), weight: 1 }))
    .map(([value, unknown]) => (unknown.length === 0 ? value : { ...value, unknownTaggedFields: unknown }));
}

/** 1-3 tagged fields with tags no field of the struct uses (in any version), in increasing tag order. */
function unknownTags(usedTags: ReadonlySet<number>): fc.Arbitrary<TaggedField[]> {
  const tag = fc
    .oneof(fc.integer({ min: 0, max: 40 }), fc.integer({ min: 0, max: 0x7fffffff }))
    .filter((candidate) => !usedTags.has(candidate));
  const data = fc.uint8Array({ maxLength: 8 }).map((bytes) => Buffer.from(bytes));
  return fc
    .uniqueArray(fc.record({ tag, data }, { noNullPrototype: true }), { minLength: 1, maxLength: 3, selector: (entry) => entry.tag })
    .map((entries) => [...entries].sort((left, right) => left.tag - right.tag));
}

function fieldArbitrary(field: FieldSpec, version: number, parentFlexible: boolean, limits: Limits): fc.Arbitrary<unknown> {
  const nullable = inRange(field.nullableVersions, version);
  const flexible = field.flexibleVersions ? inRange(field.flexibleVersions, version) : parentFlexible;
  let value: fc.Arbitrary<unknown>;
  if (field.type.startsWith('[]')) {
    const element = field.fields
      ? structArbitrary(field.fields, version, flexible, limits)
      : scalarArbitrary(field.type.slice(2), limits);
    value = fc.array(element, { maxLength: limits.maxArrayLength });
  } else if (field.fields) {
    value = structArbitrary(field.fields, version, flexible, limits);
  } else {
    value = scalarArbitrary(field.type, limits);
  }
  if (!nullable) return value;
  return fc.oneof({ arbitrary: fc.constant(null), weight: 1 }, { arbitrary: value, weight: 3 });
}

/** Every value of a scalar wire type (strings kept short, in code points, without lone surrogates). */
export function scalarArbitrary(type: string, limits: Pick<Limits, 'maxStringLength' | 'maxBytesLength'>): fc.Arbitrary<unknown> {
  switch (type) {
    case 'int8':
      return fc.integer({ min: -0x80, max: 0x7f });
    case 'int16':
      return fc.integer({ min: -0x8000, max: 0x7fff });
    case 'uint16':
      return fc.integer({ min: 0, max: 0xffff });
    case 'int32':
      return fc.integer({ min: -0x80000000, max: 0x7fffffff });
    case 'uint32':
      return fc.integer({ min: 0, max: 0xffffffff });
    case 'float64':
      return fc.double();
    case 'int64':
      return fc.bigInt({ min: INT64_MIN, max: INT64_MAX });
    case 'bool':
      return fc.boolean();
    case 'uuid':
      return fc.oneof(
        { arbitrary: fc.constant(ZERO_UUID), weight: 1 },
        { arbitrary: fc.uint8Array({ minLength: 16, maxLength: 16 }).map(formatUuid), weight: 4 },
      );
    case 'string':
      return fc.oneof(
        fc.string({ unit: 'grapheme-ascii', maxLength: limits.maxStringLength }),
        fc.string({ unit: 'grapheme', maxLength: limits.maxStringLength }),
        fc.string({ unit: 'binary', maxLength: limits.maxStringLength }),
      );
    case 'bytes':
    case 'records':
      return fc.uint8Array({ maxLength: limits.maxBytesLength }).map((bytes) => Buffer.from(bytes));
    default:
      throw new TypeError(`unknown field type '${type}'`);
  }
}

/** The canonical lowercase 8-4-4-4-12 form of 16 bytes. */
export function formatUuid(bytes: Uint8Array): string {
  const hex = Buffer.from(bytes).toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
