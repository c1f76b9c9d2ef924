// Generates src/protocol/apis/*.ts from the Apache Kafka message schemas (JSON with comments).
// Only facts are carried over: field names, types, version ranges, tags and defaults; no prose.
// Usage: node scripts/generate-protocol.mjs <path to the schemas folder>
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const source = process.argv[2];
if (!source) {
  console.error('usage: node scripts/generate-protocol.mjs <schemas folder>');
  process.exit(1);
}

// The APIs this package speaks, by schema name, with the file name of the generated module.
const apis = [
  ['Produce', 'produce'],
  ['Fetch', 'fetch'],
  ['ListOffsets', 'list-offsets'],
  ['Metadata', 'metadata'],
  ['FindCoordinator', 'find-coordinator'],
  ['SaslHandshake', 'sasl-handshake'],
  ['ApiVersions', 'api-versions'],
  ['CreateTopics', 'create-topics'],
  ['InitProducerId', 'init-producer-id'],
  ['AddPartitionsToTxn', 'add-partitions-to-txn'],
  ['AddOffsetsToTxn', 'add-offsets-to-txn'],
  ['EndTxn', 'end-txn'],
  ['TxnOffsetCommit', 'txn-offset-commit'],
  ['SaslAuthenticate', 'sasl-authenticate'],
  // Consumer-group APIs: only the fake cluster uses them, so that group consumers can read back.
  ['OffsetCommit', 'offset-commit'],
  ['OffsetFetch', 'offset-fetch'],
  ['JoinGroup', 'join-group'],
  ['Heartbeat', 'heartbeat'],
  ['LeaveGroup', 'leave-group'],
  ['SyncGroup', 'sync-group'],
  // Admin APIs: only the end-to-end tests use them, to move leaders and change topics on a real
  // cluster while the producer writes.
  ['AlterPartitionReassignments', 'alter-partition-reassignments'],
  ['CreatePartitions', 'create-partitions'],
  ['DeleteTopics', 'delete-topics'],
  ['ElectLeaders', 'elect-leaders'],
  // Creates client-metrics subscriptions (CLIENT_METRICS resources) for the client telemetry test.
  ['IncrementalAlterConfigs', 'incremental-alter-configs'],
  // Client telemetry (KIP-714): the producer pushes its metrics to a broker that asks for them.
  ['GetTelemetrySubscriptions', 'get-telemetry-subscriptions'],
  ['PushTelemetry', 'push-telemetry'],
];

// Versions released after the schemas were copied whose body is unchanged from the previous
// version. Produce v12 and TxnOffsetCommit v5 (Kafka 4.0, KIP-890) only signal that the client
// speaks transactions v2: the broker then adds the partition, or the group's offsets, to the
// transaction itself.
const extraVersions = { ProduceRequest: 12, ProduceResponse: 12, TxnOffsetCommitRequest: 5, TxnOffsetCommitResponse: 5 };

function readSchema(name) {
  const text = readFileSync(join(source, `${name}.json`), 'utf8');
  return JSON.parse(text.replace(/^\s*\/\/.*$/gm, ''));
}

function camel(name) {
  return name[0].toLowerCase() + name.slice(1);
}

function convertFields(fields, commonStructs) {
  return fields.map((field) => {
    const out = { name: camel(field.name), type: field.type, versions: field.versions };
    if (field.nullableVersions) out.nullableVersions = field.nullableVersions;
    if (field.taggedVersions) out.taggedVersions = field.taggedVersions;
    if (field.tag !== undefined) out.tag = field.tag;
    if (field.default !== undefined) out.default = String(field.default);
    if (field.flexibleVersions) out.flexibleVersions = field.flexibleVersions;
    const structName = field.type.replace(/^\[\]/, '');
    const nested = field.fields ?? commonStructs.get(structName)?.fields;
    if (nested) out.fields = convertFields(nested, commonStructs);
    return out;
  });
}

function widenVersions(range, maxBefore, maxAfter) {
  // A range open at the top ("3+") already covers the added version; a closed one ending at the old
  // maximum ("0-11") is widened to the new maximum.
  const match = /^(\d+)-(\d+)$/.exec(range);
  if (match && Number(match[2]) === maxBefore) return `${match[1]}-${maxAfter}`;
  return range;
}

function convertMessage(name) {
  const schema = readSchema(name);
  const commonStructs = new Map((schema.commonStructs ?? []).map((struct) => [struct.name, struct]));
  let validVersions = schema.validVersions;
  let fields = convertFields(schema.fields, commonStructs);
  const extra = extraVersions[name];
  if (extra !== undefined) {
    const [low, high] = validVersions.split('-').map(Number);
    validVersions = `${low}-${extra}`;
    const widen = (list) =>
      list.map((field) => ({
        ...field,
        versions: widenVersions(field.versions, high, extra),
        ...(field.fields ? { fields: widen(field.fields) } : {}),
      }));
    fields = widen(fields);
  }
  return {
    name: schema.name,
    apiKey: schema.apiKey,
    type: schema.type,
    validVersions,
    flexibleVersions: schema.flexibleVersions,
    fields,
  };
}

