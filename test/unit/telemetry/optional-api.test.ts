// @opentelemetry/api is an optional peer: the package must load and send without it. The built
// files are scanned for any import of it, and a child process loads both builds with the package
// made unresolvable (a CommonJS resolver patch and an ESM resolve hook), sends to a FakeCluster,
// and sees `openTelemetry: true` refused with a ConfigError that says what to install.
import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { pathToFileURL } from 'node:url';

const root = process.cwd();

function files(directory: string, suffix: string): string[] {
  return readdirSync(directory).flatMap((name) => {
    const path = join(directory, name);
    if (statSync(path).isDirectory()) return files(path, suffix);
    return name.endsWith(suffix) ? [path] : [];
  });
}

// require('…'), import('…'), `from '…'` and `import '…'` of the package or a path inside it.
const IMPORT_OF_API = /(?:require|import)\s*\(\s*['"`]@opentelemetry\/api(?:\/[^'"`]*)?['"`]|(?:from|import)\s+['"]@opentelemetry\/api(?:\/[^'"]*)?['"]/;

describe('@opentelemetry/api stays optional', () => {
  it('is imported by no built file, code or declarations, of either build', () => {
    const built = [...files(join(root, 'dist', 'esm'), '.js'), ...files(join(root, 'dist', 'cjs'), '.js'), ...files(join(root, 'dist'), '.d.ts')];
    assert.ok(built.length > 100, `found ${built.length} built files`);
    const importing = built.filter((file) => IMPORT_OF_API.test(readFileSync(file, 'utf8')));
    assert.deepEqual(importing, []);
    // The pattern is shown to match the forms it is meant to catch.
    for (const form of ["require('@opentelemetry/api')", 'import("@opentelemetry/api")', "import { trace } from '@opentelemetry/api'", "import '@opentelemetry/api/build/x'"]) {
      assert.match(form, IMPORT_OF_API);
    }
  });

  it('is imported by no source file other than as types', () => {
    const sources = files(join(root, 'src'), '.ts');
    const valueImports = sources.filter((file) =>
      readFileSync(file, 'utf8')
        .split('\n')
        .some((line) => IMPORT_OF_API.test(line) && !/^\s*(?:import|export)\s+type\s/.test(line)),
    );
    assert.deepEqual(valueImports, []);
  });

  it('is not needed to load either build and send, and openTelemetry: true then names the package to install', () => {
    const work = mkdtempSync(join(tmpdir(), 'kafka-producer-no-otel-'));
    try {
      writeFileSync(
        join(work, 'block.cjs'),
        `const Module = require('node:module');
const resolve = Module._resolveFilename;
Module._resolveFilename = function (request, ...rest) {
  if (request === '@opentelemetry/api' || request.startsWith('@opentelemetry/api/')) {
    throw Object.assign(new Error("Cannot find module '" + request + "'"), { code: 'MODULE_NOT_FOUND' });
  }
  return resolve.call(this, request, ...rest);
};
`,
      );
      writeFileSync(
        join(work, 'hooks.mjs'),
        `export async function resolve(specifier, context, next) {
  if (specifier === '@opentelemetry/api' || specifier.startsWith('@opentelemetry/api/')) {
    throw Object.assign(new Error("Cannot find package '" + specifier + "'"), { code: 'ERR_MODULE_NOT_FOUND' });
  }
  return next(specifier, context);
}
`,
      );
      writeFileSync(join(work, 'register.mjs'), `import { register } from 'node:module';\nregister('./hooks.mjs', import.meta.url);\n`);
      const dist = (path: string) => JSON.stringify(pathToFileURL(join(root, 'dist', path)).href);
      writeFileSync(
        join(work, 'main.mjs'),
        `import { createRequire } from 'node:module';
import { Producer, ConfigError } from ${dist('esm/index.js')};
import { FakeCluster } from ${dist('esm/testing/index.js')};
const require = createRequire(${JSON.stringify(join(root, 'package.json'))});
const result = { requireBlocked: false, importBlocked: false, offsets: [], refusal: undefined };
try { require('@opentelemetry/api'); } catch (error) { result.requireBlocked = error.code === 'MODULE_NOT_FOUND'; }
try { await import('@opentelemetry/api'); } catch (error) { result.importBlocked = error.code === 'ERR_MODULE_NOT_FOUND'; }
const { Producer: CommonJsProducer } = require(${JSON.stringify(join(root, 'dist', 'cjs', 'index.js'))});
const cluster = new FakeCluster({ brokers: 1, topics: [{ name: 't', partitions: 1, replicationFactor: 1 }] });
await cluster.start();
try {
  for (const Built of [Producer, CommonJsProducer]) {
    const producer = new Built({ bootstrapServers: cluster.bootstrapServers, interceptors: [{ onSend: () => undefined }] });
    const metadata = await producer.send({ topic: 't', value: 'without opentelemetry' });
    result.offsets.push(Number(metadata.offset));
    await producer.close();
  }
  try {
    new Producer({ bootstrapServers: cluster.bootstrapServers, openTelemetry: true });
  } catch (error) {
    result.refusal = { isConfigError: error instanceof ConfigError, option: error.option, message: error.message };
  }
  result.headers = cluster.records('t', 0).map((record) => record.headers.length);
} finally {
  await cluster.stop();
}
process.stdout.write(JSON.stringify(result));
`,
      );
      const output = execFileSync(process.execPath, ['--require', join(work, 'block.cjs'), '--import', pathToFileURL(join(work, 'register.mjs')).href, join(work, 'main.mjs')], {
        cwd: work,
        encoding: 'utf8',
        timeout: 60_000,
      });
      const result = JSON.parse(output) as {
        requireBlocked: boolean;
        importBlocked: boolean;
        offsets: number[];
        headers: number[];
        refusal: { isConfigError: boolean; option: string; message: string } | undefined;
      };
      assert.equal(result.requireBlocked, true, 'require() cannot find the package');
      assert.equal(result.importBlocked, true, 'import() cannot find the package');
      assert.deepEqual(result.offsets, [0, 1], 'the ESM and the CommonJS build each sent a record');
      assert.deepEqual(result.headers, [0, 0]);
      assert.equal(result.refusal?.isConfigError, true);
      assert.equal(result.refusal?.option, 'openTelemetry');
      assert.match(result.refusal?.message ?? '', /npm install @opentelemetry\/api/);
    } finally {
      rmSync(work, { recursive: true, force: true });
    }
  });
});
