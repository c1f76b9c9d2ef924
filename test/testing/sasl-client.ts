// Authenticates a raw client with the package's SASL client mechanisms (SaslHandshake v1, then
// SaslAuthenticate v2), so broker-side tests can log in over a RawClient and then send raw requests.
import { authenticate, type SaslConfig, type SaslSession } from '../../src/network/sasl/authenticate.js';
import type { ApiName, ApiTypes } from '../../src/protocol/index.js';
import type { RawClient } from './raw-client.js';

const VERSIONS: Partial<Record<ApiName, number>> = { SaslHandshake: 1, SaslAuthenticate: 2 };

/** Sends ApiVersions, then runs the SASL exchange of `config`; rejects with an AuthenticationError when the broker refuses. */
export async function saslLogin(client: RawClient, config: SaslConfig): Promise<SaslSession> {
  const versions = await client.request('ApiVersions', 3, { clientSoftwareName: 'raw', clientSoftwareVersion: '1' });
  if (versions.errorCode !== 0) throw new Error(`ApiVersions failed with ${versions.errorCode}`);
  return authenticate(
    {
      address: 'raw-client',
      request: <A extends ApiName>(api: A, body: ApiTypes[A]['request']) => client.request(api, VERSIONS[api] ?? 0, body),
    },
    config,
  );
}
