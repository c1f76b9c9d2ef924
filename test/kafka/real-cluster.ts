// Real Apache Kafka for the end-to-end tests, assembled from Maven Central (no docker): the server
// jar `org.apache.kafka:kafka_2.13` and its runtime dependencies are copied once into a cache
// outside the repository, then each node runs as `java -cp ... kafka.Kafka` in KRaft mode
// (combined broker and controller), bound to 127.0.0.1, with its storage formatted first. Nodes
// can be stopped, killed (SIGKILL) and restarted by id; start() and restart() return once every
// running node answers Metadata listing them all, with a leader for every partition of every topic.
// With `saslSsl`, every node also has a SASL_SSL client listener (SCRAM-SHA-512 and PLAIN, a broker
// certificate signed by a CA made at start); inter-broker traffic stays on PLAINTEXT.
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, openSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { SaslConfig } from '../../src/network/sasl/authenticate.js';
import type { ApiName } from '../../src/protocol/index.js';
import { KafkaAdmin } from './admin.js';
import { createTopic, metadata, type NegotiatedApi, negotiatedApis, notReadyReason, type ProbeSecurity, withConnection } from './cluster-probe.js';
import { type BrokerKeystore, type CertificateAuthority, createBrokerKeystore, createCertificateAuthority } from './tls-material.js';

const run = promisify(execFile);
// How long start() and restart() wait for readiness: a 3-node start takes 20-40 s on two cores,
// and over 90 s when other JVMs compete for them.
const READY_TIMEOUT_MS = 180_000;

export interface RealClusterOptions {
  /** Kafka version, e.g. '4.4.0'; 4.x logs through log4j2, 3.x through reload4j. */
  readonly version: string;
  /** Nodes, each broker and controller; replication factors and min.insync.replicas follow. */
  readonly nodes: number;
  /** Extra server properties for every node. */
  readonly properties?: Readonly<Record<string, string | number | boolean>>;
  /**
   * Extra class path entries of every node, after Kafka's jars: directories of classes or jars a
   * property names (e.g. a metrics reporter in `metric.reporters`).
   */
  readonly classpath?: readonly string[];
  /**
   * A second client listener, SASL_SSL, on every node: SCRAM-SHA-512 (the user is created when the
   * storage is formatted, which needs Kafka 3.5+, KIP-900) and PLAIN for the same user, a broker
   * certificate for 127.0.0.1 signed by a CA made with openssl at start. Default false.
   */
  readonly saslSsl?: boolean;
}

/** The SASL_SSL listener's user (SCRAM-SHA-512 and PLAIN) and the CA that signed the brokers' certificates. */
export interface SaslSslAccess {
  readonly username: string;
  readonly password: string;
  /** The CA certificate, PEM, to verify the brokers with (`ssl: { ca }`). */
  readonly caPem: string;
  /** Where that PEM is (for kcat's ssl.ca.location); removed by stop(). */
  readonly caPath: string;
}

interface Node {
  readonly id: number;
  readonly brokerPort: number;
  readonly controllerPort: number;
  /** The SASL_SSL listener's port, with the saslSsl option. */
  readonly saslSslPort: number | undefined;
  readonly directory: string;
  process: ChildProcess | undefined;
}

/** Where downloaded jars are kept between runs: KAFKA_JARS_CACHE, else ~/.cache/kafka-producer. */
export function jarsCache(): string {
  return process.env.KAFKA_JARS_CACHE ?? join(homedir(), '.cache', 'kafka-producer');
}

/** Whether this machine can run a real cluster: java and mvn on the PATH. */
export async function realKafkaAvailable(): Promise<string | undefined> {
  for (const [command, flag] of [
    ['java', '-version'],
    ['mvn', '--version'],
  ] as const) {
    try {
      await run(command, [flag], { timeout: 60_000 });
    } catch {
      return `${command} is not installed`;
    }
  }
  return undefined;
}

