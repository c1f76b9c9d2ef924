// Request and response framing: the 4-byte size prefix and the versioned headers. Request header v1
// for non-flexible versions and v2 (with tagged fields) for flexible ones; response header v0 / v1
// likewise, except ApiVersions responses, which always use header v0 so that a client can read the
// answer whatever version it asked for (KIP-511).
import { MalformedResponseError } from '../errors/kafka-error.js';
import { type ApiName, type ApiTypes, apiSpecs } from './apis/index.js';
import { compileMessage, type Struct } from './compile.js';
import { Reader } from './reader.js';
import { inRange } from './schema.js';
import { Writer } from './writer.js';

const apiNamesByKey = new Map<number, ApiName>(
  Object.values(apiSpecs).map((spec) => [spec.apiKey, spec.name as ApiName]),
);

/** The name of the API with `apiKey`, if this package speaks it. */
export function apiNameOf(apiKey: number): ApiName | undefined {
  return apiNamesByKey.get(apiKey);
}

/** Whether requests of `api` at `version` use the flexible header (v2). */
export function isFlexible(api: ApiName, version: number): boolean {
  return inRange(apiSpecs[api].request.flexibleVersions, version);
}

/** Whether responses of `api` at `version` carry header v1 (tagged fields). */
export function responseHeaderHasTags(api: ApiName, version: number): boolean {
  return api !== 'ApiVersions' && inRange(apiSpecs[api].response.flexibleVersions, version);
}

/** Writes header and body of a request after a 4-byte size prefix; returns the whole frame. */
export function encodeRequest<A extends ApiName>(
  api: A,
  version: number,
  correlationId: number,
  clientId: string | null,
  body: ApiTypes[A]['request'],
  writer = new Writer(256),
): Buffer {
  const start = writeRequest(api, version, correlationId, clientId, body, writer);
  return writer.buffer.subarray(start, writer.offset);
}

/**
 * encodeRequest() without copying record batches: the frame as chunks, small fields in one buffer
 * and each batch by reference, for one vectored write.
 */
export function encodeRequestChunks<A extends ApiName>(
  api: A,
  version: number,
  correlationId: number,
  clientId: string | null,
  body: ApiTypes[A]['request'],
): Uint8Array[] {
  const writer = new Writer(256, true);
  const start = writeRequest(api, version, correlationId, clientId, body, writer);
  return writer.chunks(start);
}

// Writes the frame at the writer's offset; returns where it starts.
function writeRequest<A extends ApiName>(
  api: A,
  version: number,
  correlationId: number,
  clientId: string | null,
  body: ApiTypes[A]['request'],
  writer: Writer,
): number {
  const start = writer.offset;
  const referencedBefore = writer.referencedBytes;
  writer.int32(0);
  writer.int16(apiSpecs[api].apiKey).int16(version).int32(correlationId);
  writer.string(clientId);
  if (isFlexible(api, version)) writer.unsignedVarInt(0);
  compileMessage(apiSpecs[api].request, version).encode(writer, body);
  writer.int32At(start, writer.offset - start - 4 + writer.referencedBytes - referencedBefore);
  return start;
}

/** The correlation id of a response frame (without its size prefix). */
export function peekCorrelationId(frame: Buffer): number {
  if (frame.length < 4) throw new MalformedResponseError(`response frame of ${frame.length} bytes has no header`);
  return frame.readInt32BE(0);
}

/**
 * Decodes the body of a response frame (without its size prefix) after its header. Bytes after the
 * last field of a complete response are ignored, as the Java client and librdkafka ignore them (some
 * brokers write the top-level tagged fields twice); `onTrailingBytes` hears of them. A frame that
 * ends before the last field, or whose lengths do not fit it, is refused.
 */
export function decodeResponse<A extends ApiName>(
  api: A,
  version: number,
  frame: Buffer,
  onTrailingBytes?: (api: ApiName, version: number, count: number) => void,
): ApiTypes[A]['response'] {
  const reader = new Reader(frame);
  reader.int32();
  if (responseHeaderHasTags(api, version)) skipTaggedFields(reader);
  const body = compileMessage(apiSpecs[api].response, version).decode(reader);
  if (reader.remaining() !== 0) onTrailingBytes?.(api, version, reader.remaining());
  return body as ApiTypes[A]['response'];
}

function skipTaggedFields(reader: Reader): void {
  const count = reader.unsignedVarInt();
  for (let index = 0; index < count; index++) {
    reader.unsignedVarInt();
    reader.raw(reader.unsignedVarInt());
  }
}

/** A request as a broker reads it. */
export interface DecodedRequest {
  readonly apiKey: number;
  readonly apiVersion: number;
  readonly correlationId: number;
  readonly clientId: string | null;
  /** Undefined when the API or version is not one this package speaks. */
  readonly api: ApiName | undefined;
  readonly body: Struct | undefined;
}

/** Decodes a request frame (without its size prefix), as a broker does. */
export function decodeRequest(frame: Buffer): DecodedRequest {
  const reader = new Reader(frame);
  const apiKey = reader.int16();
  const apiVersion = reader.int16();
  const correlationId = reader.int32();
  const clientId = reader.string();
  const api = apiNameOf(apiKey);
  if (!api || !inRange(apiSpecs[api].request.validVersions, apiVersion)) {
    return { apiKey, apiVersion, correlationId, clientId, api, body: undefined };
  }
  if (isFlexible(api, apiVersion)) skipTaggedFields(reader);
  const body = compileMessage(apiSpecs[api].request, apiVersion).decode(reader);
  return { apiKey, apiVersion, correlationId, clientId, api, body };
}

/** Writes a response frame (size prefix, header, body), as a broker does. */
export function encodeResponse<A extends ApiName>(
  api: A,
  version: number,
  correlationId: number,
  body: ApiTypes[A]['response'],
): Buffer {
  const writer = new Writer(128);
  writer.int32(0).int32(correlationId);
  if (responseHeaderHasTags(api, version)) writer.unsignedVarInt(0);
  compileMessage(apiSpecs[api].response, version).encode(writer, body);
  writer.int32At(0, writer.offset - 4);
  return writer.finish();
}
