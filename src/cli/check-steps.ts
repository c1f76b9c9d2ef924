// The steps of `check`, in the order a client meets them: per bootstrap server DNS, TCP, TLS,
// ApiVersions and SASL; then, through the first server that passed them all, Metadata (brokers,
// controller), a connection to every broker it lists (as the producer will open), and the topic.
// A step that cannot run because an earlier one failed is 'skipped', saying which.
import type { ConnectionOptions as TlsOptions } from 'node:tls';
import { brokerErrorByCode } from '../errors/broker-error-codes.js';
import type { Connection } from '../network/connection.js';
import { authenticate, type SaslConfig } from '../network/sasl/authenticate.js';
import { type ApiName, apiSpecs, type MetadataResponseData, type MetadataResponseTopic } from '../protocol/index.js';
import { apiVersionsHint, brokerConnectionHint, CLI_SETTINGS, dnsHint, saslHint, tcpHint, tlsHint } from './check-hints.js';
import { connectTcp, handshakeTls, openKafkaConnection, type ProbeTarget, probeSasl, resolveHost, speaksTls, withTimeout } from './check-probes.js';

export type StepStatus = 'ok' | 'failed' | 'skipped';

export interface StepResult {
  readonly step: string;
  readonly target: string;
  readonly status: StepStatus;
  readonly detail: string;
  /** What to try, for a failed step. */
  readonly hint?: string;
}

export interface CheckSettings {
  readonly bootstrapServers: readonly { readonly host: string; readonly port: number }[];
  readonly topic: string | undefined;
  readonly ssl: TlsOptions | undefined;
  readonly sasl: SaslConfig | undefined;
  readonly timeoutMs: number;
  readonly clientId: string;
}

// The APIs a producer relies on, shown with the broker's version range.
const KEY_APIS: readonly ApiName[] = ['Produce', 'Metadata', 'ApiVersions', 'InitProducerId', 'FindCoordinator', 'AddPartitionsToTxn', 'EndTxn', 'SaslHandshake', 'SaslAuthenticate'];
const MAX_BROKERS_CHECKED = 50;
const UNKNOWN_TOPIC_OR_PARTITION = 3;
const TOPIC_AUTHORIZATION_FAILED = 29;
const LEADER_NOT_AVAILABLE = 5;

/** Runs every step; `report` receives each result as it is known (for live output). */
export async function runChecks(settings: CheckSettings, report: (result: StepResult) => void = () => {}): Promise<StepResult[]> {
  const results: StepResult[] = [];
  const add = (result: StepResult) => {
    results.push(result);
    report(result);
  };
  let connection: Connection | undefined;
  try {
    for (const server of settings.bootstrapServers) {
      const ready = await checkServer(server, settings, add);
      if (ready && !connection) connection = ready;
      else ready?.close();
    }
    if (!connection) {
      const why = 'no bootstrap server passed the steps above';
      add({ step: 'Metadata', target: 'cluster', status: 'skipped', detail: why });
      add({ step: 'Topic', target: settings.topic ?? '-', status: 'skipped', detail: settings.topic ? why : 'no --topic given' });
      return results;
    }
    await checkCluster(connection, settings, add);
  } finally {
    connection?.close();
  }
  return results;
}