/** The server's class path for `version`, resolved from Maven Central into the cache unless there already. */
export async function resolveKafka(version: string): Promise<string> {
  const library = join(jarsCache(), `kafka_2.13-${version}`, 'lib');
  if (existsSync(library) && readdirSync(library).some((name) => name.startsWith('kafka_2.13-'))) return library;
  const work = mkdtempSync(join(tmpdir(), 'kafka-resolve-'));
  const logging = version.startsWith('3.')
    ? dependency('org.slf4j', 'slf4j-reload4j', '1.7.36')
    : dependency('org.apache.logging.log4j', 'log4j-slf4j-impl', '2.24.3') + dependency('org.apache.logging.log4j', 'log4j-core', '2.24.3');
  writeFileSync(
    join(work, 'pom.xml'),
    `<project xmlns="http://maven.apache.org/POM/4.0.0"><modelVersion>4.0.0</modelVersion>
<groupId>local</groupId><artifactId>kafka-server</artifactId><version>1</version><packaging>pom</packaging>
<dependencies>${dependency('org.apache.kafka', 'kafka_2.13', version)}${logging}</dependencies></project>`,
  );
  const staging = `${library}.partial`;
  rmSync(staging, { recursive: true, force: true });
  try {
    await run('mvn', ['-q', '-B', '-f', join(work, 'pom.xml'), 'dependency:copy-dependencies', `-DoutputDirectory=${staging}`, '-DincludeScope=runtime'], {
      timeout: 600_000,
      maxBuffer: 16 << 20,
    });
  } catch (error) {
    throw new Error(`resolving org.apache.kafka:kafka_2.13:${version} from Maven failed: ${(error as { stdout?: string }).stdout ?? String(error)}`);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  mkdirSync(join(library, '..'), { recursive: true });
  renameSync(staging, library);
  return library;
}

function dependency(group: string, artifact: string, version: string): string {
  return `<dependency><groupId>${group}</groupId><artifactId>${artifact}</artifactId><version>${version}</version></dependency>`;
}

// Ports are picked outside the kernel's ephemeral range (/proc/sys/net/ipv4/ip_local_port_range,
// 32768-60999 by default on Linux): a port the system handed out with listen(0) may be taken as the
// source port of an outgoing connection (kcat, the producer, another node) before the Kafka node
// binds it, and the node then fails to start. Machines configured with a wider range leave less
// room; start attempts on fresh ports (startCluster) cover what remains.
function portRange(): { from: number; to: number } {
  let low = 32_768;
  let high = 60_999;
  try {
    const [first, second] = readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/).map(Number);
    if (Number.isInteger(first) && Number.isInteger(second)) [low, high] = [first!, second!];
  } catch {
    // Not Linux, or no procfs: the default range.
  }
  if (low - 10_000 >= 2_000) return { from: 10_000, to: low - 1 };
  if (65_535 - high >= 2_000) return { from: high + 1, to: 65_535 };
  return { from: 20_000, to: 32_000 };
}

const PORT_RANGE = portRange();
const portsGiven = new Set<number>();

/** A free port on 127.0.0.1 outside the ephemeral range (free when asked; the node binds it moments later). */
async function freePort(): Promise<number> {
  for (let attempt = 0; attempt < 200; attempt++) {
    const port = PORT_RANGE.from + Math.floor(Math.random() * (PORT_RANGE.to - PORT_RANGE.from));
    if (portsGiven.has(port)) continue;
    const server = createServer();
    const bound = await new Promise<boolean>((resolve) => {
      server.once('error', () => resolve(false));
      server.listen(port, '127.0.0.1', () => resolve(true));
    });
    if (!bound) continue;
    await new Promise<void>((resolve) => server.close(() => resolve()));
    portsGiven.add(port);
    return port;
  }
  throw new Error(`no free port on 127.0.0.1 between ${PORT_RANGE.from} and ${PORT_RANGE.to}`);
}

