// ApiVersions: the advertised version range of every served API (capped by `maxVersions`), and, from
// v3 on, the cluster's features as a Kafka 4.x broker reports them (`transaction.version`, which
// tells clients whether transactions v2 is served). A request at a version the cluster does not
// speak is answered by the router, in the v0 layout, as Kafka does.
import { advertisedApiVersions } from '../api-support.js';
import type { Handler } from './handler.js';

/** Answers ApiVersions with the cluster's ranges and features. */
export const handleApiVersions: Handler<'ApiVersions'> = (context) => {
  context.session?.apiVersionsDone();
  const { transactionVersion: level, featuresEpoch } = context.runtime;
  return {
    response: {
      errorCode: 0,
      apiKeys: advertisedApiVersions(context.runtime.options),
      throttleTimeMs: 0,
      supportedFeatures: [{ name: 'transaction.version', minVersion: 0, maxVersion: 2 }],
      finalizedFeaturesEpoch: featuresEpoch,
      finalizedFeatures: [{ name: 'transaction.version', maxVersionLevel: level, minVersionLevel: level }],
    },
  };
};