// The steps for one bootstrap server; resolves with its connection when every step passed.
async function checkServer(server: { host: string; port: number }, settings: CheckSettings, add: (result: StepResult) => void): Promise<Connection | undefined> {
  const target: ProbeTarget = { host: server.host, port: server.port, timeoutMs: settings.timeoutMs, clientId: settings.clientId };
  const address = formatAddress(server.host, server.port);
  const skipRest = (from: number, why: string) => {
    const steps = ['DNS', 'TCP', 'TLS', 'ApiVersions', 'SASL'];
    for (const step of steps.slice(from)) add({ step, target: address, status: 'skipped', detail: why });
  };

  try {
    const addresses = await resolveHost(target);
    add({ step: 'DNS', target: address, status: 'ok', detail: addresses.join(', ') === server.host ? 'an IP address, nothing to resolve' : `resolves to ${addresses.join(', ')}` });
  } catch (error) {
    add({ step: 'DNS', target: address, status: 'failed', detail: describe(error), hint: dnsHint(error, server.host) });
    skipRest(1, 'DNS failed');
    return undefined;
  }

  try {
    const tcp = await connectTcp(target);
    add({ step: 'TCP', target: address, status: 'ok', detail: `connected to ${tcp.address} in ${tcp.ms.toFixed(1)} ms` });
  } catch (error) {
    add({ step: 'TCP', target: address, status: 'failed', detail: describe(error), hint: tcpHint(error, server.port) });
    skipRest(2, 'TCP failed');
    return undefined;
  }

  if (settings.ssl) {
    try {
      const tls = await handshakeTls(target, settings.ssl);
      const unverified = tls.unverifiedBecause ? `; NOT verified (${tls.unverifiedBecause})` : '';
      add({ step: 'TLS', target: address, status: 'ok', detail: `${tls.protocol}, certificate ${tls.subject} from ${tls.issuer}, valid until ${tls.validTo}${unverified}` });
    } catch (error) {
      add({ step: 'TLS', target: address, status: 'failed', detail: describe(error), hint: tlsHint(error, server.host) });
      skipRest(3, 'TLS failed');
      return undefined;
    }
  } else {
    add({ step: 'TLS', target: address, status: 'skipped', detail: 'not configured (--tls)' });
  }

  let connection: Connection;
  try {
    connection = await openKafkaConnection(target, settings.ssl);
  } catch (error) {
    const portSpeaksTls = settings.ssl ? undefined : await speaksTls(target);
    add({ step: 'ApiVersions', target: address, status: 'failed', detail: describe(error), hint: apiVersionsHint(error, settings.ssl !== undefined, portSpeaksTls) });
    skipRest(4, 'ApiVersions failed');
    return undefined;
  }
  try {
    connection.versionFor('Produce');
    add({ step: 'ApiVersions', target: address, status: 'ok', detail: describeApiVersions(connection) });
  } catch (error) {
    connection.close();
    add({ step: 'ApiVersions', target: address, status: 'failed', detail: `${describe(error)}; ${describeApiVersions(connection)}`, hint: 'the broker is too old for this client, which needs Kafka 0.11 or newer (Produce v3+)' });
    skipRest(4, 'ApiVersions failed');
    return undefined;
  }

  if (settings.sasl) {
    try {
      const session = await withTimeout(authenticate(connection, settings.sasl), settings.timeoutMs, 'SASL authentication');
      const user = 'username' in settings.sasl ? ` as '${settings.sasl.username}'` : '';
      const lifetime = session.sessionLifetimeMs > 0 ? `, session expires after ${Math.round(session.sessionLifetimeMs / 1000)} s` : '';
      add({ step: 'SASL', target: address, status: 'ok', detail: `authenticated${user} with ${session.mechanism}${lifetime}` });
    } catch (error) {
      connection.close();
      add({ step: 'SASL', target: address, status: 'failed', detail: describe(error), hint: saslHint(error) });
      return undefined;
    }
  } else {
    // Not configured: ask the listener whether it wants SASL, which would explain a later failure.
    const probe = await probeSasl(target, settings.ssl);
    if (probe?.required) {
      connection.close();
      add({
        step: 'SASL',
        target: address,
        status: 'failed',
        detail: `the listener requires SASL authentication (it enables: ${probe.mechanisms.join(', ') || 'none listed'})`,
        hint: CLI_SETTINGS.enableSasl,
      });
      return undefined;
    }
    add({ step: 'SASL', target: address, status: 'skipped', detail: 'not configured, and the listener does not ask for it' });
  }
  return connection;
}

async function checkCluster(connection: Connection, settings: CheckSettings, add: (result: StepResult) => void): Promise<void> {
  const topic = settings.topic;
  let metadata: MetadataResponseData;
  try {
    metadata = await connection.request('Metadata', {
      topics: topic === undefined ? [] : [{ name: topic }],
      // A check must not create the topic it looks for.
      allowAutoTopicCreation: false,
      includeClusterAuthorizedOperations: false,
      includeTopicAuthorizedOperations: false,
    });
  } catch (error) {
    add({ step: 'Metadata', target: connection.address, status: 'failed', detail: describe(error), hint: 'the broker did not answer a Metadata request: look at its logs (authorization, listener configuration)' });
    add({ step: 'Topic', target: topic ?? '-', status: 'skipped', detail: topic === undefined ? 'no --topic given' : 'Metadata failed' });
    return;
  }
  const brokers = [...metadata.brokers].sort((left, right) => left.nodeId - right.nodeId);
  const controller = metadata.controllerId !== undefined && metadata.controllerId >= 0 ? `, controller ${metadata.controllerId}` : '';
  const cluster = metadata.clusterId ? `cluster '${metadata.clusterId}', ` : '';
  add({
    step: 'Metadata',
    target: connection.address,
    status: brokers.length > 0 ? 'ok' : 'failed',
    detail: `${cluster}${brokers.length} ${brokers.length === 1 ? 'broker' : 'brokers'}${controller}: ${brokers.map((broker) => `${broker.nodeId} at ${formatAddress(broker.host, broker.port)}${broker.rack ? ` (rack ${broker.rack})` : ''}`).join(', ')}`,
    ...(brokers.length === 0 ? { hint: 'the cluster lists no broker: it may be starting up' } : {}),
  });

  // The producer connects to the addresses the brokers advertise, not to the bootstrap servers.
  for (const broker of brokers.slice(0, MAX_BROKERS_CHECKED)) {
    const target: ProbeTarget = { host: broker.host, port: broker.port, timeoutMs: settings.timeoutMs, clientId: settings.clientId };
    const address = formatAddress(broker.host, broker.port);
    try {
      const brokerConnection = await openKafkaConnection(target, settings.ssl, settings.sasl);
      brokerConnection.close();
      add({ step: `Broker ${broker.nodeId}`, target: address, status: 'ok', detail: `reachable at its advertised address${settings.sasl ? ', authenticated' : ''}` });
    } catch (error) {
      add({ step: `Broker ${broker.nodeId}`, target: address, status: 'failed', detail: describe(error), hint: brokerConnectionHint(error, true) });
    }
  }

  if (topic === undefined) {
    add({ step: 'Topic', target: '-', status: 'skipped', detail: 'no --topic given' });
    return;
  }
  add(checkTopic(topic, metadata.topics.find((entry) => entry.name === topic)));
}

