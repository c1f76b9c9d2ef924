// Which APIs and versions the fake brokers speak: every API of the protocol layer except SASL, at
// the versions the protocol layer speaks, each capped by the cluster's `maxVersions` option.
import { type ApiName, type ApiVersionsResponseApiVersion, apiSpecs, supportedVersions } from '../protocol/index.js';
import type { ResolvedOptions } from './options.js';

/** The APIs the fake brokers answer. */
export const servedApis: readonly ApiName[] = (Object.keys(apiSpecs) as ApiName[]).filter(
  (api) => api !== 'SaslHandshake' && api !== 'SaslAuthenticate',
);

const served = new Set<ApiName>(servedApis);

/** The version range the cluster speaks for `api`, or undefined when it does not serve it (or a cap excludes every version). */
export function servedVersions(options: ResolvedOptions, api: ApiName): { min: number; max: number } | undefined {
  if (!served.has(api)) return undefined;
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
