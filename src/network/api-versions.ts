// The first step of every connection's handshake: asking the broker which versions of each API it
// speaks (ApiVersions), and which cluster-wide feature levels it knows. Brokers older than the
// newest ApiVersions answer UNSUPPORTED_VERSION, in a layout of their own; that answer is decoded
// here too, since the request pipeline cannot decode it by the version it asked for.
import { ConnectionError } from '../errors/kafka-error.js';
import { type ApiName, type ApiVersionsResponseData, apiSpecs, type BrokerApiRange, decodeResponse, supportedVersions } from '../protocol/index.js';

const UNSUPPORTED_VERSION = 35;

/** What a broker told of the versions it speaks. */
export interface BrokerVersions {
  /** The broker's version range per API key. */
  readonly apiVersions: Map<number, BrokerApiRange>;
  /** Cluster-wide feature levels (ApiVersions v3+), such as `transaction.version`. */
  readonly finalizedFeatures: ReadonlyMap<string, number>;
  /** The epoch of that view of the features: a higher epoch is a newer view; -1 when none was given. */
  readonly finalizedFeaturesEpoch: bigint;
}

/** Sends one ApiVersions request at `version`, whose answer may be UNSUPPORTED_VERSION in an older layout. */
export type ApiVersionsRequest = (version: number) => Promise<ApiVersionsResponseData>;

// Sends ApiVersions at the newest version (or `cap`); a broker that does not speak it answers
// UNSUPPORTED_VERSION, with its own range in the v0 layout where it can, and the request is
// repeated at the highest version it lists, as the Java client does (v0 when it lists none).
/** Negotiates with the broker at `address`; rejects with a ConnectionError when it will not answer usably. */
export async function negotiateApiVersions(request: ApiVersionsRequest, address: string, cap: number | undefined): Promise<BrokerVersions> {
  let version = Math.min(supportedVersions('ApiVersions').max, cap ?? 99);
  for (let attempt = 0; attempt < 4; attempt++) {
    const response = await request(version);
    if (response.errorCode === UNSUPPORTED_VERSION) {
      const theirs = response.apiKeys.find((entry) => entry.apiKey === apiSpecs.ApiVersions.apiKey);
      const next = theirs ? Math.min(theirs.maxVersion, version - 1) : 0;
      if (version === 0) break;
      version = Math.max(0, next);
      continue;
    }
    if (response.errorCode !== 0) {
      throw new ConnectionError(`ApiVersions to ${address} failed with error code ${response.errorCode}`, {
        retriable: false,
        brokerErrorCode: response.errorCode,
      });
    }
    const apiVersions = new Map<number, BrokerApiRange>();
    for (const entry of response.apiKeys) {
      apiVersions.set(entry.apiKey, { minVersion: entry.minVersion, maxVersion: entry.maxVersion });
    }
    const finalizedFeatures = new Map<string, number>();
    for (const feature of response.finalizedFeatures ?? []) finalizedFeatures.set(feature.name, feature.maxVersionLevel);
    return { apiVersions, finalizedFeatures, finalizedFeaturesEpoch: response.finalizedFeaturesEpoch ?? -1n };
  }
  throw new ConnectionError(`ApiVersions negotiation with ${address} failed`, { retriable: false });
}

// An ApiVersions answer: UNSUPPORTED_VERSION (its first field in every version) comes in the v0
// layout from Kafka, and in no usable layout from some other brokers; then no range is known.
/** Decodes an ApiVersions answer to a request at `version`, tolerating UNSUPPORTED_VERSION in another layout. */
export function decodeApiVersionsAnswer(
  version: number,
  frame: Buffer,
  onTrailingBytes: ((api: ApiName, version: number, count: number) => void) | undefined,
): ApiVersionsResponseData {
  const errorCode = frame.length >= 6 ? frame.readInt16BE(4) : 0;
  if (errorCode !== UNSUPPORTED_VERSION) return decodeResponse('ApiVersions', version, frame, onTrailingBytes);
  // The v0 layout is a guess here, so bytes left after it mean the guess was wrong, not that the
  // broker added some: the answer then gives no ranges.
  let leftOver = 0;
  try {
    const answer = decodeResponse('ApiVersions', 0, frame, (_api, _version, count) => {
      leftOver = count;
    });
    if (leftOver === 0) return answer;
  } catch {
    // no usable layout
  }
  return { errorCode, apiKeys: [] };
}
