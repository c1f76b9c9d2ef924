// Loading optional packages: CommonJS packages through require(), ESM-only ones through import(),
// and the difference between a package that is missing and one that is installed but fails to load.
import * as assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { importOptionalPackage, isMissing } from '../../../src/records/optional-package.js';

describe('importOptionalPackage', () => {
  let root = '';

  // Packages on disk, named by absolute path: require() and import() both take one.
  function writePackage(name: string, packageJson: object, files: Record<string, string>): string {
    const directory = join(root, name);
    mkdirSync(directory, { recursive: true });
    writeFileSync(join(directory, 'package.json'), JSON.stringify(packageJson));
    for (const [file, text] of Object.entries(files)) writeFileSync(join(directory, file), text);
    return directory;
  }

  before(() => {
    root = mkdtempSync(join(tmpdir(), 'optional-package-'));
  });
  after(() => rmSync(root, { recursive: true, force: true }));

  it('loads a CommonJS package and exposes its exports', async () => {
    const path = writePackage('cjs', { name: 'cjs', main: 'index.js' }, { 'index.js': 'exports.double = (x) => 2 * x;' });
    const loaded = await importOptionalPackage(path);
    assert.ok(!isMissing(loaded));
    assert.equal((loaded.member('double') as (x: number) => number)(21), 42);
    assert.equal(loaded.member('absent'), undefined);
  });

  it('loads an ESM-only package', async () => {
    const path = writePackage(
      'esm',
      { name: 'esm', type: 'module', exports: { import: './index.js' } },
      { 'index.js': 'export function triple(x) { return 3 * x; }\nexport default { quadruple: (x) => 4 * x };' },
    );
    const loaded = await importOptionalPackage(path);
    assert.ok(!isMissing(loaded), isMissing(loaded) ? String(loaded.error) : '');
    assert.equal((loaded.member('triple') as (x: number) => number)(3), 9);
    assert.equal((loaded.member('quadruple') as (x: number) => number)(3), 12);
  });

  it('tells a package that fails to load from one that is not installed', async () => {
    const path = writePackage('broken', { name: 'broken', main: 'index.js' }, { 'index.js': "throw new Error('no binary for this platform');" });
    const broken = await importOptionalPackage(path);
    assert.ok(isMissing(broken));
    assert.equal(broken.notInstalled, false);
    assert.match(String(broken.error), /no binary for this platform/);

    const missing = await importOptionalPackage('kafka-producer-package-that-does-not-exist');
    assert.ok(isMissing(missing));
    assert.equal(missing.notInstalled, true);
  });

  it('loads a package once per process', async () => {
    const path = writePackage('counted', { name: 'counted', main: 'index.js' }, { 'index.js': 'globalThis.__loadCount = (globalThis.__loadCount ?? 0) + 1; exports.n = globalThis.__loadCount;' });
    const loading = importOptionalPackage(path);
    assert.equal(importOptionalPackage(path), loading, 'a second call shares the first one\'s load');
    const first = await loading;
    const second = await importOptionalPackage(path);
    assert.ok(!isMissing(first) && !isMissing(second));
    assert.equal(first, second);
    assert.equal(first.member('n'), 1);
    assert.equal(second.member('n'), 1);
  });
});
