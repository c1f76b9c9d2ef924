// The version range this package speaks for every API, and the choice of the version to use with
// a broker: the highest that both sides speak.
import { UnsupportedVersionError } from '../errors/kafka-error.js';
import { type ApiName, apiSpecs } from './apis/index.js';
import { rangeBounds } from './schema.js';

/** Lowest and highest version this package speaks for `api`. */
export function supportedVersions(api: ApiName): { min: number; max: number } {
  const [min, max] = rangeBounds(apiSpecs[api].request.validVersions);
  return { min, max };
}

/** A broker's advertised range for one API key. */
export interface BrokerApiRange {
  readonly minVersion: number;
  readonly maxVersion: number;
}

/**
 * The highest version of `api` spoken by both this package (optionally capped by `cap`) and a
 * broker that advertised `brokerRanges`; throws UnsupportedVersionError when there is none.
 */
export function negotiateVersion(
  api: ApiName,
  brokerRanges: ReadonlyMap<number, BrokerApiRange>,
  cap?: number,
): number {
  const ours = supportedVersions(api);
  const theirs = brokerRanges.get(apiSpecs[api].apiKey);
  if (!theirs) throw new UnsupportedVersionError(`The broker does not support the ${api} API`);
  const max = Math.min(ours.max, theirs.maxVersion, cap ?? ours.max);
  const min = Math.max(ours.min, theirs.minVersion);
  if (max < min) {
    throw new UnsupportedVersionError(
      `No ${api} version is spoken by both sides: this client speaks ${ours.min}-${Math.min(ours.max, cap ?? ours.max)}, the broker ${theirs.minVersion}-${theirs.maxVersion}`,
    );
  }
  return max;
}