export class RealKafkaCluster {
  readonly version: string;
  private readonly options: RealClusterOptions;
  private readonly nodes: Node[] = [];
  private readonly root: string;
  private library = '';
  private tls: { readonly ca: CertificateAuthority; readonly keystore: BrokerKeystore } | undefined;
  private readonly saslUser = { username: 'e2e-user', password: randomBytes(12).toString('hex') };

  constructor(options: RealClusterOptions) {
    this.options = options;
    this.version = options.version;
    this.root = mkdtempSync(join(tmpdir(), `kafka-${options.version}-`));
  }

  /** host:port of every node's client listener. */
  get bootstrapServers(): string {
    return this.nodes.map((node) => `127.0.0.1:${node.brokerPort}`).join(',');
  }

  /** host:port of every node's SASL_SSL listener (with the saslSsl option). */
  get saslSslBootstrapServers(): string {
    if (!this.options.saslSsl) throw new Error('the cluster was started without the saslSsl option');
    return this.nodes.map((node) => `127.0.0.1:${node.saslSslPort}`).join(',');
  }

  /** The SASL_SSL listener's user and CA (with the saslSsl option, once started). */
  get saslSsl(): SaslSslAccess {
    if (!this.tls) throw new Error('the cluster has no SASL_SSL listener (saslSsl option) or is not started');
    return { ...this.saslUser, caPem: this.tls.ca.certPem, caPath: this.tls.ca.certPath };
  }

  /** Resolves the jars, formats every node's storage, starts the nodes and waits until they are ready. */
  async start(): Promise<void> {
    this.library = await resolveKafka(this.version);
    const count = this.options.nodes;
    for (let id = 1; id <= count; id++) {
      this.nodes.push({
        id,
        brokerPort: await freePort(),
        controllerPort: await freePort(),
        saslSslPort: this.options.saslSsl ? await freePort() : undefined,
        directory: join(this.root, `node-${id}`),
        process: undefined,
      });
    }
    if (this.options.saslSsl) {
      const ca = await createCertificateAuthority(join(this.root, 'tls'), `kafka-${this.version}-test-ca`);
      this.tls = { ca, keystore: await createBrokerKeystore(join(this.root, 'tls'), ca, randomBytes(12).toString('hex')) };
    }
    const clusterId = randomBytes(16).toString('base64url');
    const voters = this.nodes.map((node) => `${node.id}@127.0.0.1:${node.controllerPort}`).join(',');
    const scram = this.tls ? ['--add-scram', `SCRAM-SHA-512=[name=${this.saslUser.username},password=${this.saslUser.password}]`] : [];
    // The nodes' storage is formatted side by side: each format is a JVM start, mostly waiting.
    await Promise.all(
      this.nodes.map((node) => {
        mkdirSync(join(node.directory, 'logs'), { recursive: true });
        writeFileSync(join(node.directory, 'server.properties'), this.properties(node, voters));
        writeFileSync(join(node.directory, 'log4j2.properties'), LOG4J2);
        writeFileSync(join(node.directory, 'log4j.properties'), LOG4J1);
        return this.java(['kafka.tools.StorageTool', 'format', '-t', clusterId, '-c', join(node.directory, 'server.properties'), ...scram]);
      }),
    );
    for (const node of this.nodes) this.launch(node);
    await this.waitForBrokers(count, READY_TIMEOUT_MS);
  }

