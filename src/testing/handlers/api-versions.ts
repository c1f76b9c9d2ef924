// ApiVersions: the advertised version range of every served API (capped by `maxVersions`). A request
// at a version the cluster does not speak is answered by the router, in the v0 layout, as Kafka does.
import { advertisedApiVersions } from '../api-support.js';
import type { Handler } from './handler.js';

/** Answers ApiVersions with the cluster's ranges. */
export const handleApiVersions: Handler<'ApiVersions'> = (context) => {
  context.session?.apiVersionsDone();
  return { response: { errorCode: 0, apiKeys: advertisedApiVersions(context.runtime.options), throttleTimeMs: 0 } };
};
