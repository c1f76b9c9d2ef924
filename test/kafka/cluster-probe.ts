// Questions a test harness asks a real Kafka cluster through one short-lived connection of the
// project's own: is every broker registered and does every partition have a leader (as seen by
// one node), create topics, and which API versions the broker speaks and which one the client
// negotiates with it.
import type { ConnectionOptions as TlsOptions } from 'node:tls';
import { Connection } from '../../src/network/connection.js';
import type { SaslConfig } from '../../src/network/sasl/authenticate.js';
import { type ApiName, apiSpecs, type MetadataResponseData, supportedVersions } from '../../src/protocol/index.js';

/** How to reach a listener: plaintext without options, else TLS and/or SASL. */
export interface ProbeSecurity {
  readonly ssl?: TlsOptions | undefined;
  readonly sasl?: SaslConfig | undefined;
}

/** Opens a connection to `host:port` (ApiVersions and SASL done), runs `use` with it, and closes it. */
export async function withConnection<T>(address: string, security: ProbeSecurity, use: (connection: Connection) => Promise<T>): Promise<T> {
  const [host, port] = address.split(':');
  const connection = new Connection({
    host: host!,
    port: Number(port),
    clientId: 'real-cluster-probe',
    ssl: security.ssl,
    sasl: security.sasl,
    connectTimeoutMs: 5000,
    requestTimeoutMs: 10_000,
  });
  try {
    await connection.connect();
    return await use(connection);
  } finally {
    connection.close();
  }
}

/** Metadata of `topics` (every topic when null), without creating any. */
export function metadata(connection: Connection, topics: readonly string[] | null): Promise<MetadataResponseData> {
  return connection.request('Metadata', {
    topics: topics === null ? null : topics.map((name) => ({ name })),
    allowAutoTopicCreation: false,
    includeClusterAuthorizedOperations: false,
    includeTopicAuthorizedOperations: false,
  });
}

/**
 * Why the cluster is not ready by `response`, or undefined when it is: `brokers` are registered,
 * every topic listed exists without error, and each of its partitions has a leader.
 */
export function notReadyReason(response: MetadataResponseData, brokers: number, topics: readonly string[] = []): string | undefined {
  if (response.brokers.length < brokers) return `${response.brokers.length} of ${brokers} brokers in Metadata`;
  for (const name of topics) {
    if (!response.topics.some((topic) => topic.name === name)) return `topic ${name} is not in Metadata`;
  }
  for (const topic of response.topics) {
    if (topic.errorCode !== 0) return `topic ${topic.name}: error code ${topic.errorCode}`;
    if (topic.partitions.length === 0) return `topic ${topic.name} has no partitions yet`;
    const leaderless = topic.partitions.filter((partition) => partition.leaderId < 0 || partition.errorCode !== 0);
    if (leaderless.length > 0) return `topic ${topic.name}: partitions ${leaderless.map((partition) => partition.partitionIndex).join(', ')} without a leader`;
  }
  return undefined;
}

/** Creates `name`; a topic that already exists is left as it is. */
export async function createTopic(connection: Connection, name: string, partitions: number, replicationFactor: number): Promise<void> {
  const response = await connection.request('CreateTopics', {
    topics: [{ name, numPartitions: partitions, replicationFactor, assignments: [], configs: [] }],
    timeoutMs: 30_000,
    validateOnly: false,
  });
  const result = response.topics[0];
  const TOPIC_ALREADY_EXISTS = 36;
  if (result && result.errorCode !== 0 && result.errorCode !== TOPIC_ALREADY_EXISTS) {
    throw new Error(`creating topic ${name} failed: error code ${result.errorCode}${result.errorMessage ? ` (${result.errorMessage})` : ''}`);
  }
}

/** One API as negotiated on a connection. */
export interface NegotiatedApi {
  readonly api: ApiName;
  /** The broker's range, or undefined when it does not speak the API. */
  readonly broker: { readonly min: number; readonly max: number } | undefined;
  readonly client: { readonly min: number; readonly max: number };
  /** The highest version both speak, or undefined when there is none. */
  readonly negotiated: number | undefined;
}

/** The broker's and the client's version range of each of `apis` on `connection`, and the version negotiated. */
export function negotiatedApis(connection: Connection, apis: readonly ApiName[]): NegotiatedApi[] {
  return apis.map((api) => {
    const range = connection.apiVersions.get(apiSpecs[api].apiKey);
    let negotiated: number | undefined;
    try {
      negotiated = connection.versionFor(api);
    } catch {
      negotiated = undefined;
    }
    return { api, broker: range && { min: range.minVersion, max: range.maxVersion }, client: supportedVersions(api), negotiated };
  });
}

/** `negotiatedApis` as one line per API after a header, for a test's diagnostics. */
export function formatNegotiatedApis(apis: readonly NegotiatedApi[]): string[] {
  const header = 'negotiated = the highest version both sides speak (the transaction manager may cap its requests lower: docs/transactions.md)';
  return [header].concat(apis.map(
    ({ api, broker, client, negotiated }) =>
      `${api.padEnd(20)} broker ${broker ? `v${broker.min}-v${broker.max}` : 'none'}, client v${client.min}-v${client.max}, negotiated ${negotiated === undefined ? 'none' : `v${negotiated}`}`,
  ));
}