// TypeScript types: a field present in every valid version is required, others optional.
function parseRange(range, top) {
  if (range === 'none') return null;
  if (range.endsWith('+')) return [Number(range.slice(0, -1)), top];
  const [low, high] = range.split('-').map(Number);
  return [low, high ?? low];
}

function tsScalar(type) {
  switch (type) {
    case 'int8': case 'int16': case 'uint16': case 'int32': case 'uint32': case 'float64':
      return 'number';
    case 'int64': return 'bigint';
    case 'bool': return 'boolean';
    case 'string': case 'uuid': return 'string';
    case 'bytes': case 'records': return 'Buffer';
    default: return null;
  }
}

function emitTypes(message, out) {
  const emitted = new Set();
  const emitStruct = (typeName, fields, [low, high]) => {
    const lines = [];
    for (const field of fields) {
      const isArray = field.type.startsWith('[]');
      const element = field.type.replace(/^\[\]/, '');
      let ts = tsScalar(element);
      const range = parseRange(field.versions, 999);
      if (!ts) {
        ts = element.startsWith(message.name) ? element : `${message.name}${element}`;
        emitStruct(ts, field.fields, [Math.max(low, range[0]), Math.min(high, range[1])]);
      }
      if (isArray) ts = `${ts}[]`;
      if (field.nullableVersions) ts = `${ts} | null`;
      const always = range && range[0] <= low && range[1] >= high && !field.taggedVersions;
      lines.push(`  ${field.name}${always ? '' : '?'}: ${ts};`);
    }
    lines.push('  unknownTaggedFields?: TaggedField[];');
    // A struct used in two places (a common struct) is declared once.
    if (emitted.has(typeName)) return;
    emitted.add(typeName);
    out.push(`export interface ${typeName} {\n${lines.join('\n')}\n}\n`);
  };
  emitStruct(`${message.name}Data`, message.fields, parseRange(message.validVersions, 999));
}

// One field per line, nested fields indented under their parent, so a diff shows a field change.
function format(spec, indent = '') {
  const { fields, ...rest } = spec;
  const head = JSON.stringify(rest).slice(0, -1);
  if (!fields) return `${head}}`;
  const inner = fields.map((field) => `${indent}  ${format(field, `${indent}  `)}`).join(',\n');
  return `${head},"fields":[\n${inner}\n${indent}]}`;
}

mkdirSync('src/protocol/apis', { recursive: true });
const index = [];
for (const [api, file] of apis) {
  const request = convertMessage(`${api}Request`);
  const response = convertMessage(`${api}Response`);
  const types = [];
  emitTypes(request, types);
  emitTypes(response, types);
  const text = [
    `// ${api} (api key ${request.apiKey}): request and response tables for every version.`,
    '// Generated by scripts/generate-protocol.mjs from the Apache Kafka message schemas; do not edit.',
    "import type { MessageSpec, TaggedField } from '../schema.js';",
    '',
    `export const ${api}Request: MessageSpec = ${format(request)};`,
    '',
    `export const ${api}Response: MessageSpec = ${format(response)};`,
    '',
    ...types,
  ].join('\n');
  writeFileSync(`src/protocol/apis/${file}.ts`, text);
  index.push([api, file, request.apiKey]);
}
const indexText = [
  '// Every API this package speaks, by name. Generated by scripts/generate-protocol.mjs; do not edit.',
  ...index.map(([, file]) => `export * from './${file}.js';`),
  ...index.map(([api, file]) => `import { ${api}Request, ${api}Response } from './${file}.js';`),
  ...index.map(([api, file]) => `import type { ${api}RequestData, ${api}ResponseData } from './${file}.js';`),
  "import type { MessageSpec } from '../schema.js';",
  '',
  '/** The request and response tables of one API. */',
  'export interface ApiSpec { readonly name: string; readonly apiKey: number; readonly request: MessageSpec; readonly response: MessageSpec }',
  '',
  '/** Every API this package speaks, keyed by name. */',
  'export const apiSpecs = {',
  ...index.map(([api]) => `  ${api}: { name: '${api}', apiKey: ${api}Request.apiKey!, request: ${api}Request, response: ${api}Response },`),
  '} as const satisfies Record<string, ApiSpec>;',
  '',
  '/** Request and response data types of every API, keyed by name. */',
  'export interface ApiTypes {',
  ...index.map(([api]) => `  ${api}: { request: ${api}RequestData; response: ${api}ResponseData };`),
  '}',
  '',
  '/** The name of an API this package speaks. */',
  'export type ApiName = keyof typeof apiSpecs;',
  '',
].join('\n');
writeFileSync('src/protocol/apis/index.ts', indexText);
console.log(`generated ${index.length} APIs`);
