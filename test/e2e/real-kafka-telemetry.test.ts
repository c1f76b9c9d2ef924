// KIP-714 client telemetry against real Kafka: a one-node cluster whose brokers run a metrics
// reporter implementing ClientTelemetry (test/e2e/java/TelemetryRecorder.java, compiled with javac
// against the broker's own jars), so that they serve GetTelemetrySubscriptions and PushTelemetry;
// a client-metrics subscription made with IncrementalAlterConfigs on a CLIENT_METRICS resource; a
// producer with enableMetricsPush. The reporter writes every push the broker accepted and passed
// on (decompressed) to a file, which the test decodes with the fake cluster's OTLP decoder.
//
// Needs java, javac and mvn; in CI (CI=true) their absence fails the suite instead of skipping it.
import * as assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { Producer } from '../../src/index.js';
import { decodeMetricsData, type PushedMetricsData } from '../../src/testing/index.js';
import { STANDARD_PRODUCER_METRICS } from '../helpers/kip714.js';
import { withConnection } from '../kafka/cluster-probe.js';
import { type RealKafkaCluster, resolveKafka } from '../kafka/real-cluster.js';
import { KAFKA_4, realKafkaSkip, startCluster, uniqueTopic } from './real-cluster-suite.js';

const run = promisify(execFile);
const SOURCE = fileURLToPath(new URL('../../../test/e2e/java/TelemetryRecorder.java', import.meta.url));
const ZERO_UUID = '00000000-0000-0000-0000-000000000000';
const PREFIX = 'org.apache.kafka.producer.';
// Kafka accepts intervals from 100 ms; one second keeps the test short without flooding the broker.
const INTERVAL_MS = 1000;

async function javacMissing(): Promise<string | false> {
  try {
    await run('javac', ['-version'], { timeout: 60_000 });
    return false;
  } catch {
    if (process.env.CI) throw new Error('the client telemetry end-to-end test cannot run in CI: javac is not installed');
    return 'javac is not installed';
  }
}

const skip = (await realKafkaSkip()) || (await javacMissing());

/** One push the reporter recorded. */
interface RecordedPush {
  readonly clientInstanceId: string;
  readonly terminating: boolean;
  readonly contentType: string;
  readonly data: PushedMetricsData;
}

function recordedPushes(file: string): RecordedPush[] {
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((line) => line.length > 0)
    .map((line) => {
      const [clientInstanceId, terminating, contentType, payload] = line.split(' ');
      return { clientInstanceId: clientInstanceId!, terminating: terminating === 'true', contentType: contentType!, data: decodeMetricsData(Buffer.from(payload ?? '', 'base64')) };
    });
}

