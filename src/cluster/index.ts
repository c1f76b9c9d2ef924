// The cluster layer: bootstrap, per-broker connections, metadata cache.
export * from './cluster.js';
export * from './metadata-cache.js';
