// SASL authentication over SaslHandshake + SaslAuthenticate (KIP-152), dispatching to a mechanism.
import type { ApiName, ApiTypes } from '../../protocol/index.js';

/** SASL settings of a connection. */
export type SaslConfig =
  | { readonly mechanism: 'plain'; readonly username: string; readonly password: string }
  | { readonly mechanism: 'scram-sha-256' | 'scram-sha-512'; readonly username: string; readonly password: string }
  | {
      readonly mechanism: 'oauthbearer';
      /** Called for each new connection; returns the bearer token and optional SASL extensions. */
      readonly oauthBearerProvider: () => Promise<{ value: string; extensions?: Record<string, string> }>;
    };

/** What a mechanism needs of a connection: its address and a way to send requests. */
export interface SaslConnection {
  readonly address: string;
  request<A extends ApiName>(api: A, body: ApiTypes[A]['request']): Promise<ApiTypes[A]['response']>;
}

export async function authenticate(_connection: SaslConnection, _config: SaslConfig): Promise<void> {
  throw new Error('SASL is not available yet');
}
