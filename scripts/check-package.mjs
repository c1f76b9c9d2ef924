// Checks the package as a user installs it: packs it (npm pack), unpacks it into a scratch
// node_modules, then type-checks a consumer under the module resolutions users have (node10,
// node16, bundler) and runs it from ESM and from CommonJS. Run after `node scripts/build.mjs`.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const root = resolve(import.meta.dirname, '..');
const work = mkdtempSync(join(tmpdir(), 'kafka-producer-package-'));
try {
  const tarball = execFileSync('npm', ['pack', '--silent', '--pack-destination', work], { cwd: root, encoding: 'utf8' }).trim().split('\n').at(-1);
  const installed = join(work, 'node_modules', 'kafka-producer');
  mkdirSync(installed, { recursive: true });
  execFileSync('tar', ['-xzf', join(work, tarball), '-C', installed, '--strip-components=1']);
  // The consumer has no @opentelemetry/api: the declarations of the openTelemetry option must not need it.
  const consumer = `import { Producer, ClusterUnavailableError, UnsupportedCompressionError, type OpenTelemetryOptions, type ProducerHealth } from 'kafka-producer';
import { FakeCluster } from 'kafka-producer/testing';
const cluster: FakeCluster = new FakeCluster({ brokers: 1 });
const telemetry: OpenTelemetryOptions = { traces: true, metrics: false };
const producer = new Producer({ bootstrapServers: 'localhost:9092', circuitBreaker: { whenOpen: 'wait' }, openTelemetry: false });
const health: ProducerHealth = producer.health();
export const checked = [cluster, telemetry, health.state, ClusterUnavailableError.name, UnsupportedCompressionError.name];
`;
  writeFileSync(join(work, 'consumer.ts'), consumer);
  const tsc = join(root, 'node_modules', 'typescript', 'bin', 'tsc');
  const typeRoots = join(root, 'node_modules', '@types');
  for (const [resolution, module] of [['node10', 'commonjs'], ['node16', 'node16'], ['bundler', 'esnext']]) {
    execFileSync(process.execPath, [tsc, '--noEmit', '--strict', '--skipLibCheck', 'false', '--moduleResolution', resolution, '--module', module, '--typeRoots', typeRoots, '--types', 'node', 'consumer.ts'], {
      cwd: work,
      stdio: 'inherit',
    });
    console.log(`types resolve under moduleResolution ${resolution}`);
  }
  const run = (file, source) => {
    writeFileSync(join(work, file), source);
    execFileSync(process.execPath, [file], { cwd: work, stdio: 'inherit' });
  };
  run('esm.mjs', `import { Producer } from 'kafka-producer'; import { FakeCluster } from 'kafka-producer/testing';
if (typeof Producer !== 'function' || typeof FakeCluster !== 'function') process.exit(1); console.log('ESM import works');`);
  run('cjs.cjs', `const { Producer } = require('kafka-producer'); const { FakeCluster } = require('kafka-producer/testing');
if (typeof Producer !== 'function' || typeof FakeCluster !== 'function') process.exit(1); console.log('CommonJS require works');`);
  run('no-otel.mjs', `import { ConfigError, Producer } from 'kafka-producer';
try { new Producer({ bootstrapServers: 'localhost:9092', openTelemetry: true }); process.exit(1); }
catch (error) { if (!(error instanceof ConfigError) || !/npm install @opentelemetry\\/api/.test(error.message)) throw error; }
console.log('without @opentelemetry/api, openTelemetry: true says what to install');`);
} finally {
  rmSync(work, { recursive: true, force: true });
}
