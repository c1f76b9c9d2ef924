// Which APIs and versions the fake brokers speak: every API of the protocol layer (the SASL ones only
// when the cluster requires SASL, the client telemetry ones only with the `telemetry` option) but the admin APIs the end-to-end tests send to real brokers, at
// the versions the protocol layer speaks, each capped by the cluster's `maxVersions` option.
import { type ApiName, type ApiVersionsResponseApiVersion, apiSpecs, supportedVersions } from '../protocol/index.js';
import type { ResolvedOptions } from './options.js';

const saslApis = new Set<ApiName>(['SaslHandshake', 'SaslAuthenticate']);

// Served only with the `telemetry` option, as Kafka serves them only with a ClientTelemetry reporter.
const telemetryApis = new Set<ApiName>(['GetTelemetrySubscriptions', 'PushTelemetry']);

// Spoken by the protocol layer for tests that change a real cluster; the fake brokers have no handler.
const adminApis = new Set<ApiName>(['AlterPartitionReassignments', 'CreatePartitions', 'DeleteTopics', 'ElectLeaders', 'IncrementalAlterConfigs']);

/** The APIs the fake brokers answer (SaslHandshake and SaslAuthenticate only with the `sasl` option). */
export const servedApis: readonly ApiName[] = (Object.keys(apiSpecs) as ApiName[]).filter((api) => !adminApis.has(api));

/** The version range the cluster speaks for `api`, or undefined when it does not serve it (or a cap excludes every version). */
export function servedVersions(options: ResolvedOptions, api: ApiName): { min: number; max: number } | undefined {
  if (adminApis.has(api) || (saslApis.has(api) && options.sasl === undefined)) return undefined;
  if (telemetryApis.has(api) && options.telemetry === undefined) return undefined;
  const { min, max } = supportedVersions(api);
  const capped = Math.min(max, options.maxVersions[api] ?? max);
  return capped < min ? undefined : { min, max: capped };
}

/** The ApiVersions entries the cluster advertises, by api key. */
export function advertisedApiVersions(options: ResolvedOptions): ApiVersionsResponseApiVersion[] {
  const entries: ApiVersionsResponseApiVersion[] = [];
  for (const api of servedApis) {
    const range = servedVersions(options, api);
    if (range) entries.push({ apiKey: apiSpecs[api].apiKey, minVersion: range.min, maxVersion: range.max });
  }
  return entries.sort((left, right) => left.apiKey - right.apiKey);
}
