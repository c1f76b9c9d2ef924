// The frame of an end-to-end file: whether the machine can run real Kafka (java, mvn and kcat; in
// CI their absence fails the suite instead of skipping it), and a describe() block that starts its
// own cluster in before() and stops it in after(), whatever the tests did to its nodes.
import { after, afterEach, before, describe } from 'node:test';
import { kcat } from '../helpers/kcat-process.js';
import { type RealClusterOptions, RealKafkaCluster, realKafkaAvailable } from '../kafka/real-cluster.js';

/** Kafka 4.x version of the end-to-end suite. */
export const KAFKA_4 = process.env.KAFKA_4_VERSION ?? '4.4.0';

/**
 * Why the real-Kafka tests cannot run here (for `skip`), or false. With `externalCluster` only
 * kcat is needed. Throws in CI, where the tools must be present.
 */
export async function realKafkaSkip(externalCluster = false): Promise<string | false> {
  let missing: string | undefined;
  if ((await kcat(['-V'])).code !== 0) missing = 'kcat is not installed';
  else if (!externalCluster) missing = await realKafkaAvailable();
  if (missing && process.env.CI) throw new Error(`the real-Kafka suite cannot run in CI: ${missing}`);
  return missing ? `${missing}: the real-Kafka suite needs java, mvn and kcat` : false;
}

// A start can fail for reasons outside the code under test (a port taken between probe and bind, a
// node slow to join on a loaded machine), so a failed start is tried again on fresh ports and
// storage: at most START_ATTEMPTS times, and not after START_RETRY_WINDOW_MS, each failure printed.
const START_ATTEMPTS = 3;
const START_RETRY_WINDOW_MS = 240_000;

/** Starts a cluster; one that fails to start is stopped (its nodes killed, its storage removed) and tried again, within bounds. */
export async function startCluster(options: RealClusterOptions): Promise<RealKafkaCluster> {
  const began = Date.now();
  for (let attempt = 1; ; attempt++) {
    const cluster = new RealKafkaCluster(options);
    try {
      await cluster.start();
      return cluster;
    } catch (error) {
      await cluster.stop();
      const last = attempt >= START_ATTEMPTS || Date.now() - began > START_RETRY_WINDOW_MS;
      process.stderr.write(`Kafka ${options.version} (${options.nodes} nodes) failed to start, attempt ${attempt}${last ? '' : ', trying again'}: ${String(error)}\n`);
      if (last) throw error;
    }
  }
}

/** Runs `tests` against a cluster started for them (every node running again after each test). */
export function describeWithCluster(title: string, options: RealClusterOptions, skip: string | false, tests: (cluster: () => RealKafkaCluster) => void): void {
  describe(title, { skip }, () => {
    let real: RealKafkaCluster | undefined;
    before(async () => {
      real = await startCluster(options);
    });
    afterEach(async () => {
      await real?.restartStopped();
    });
    after(async () => {
      await real?.stop();
    });
    tests(() => {
      if (!real) throw new Error('the cluster did not start');
      return real;
    });
  });
}

/** Topic names unique to this process. */
let topicCounter = 0;
export function uniqueTopic(name: string): string {
  return `e2e-${name}-${process.pid}-${topicCounter++}`;
}