  // The SASL_SSL listener: TLS from a PKCS12 keystore (its type named: Kafka's default is JKS, under
  // which Java 9+ happens to read PKCS12 files too), no client certificates, and SCRAM-SHA-512
  // plus PLAIN. SCRAM users live in
  // the cluster metadata (added at format); PLAIN users are listed in the listener's JAAS entry.
  // PLAIN is there for readers whose SCRAM Kafka 4 refuses (librdkafka before 2.6.1 sends a wrong
  // nonce in its final message).
  private saslSslProperties(node: Node): Record<string, string> {
    if (!this.tls) return {};
    const { username, password } = this.saslUser;
    return {
      listeners: `PLAINTEXT://127.0.0.1:${node.brokerPort},SASL_SSL://127.0.0.1:${node.saslSslPort},CONTROLLER://127.0.0.1:${node.controllerPort}`,
      'advertised.listeners': `PLAINTEXT://127.0.0.1:${node.brokerPort},SASL_SSL://127.0.0.1:${node.saslSslPort}`,
      'listener.security.protocol.map': 'PLAINTEXT:PLAINTEXT,SASL_SSL:SASL_SSL,CONTROLLER:PLAINTEXT',
      'sasl.enabled.mechanisms': 'SCRAM-SHA-512,PLAIN',
      'listener.name.sasl_ssl.scram-sha-512.sasl.jaas.config': 'org.apache.kafka.common.security.scram.ScramLoginModule required;',
      'listener.name.sasl_ssl.plain.sasl.jaas.config': `org.apache.kafka.common.security.plain.PlainLoginModule required user_${username}="${password}";`,
      'ssl.keystore.type': 'PKCS12',
      'ssl.keystore.location': this.tls.keystore.path,
      'ssl.keystore.password': this.tls.keystore.password,
      'ssl.key.password': this.tls.keystore.password,
      'ssl.client.auth': 'none',
    };
  }

  private properties(node: Node, voters: string): string {
    const count = this.options.nodes;
    const settings: Record<string, string | number | boolean> = {
      'process.roles': 'broker,controller',
      'node.id': node.id,
      'controller.quorum.voters': voters,
      listeners: `PLAINTEXT://127.0.0.1:${node.brokerPort},CONTROLLER://127.0.0.1:${node.controllerPort}`,
      'advertised.listeners': `PLAINTEXT://127.0.0.1:${node.brokerPort}`,
      'controller.listener.names': 'CONTROLLER',
      'listener.security.protocol.map': 'PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT',
      'inter.broker.listener.name': 'PLAINTEXT',
      'log.dirs': join(node.directory, 'data'),
      'num.partitions': 6,
      'default.replication.factor': Math.min(3, count),
      'min.insync.replicas': Math.min(2, count),
      'offsets.topic.replication.factor': Math.min(3, count),
      'transaction.state.log.replication.factor': Math.min(3, count),
      'transaction.state.log.min.isr': Math.min(2, count),
      'group.initial.rebalance.delay.ms': 0,
      'auto.create.topics.enable': true,
      ...this.saslSslProperties(node),
      ...this.options.properties,
    };
    return `${Object.entries(settings)
      .map(([key, value]) => `${key}=${value}`)
      .join('\n')}\n`;
  }

  private launch(node: Node): void {
    const output = openSync(join(node.directory, 'logs', 'stdout.log'), 'a');
    node.process = spawn(
      'java',
      [
        '-Xms128m',
        '-Xmx512m',
        '-XX:+UseG1GC',
        `-Dlog4j2.configurationFile=${join(node.directory, 'log4j2.properties')}`,
        `-Dlog4j.configuration=file:${join(node.directory, 'log4j.properties')}`,
        `-Dkafka.logs.dir=${join(node.directory, 'logs')}`,
        '-cp',
        [`${this.library}/*`, ...(this.options.classpath ?? [])].join(':'),
        'kafka.Kafka',
        join(node.directory, 'server.properties'),
      ],
      { stdio: ['ignore', output, output] },
    );
  }

  private async java(args: readonly string[]): Promise<void> {
    try {
      await run('java', ['-cp', `${this.library}/*`, ...args], { timeout: 120_000, maxBuffer: 16 << 20 });
    } catch (error) {
      throw new Error(`java ${args.join(' ')} failed: ${(error as { stderr?: string }).stderr ?? String(error)}`);
    }
  }