function checkTopic(topic: string, entry: MetadataResponseTopic | undefined): StepResult {
  if (!entry) return { step: 'Topic', target: topic, status: 'failed', detail: 'the broker did not describe the topic', hint: 'look at the broker logs' };
  if (entry.errorCode === UNKNOWN_TOPIC_OR_PARTITION) {
    return {
      step: 'Topic',
      target: topic,
      status: 'failed',
      detail: 'the topic does not exist',
      hint: 'create it (kafka-topics.sh --create), or let producers create it (auto.create.topics.enable=true on the brokers)',
    };
  }
  if (entry.errorCode === TOPIC_AUTHORIZATION_FAILED) {
    return { step: 'Topic', target: topic, status: 'failed', detail: 'not authorized to describe the topic', hint: 'grant this user Describe and Write on the topic (ACLs)' };
  }
  if (entry.errorCode === LEADER_NOT_AVAILABLE) {
    return { step: 'Topic', target: topic, status: 'failed', detail: 'the topic has no leader yet', hint: 'it may just have been created: try again in a moment' };
  }
  if (entry.errorCode !== 0) {
    const info = brokerErrorByCode(entry.errorCode);
    return { step: 'Topic', target: topic, status: 'failed', detail: `${info.name} (${info.code}): ${info.description}`, hint: 'see the error above' };
  }
  const partitions = [...entry.partitions].sort((left, right) => left.partitionIndex - right.partitionIndex);
  const leaderless = partitions.filter((partition) => partition.leaderId < 0 || partition.errorCode === LEADER_NOT_AVAILABLE);
  const underReplicated = partitions.filter((partition) => partition.isrNodes.length < partition.replicaNodes.length);
  const leaders = new Map<number, number>();
  for (const partition of partitions) if (partition.leaderId >= 0) leaders.set(partition.leaderId, (leaders.get(partition.leaderId) ?? 0) + 1);
  const replicas = Math.max(0, ...partitions.map((partition) => partition.replicaNodes.length));
  const leaderText = [...leaders]
    .sort((left, right) => left[0] - right[0])
    .map(([broker, count]) => `broker ${broker}: ${count}`)
    .join(', ');
  const replication = underReplicated.length > 0 ? `${underReplicated.length} under-replicated (${listPartitions(underReplicated)})` : 'all replicas in sync';
  const detail = `${partitions.length} partitions, replication factor ${replicas}, leaders by broker: ${leaderText || 'none'}; ${replication}`;
  if (leaderless.length > 0) {
    return {
      step: 'Topic',
      target: topic,
      status: 'failed',
      detail: `${detail}; no leader for partitions ${listPartitions(leaderless)}`,
      hint: 'the brokers holding those partitions are down, or an election is under way: records for them cannot be written now',
    };
  }
  return { step: 'Topic', target: topic, status: 'ok', detail };
}

function describeApiVersions(connection: Connection): string {
  const ranges = KEY_APIS.map((api) => {
    const range = connection.apiVersions.get(apiSpecs[api].apiKey);
    return range ? `${api} ${range.minVersion}-${range.maxVersion}` : `${api} none`;
  });
  let produce = '';
  try {
    produce = `; producing with Produce v${connection.versionFor('Produce')}`;
  } catch {
    // Reported by the caller.
  }
  const transactionVersion = connection.finalizedFeatures.get('transaction.version');
  const features = transactionVersion !== undefined ? `; transaction.version ${transactionVersion}` : '';
  return `${connection.apiVersions.size} APIs: ${ranges.join(', ')}${produce}${features}`;
}

function listPartitions(partitions: readonly { partitionIndex: number }[]): string {
  const shown = partitions.slice(0, 10).map((partition) => partition.partitionIndex);
  return `${shown.join(', ')}${partitions.length > shown.length ? ', ...' : ''}`;
}

function formatAddress(host: string, port: number): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}

// One line: OpenSSL's messages carry line breaks, which would break the table.
function describe(error: unknown): string {
  const message = (error instanceof Error ? error.message : String(error)).replace(/\s+/g, ' ').trim();
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && !message.includes(code) ? `${message} (${code})` : message;
}
