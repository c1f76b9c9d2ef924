// Builds the package: ESM and CommonJS copies of src/ with declarations, and with --with-tests
// a compiled tree of src/, test/ and bench/ under .build/ for the test runner.
import { execFileSync } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const tsc = require.resolve('typescript/bin/tsc');
const withTests = process.argv.includes('--with-tests');

function compile(project) {
  execFileSync(process.execPath, [tsc, '-p', project], { stdio: 'inherit' });
}

rmSync('dist', { recursive: true, force: true });
compile('tsconfig.esm.json');
compile('tsconfig.cjs.json');
mkdirSync('dist/cjs', { recursive: true });
// The CommonJS copy lives inside a "type": "module" package, so it needs its own marker.
writeFileSync('dist/cjs/package.json', '{ "type": "commonjs" }\n');
if (withTests) {
  rmSync('.build', { recursive: true, force: true });
  compile('tsconfig.json');
  mkdirSync('.build', { recursive: true });
}
