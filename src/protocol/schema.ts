// The shape of the per-API tables in ./apis: one MessageSpec per request or response, covering
// every version through version ranges, as in the Apache Kafka message schemas.

/** A version range as written in the schemas: `"3+"`, `"0-7"`, `"5"` or `"none"`. */
export type VersionRange = string;

/** One field of a message or struct. */
export interface FieldSpec {
  /** camelCase field name. */
  readonly name: string;
  /** `int8`..`int64`, `uint16`, `uint32`, `float64`, `bool`, `string`, `bytes`, `records`, `uuid`, a struct name, or `[]` + any of those. */
  readonly type: string;
  readonly versions: VersionRange;
  readonly nullableVersions?: VersionRange;
  readonly taggedVersions?: VersionRange;
  readonly tag?: number;
  /** The schema's default, as written there (`"-1"`, `"null"`, `"true"`, ...). */
  readonly default?: string;
  /** Overrides the message's flexible versions for this field (only the request header's clientId). */
  readonly flexibleVersions?: VersionRange;
  /** Fields of a struct or an array of structs. */
  readonly fields?: readonly FieldSpec[];
}

/** A request or response of one API, every version. */
export interface MessageSpec {
  readonly name: string;
  readonly apiKey?: number;
  readonly type: string;
  readonly validVersions: VersionRange;
  readonly flexibleVersions: VersionRange;
  readonly fields: readonly FieldSpec[];
}

/** A tagged field this package does not know, kept so that it can be written back unchanged. */
export interface TaggedField {
  readonly tag: number;
  readonly data: Buffer;
}

/** Whether `version` lies in `range`. */
export function inRange(range: VersionRange | undefined, version: number): boolean {
  if (range === undefined || range === 'none') return false;
  if (range.endsWith('+')) return version >= Number(range.slice(0, -1));
  const dash = range.indexOf('-');
  if (dash < 0) return version === Number(range);
  return version >= Number(range.slice(0, dash)) && version <= Number(range.slice(dash + 1));
}

/** The lowest and highest version of a closed or open range (open ranges end at `openTop`). */
export function rangeBounds(range: VersionRange, openTop = 0x7fff): [number, number] {
  if (range.endsWith('+')) return [Number(range.slice(0, -1)), openTop];
  const dash = range.indexOf('-');
  if (dash < 0) return [Number(range), Number(range)];
  return [Number(range.slice(0, dash)), Number(range.slice(dash + 1))];
}