  /**
   * Waits until every running node answers Metadata listing `count` brokers, each partition of
   * every topic (and of `topics`, which must exist) with a leader, and, with saslSsl, until every
   * node's SASL_SSL listener logs the user in; on failure the message ends with each node's log tail.
   */
  private async waitForBrokers(count: number, timeoutMs: number, topics: readonly string[] = []): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    let last = '';
    for (let attempt = 0; attempt < 1000 && Date.now() < deadline; attempt++) {
      const exited = this.nodes.find((node) => node.process && node.process.exitCode !== null);
      if (exited) throw new Error(`Kafka node ${exited.id} exited (code ${exited.process!.exitCode}):\n${this.logTail()}`);
      try {
        last = (await this.notReady(count, topics)) ?? '';
        if (!last) return;
      } catch (error) {
        last = String(error);
      }
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
    throw new Error(`Kafka ${this.version} was not ready within ${timeoutMs} ms (${last}):\n${this.logTail()}`);
  }

  // Why some running node is not ready yet, or undefined when none.
  private async notReady(count: number, topics: readonly string[]): Promise<string | undefined> {
    for (const node of this.nodes.filter((candidate) => candidate.process)) {
      const reason = await withConnection(`127.0.0.1:${node.brokerPort}`, {}, async (connection) => notReadyReason(await metadata(connection, null), count, topics));
      if (reason) return `node ${node.id}: ${reason}`;
      if (this.tls) await withConnection(`127.0.0.1:${node.saslSslPort}`, this.saslSslSecurity(), (connection) => metadata(connection, []));
    }
    return undefined;
  }

  private saslSslSecurity(): ProbeSecurity {
    const sasl: SaslConfig = { mechanism: 'scram-sha-512', ...this.saslUser };
    return { ssl: { ca: this.tls!.ca.certPem }, sasl };
  }

  /** Waits until every running node sees `topic` with a leader for each partition. */
  async waitForLeaders(topic: string, timeoutMs = 60_000): Promise<void> {
    await this.waitForBrokers(this.running().length, timeoutMs, [topic]);
  }

  /** Creates `topic` (replication factor min(3, nodes) unless given) and waits for its leaders. */
  async createTopic(topic: string, partitions: number, replicationFactor = Math.min(3, this.nodes.length)): Promise<void> {
    const [node] = this.running();
    if (!node) throw new Error('no node is running');
    await withConnection(`127.0.0.1:${node.brokerPort}`, {}, (connection) => createTopic(connection, topic, partitions, replicationFactor));
    await this.waitForLeaders(topic);
  }

  /** What a client negotiates for `apis` with the first running node, on its PLAINTEXT or SASL_SSL listener. */
  async negotiatedApis(apis: readonly ApiName[], listener: 'PLAINTEXT' | 'SASL_SSL' = 'PLAINTEXT'): Promise<NegotiatedApi[]> {
    const [node] = this.running();
    if (!node) throw new Error('no node is running');
    return listener === 'SASL_SSL'
      ? withConnection(`127.0.0.1:${node.saslSslPort}`, this.saslSslSecurity(), async (connection) => negotiatedApis(connection, apis))
      : withConnection(`127.0.0.1:${node.brokerPort}`, {}, async (connection) => negotiatedApis(connection, apis));
  }

  /** The version the first node reports in its log at start ("Kafka version: ..."), e.g. '4.4.0'. */
  runningVersion(): string | undefined {
    const path = join(this.nodes[0]?.directory ?? '', 'logs', 'server.log');
    if (!existsSync(path)) return undefined;
    return /Kafka version: (\S+)/.exec(readFileSync(path, 'utf8'))?.[1];
  }

  private running(): Node[] {
    return this.nodes.filter((node) => node.process);
  }

  /** Ends node `id` at once (SIGKILL), as a crash would. */
  async kill(id: number): Promise<void> {
    await this.end(this.node(id), 'SIGKILL');
  }

  /** Starts node `id` again on its ports and storage, and waits until the running nodes are ready. */
  async restart(id: number): Promise<void> {
    this.launch(this.node(id));
    await this.waitForBrokers(this.running().length, READY_TIMEOUT_MS);
  }