// Polls `done` every 200 ms for at most `limitMs`; fails naming `what` if it never holds.
async function until(what: string, done: () => Promise<boolean> | boolean, limitMs = 60_000): Promise<void> {
  const deadline = Date.now() + limitMs;
  while (!(await done())) {
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

describe(`client telemetry (KIP-714) on Kafka ${KAFKA_4}`, { skip }, () => {
  let work: string;
  let file: string;
  let cluster: RealKafkaCluster | undefined;

  before(async () => {
    const library = await resolveKafka(KAFKA_4);
    work = mkdtempSync(join(tmpdir(), 'telemetry-recorder-'));
    file = join(work, 'pushes.txt');
    await run('javac', ['-nowarn', '-cp', `${library}/*`, '-d', work, SOURCE], { timeout: 120_000 });
    cluster = await startCluster({
      version: KAFKA_4,
      nodes: 1,
      classpath: [work],
      properties: { 'metric.reporters': 'TelemetryRecorder', 'telemetry.recorder.file': file },
    });
  });

  after(async () => {
    await cluster?.stop();
    if (work) rmSync(work, { recursive: true, force: true });
  });

  it('the broker hands out the subscription and receives the producer metrics it asked for, ending with a terminating push', { timeout: 300_000 }, async (t) => {
    const real = cluster!;
    const admin = real.admin();
    try {
      await admin.setClientMetricsSubscription('producer-metrics', [PREFIX], INTERVAL_MS);
    } finally {
      admin.close();
    }
    // The subscription reaches the broker through the cluster metadata: wait until a client asking
    // now is subscribed to the producer metrics.
    await until('the subscription on the broker', () =>
      withConnection(real.bootstrapServers.split(',')[0]!, {}, async (connection) => {
        const response = await connection.request('GetTelemetrySubscriptions', { clientInstanceId: ZERO_UUID });
        return response.errorCode === 0 && response.requestedMetrics.includes(PREFIX) && response.pushIntervalMs === INTERVAL_MS;
      }),
    );

    const warnings: string[] = [];
    const subscriptions: Record<string, unknown>[] = [];
    const topic = uniqueTopic('telemetry');
    await real.createTopic(topic, 3, 1);
    const producer = new Producer({
      bootstrapServers: real.bootstrapServers,
      clientId: 'telemetry-e2e',
      enableMetricsPush: true,
      lingerMs: 5,
      logger: {
        warn: (message, context) => warnings.push(`${message} ${JSON.stringify(context)}`),
        debug: (message, context) => {
          if (message === 'client telemetry subscription' && context) subscriptions.push(context);
        },
      },
    });
    let sent = 0;
    try {
      for (let round = 0; round < 5; round++) {
        await Promise.all(Array.from({ length: 20 }, (_, index) => producer.send({ topic, key: `k${index}`, value: `round ${round}` })));
        sent += 20;
      }
      await until('two pushes recorded by the broker', () => recordedPushes(file).filter((push) => !push.terminating).length >= 2);
    } finally {
      await producer.close();
    }
    await until('the terminating push', () => recordedPushes(file).some((push) => push.terminating), 30_000);

    const pushes = recordedPushes(file);
    assert.deepEqual(warnings, [], 'no push was rejected');
    // Compressed with the first type the broker lists that this producer has a codec for (gzip
    // at least), and decompressed by the broker before its reporter got the payload.
    const [subscription] = subscriptions;
    const accepted = (subscription?.acceptedCompressionTypes as number[] | undefined) ?? [];
    assert.ok(accepted.includes(1), `the broker accepts gzip: ${JSON.stringify(accepted)}`);
    assert.ok(typeof subscription?.compressionType === 'number' && subscription.compressionType > 0, 'pushes are compressed');
    assert.ok(accepted.indexOf(subscription.compressionType as number) <= accepted.indexOf(1), 'the first accepted type the producer can use');
    t.diagnostic(`${pushes.length} pushes, compression type ${String(subscription.compressionType)} of the accepted ${JSON.stringify(accepted)}`);
    const instanceIds = new Set(pushes.map((push) => push.clientInstanceId));
    assert.equal(instanceIds.size, 1, 'one client instance id, assigned by the broker');
    assert.ok(![...instanceIds][0]!.startsWith('AAAAAAAAAAAAAAAAAAAAAA'), 'not the zero Uuid');
    assert.deepEqual(
      pushes.map((push) => push.terminating),
      [...pushes.slice(1).map(() => false), true],
      'the terminating push comes last',
    );
    for (const push of pushes) {
      assert.match(push.contentType, /otlp/i, 'the broker passes the payload on as OTLP');
      assert.equal(push.data.resourceAttributes.client_id, 'telemetry-e2e');
      for (const metric of push.data.metrics) assert.ok(metric.name.startsWith(PREFIX), metric.name);
    }
    const names = new Set(pushes.flatMap((push) => push.data.metrics.map((metric) => metric.name)));
    for (const name of STANDARD_PRODUCER_METRICS) assert.ok(names.has(name), `${name} reached the broker`);
    // Kafka asks for deltas by default: the record counts of every push add up to what was sent.
    const sends = pushes.map((push) => push.data.metrics.find((metric) => metric.name === 'org.apache.kafka.producer.record.send.total'));
    for (const metric of sends) assert.equal(metric?.temporality, 'delta');
    assert.equal(
      sends.reduce((sum, metric) => sum + (metric?.dataPoints[0]?.value ?? 0), 0),
      sent,
    );
  });
});
