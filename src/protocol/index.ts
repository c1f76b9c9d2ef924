// The protocol layer: wire primitives, per-API tables compiled per version, framing, negotiation.
export * from './apis/index.js';
export { type CompiledMessage, compileMessage, type Struct } from './compile.js';
export * from './frame.js';
export { Reader } from './reader.js';
export * from './schema.js';
export * from './versions.js';
export { Writer } from './writer.js';