  /**
   * Stops node `id` as an operator would (SIGTERM): a controlled shutdown, in which the controller
   * moves the node's leaderships to other replicas before it exits. Waits for the exit; fails when
   * the node is still running after `timeoutMs` (it is then killed).
   */
  async terminate(id: number, timeoutMs = 60_000): Promise<void> {
    const node = this.node(id);
    const child = node.process;
    if (!child || child.exitCode !== null || child.signalCode !== null) throw new Error(`Kafka node ${id} is not running`);
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill('SIGTERM');
    let timer: NodeJS.Timeout | undefined;
    const stopped = await Promise.race([exited.then(() => true), new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), timeoutMs)))]);
    clearTimeout(timer);
    node.process = undefined;
    if (!stopped) {
      child.kill('SIGKILL');
      await exited;
      throw new Error(`Kafka node ${id} did not finish its controlled shutdown within ${timeoutMs} ms:\n${this.logTail()}`);
    }
  }

  /** Starts again every node that was killed or terminated, and waits until every node answers. */
  async restartStopped(): Promise<void> {
    for (const id of this.nodeIds) if (!this.isRunning(id)) await this.restart(id);
  }

  /** Whether node `id` runs (started and not stopped, killed or exited). */
  isRunning(id: number): boolean {
    const child = this.node(id).process;
    return child !== undefined && child.exitCode === null && child.signalCode === null;
  }

  /** Node ids, 1 to the node count. */
  get nodeIds(): number[] {
    return this.nodes.map((node) => node.id);
  }

  /** An admin client of this cluster (topics, leaders, coordinators, offsets); close it after use. */
  admin(): KafkaAdmin {
    return new KafkaAdmin(this.bootstrapServers);
  }

  /** The leader of each partition of `topic`, as the brokers report it now. */
  async leaders(topic: string): Promise<Map<number, number>> {
    const admin = this.admin();
    try {
      return await admin.leaders(topic);
    } finally {
      admin.close();
    }
  }

  /** The leader of one partition of `topic` (-1 when it has none). */
  async leaderOf(topic: string, partition: number): Promise<number> {
    return (await this.leaders(topic)).get(partition) ?? -1;
  }

  /** Stops every node (SIGTERM, then SIGKILL after 20 s) and removes their storage. */
  async stop(): Promise<void> {
    await Promise.all(this.nodes.map((node) => this.end(node, 'SIGTERM')));
    rmSync(this.root, { recursive: true, force: true });
  }

  private node(id: number): Node {
    const node = this.nodes.find((candidate) => candidate.id === id);
    if (!node) throw new Error(`no node ${id}`);
    return node;
  }

  private async end(node: Node, signal: NodeJS.Signals): Promise<void> {
    const child = node.process;
    node.process = undefined;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill(signal);
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([exited, new Promise<void>((resolve) => (timer = setTimeout(resolve, 20_000)))]);
    clearTimeout(timer);
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGKILL');
      await exited;
    }
  }

  /** The last lines of every node's log, for a failure message. */
  logTail(lines = 20): string {
    return this.nodes
      .map((node) => {
        const parts = ['server.log', 'stdout.log'].map((name) => {
          const path = join(node.directory, 'logs', name);
          return existsSync(path) ? readFileSync(path, 'utf8').split('\n').slice(-lines).join('\n') : '';
        });
        return `--- node ${node.id} ---\n${parts.join('\n')}`;
      })
      .join('\n');
  }
}

const LOG4J2 = `status = warn
appender.file.type = File
appender.file.name = file
appender.file.fileName = \${sys:kafka.logs.dir}/server.log
appender.file.layout.type = PatternLayout
appender.file.layout.pattern = [%d] %p %m (%c)%n
rootLogger.level = info
rootLogger.appenderRef.file.ref = file
`;

const LOG4J1 = `log4j.rootLogger=INFO, file
log4j.appender.file=org.apache.log4j.FileAppender
log4j.appender.file.File=\${kafka.logs.dir}/server.log
log4j.appender.file.layout=org.apache.log4j.PatternLayout
log4j.appender.file.layout.ConversionPattern=[%d] %p %m (%c)%n
`;
