// Runs every compiled test file under .build/test with node:test.
// Usage: node scripts/run-tests.mjs [folder-or-file-filter ...]   e.g. `unit protocol`
// End-to-end files (test/e2e) each start their own real Kafka cluster, so they run one at a time,
// after the others: two clusters of JVMs side by side on a small machine would time each other out.
import { spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join, sep } from 'node:path';

function collect(directory) {
  const files = [];
  for (const name of readdirSync(directory)) {
    const path = join(directory, name);
    if (statSync(path).isDirectory()) files.push(...collect(path));
    else if (name.endsWith('.test.js')) files.push(path);
  }
  return files;
}

const filters = process.argv.slice(2);
const files = collect('.build/test')
  .filter((file) => filters.length === 0 || filters.some((filter) => file.includes(filter)))
  .sort();
if (files.length === 0) {
  console.error('no test files matched');
  process.exit(1);
}
const endToEnd = `${sep}e2e${sep}`;
const groups = [
  { files: files.filter((file) => !file.includes(endToEnd)), concurrency: 2 },
  { files: files.filter((file) => file.includes(endToEnd)), concurrency: 1 },
];
let status = 0;
for (const group of groups) {
  if (group.files.length === 0) continue;
  const result = spawnSync(process.execPath, ['--test', `--test-concurrency=${group.concurrency}`, '--test-timeout=600000', ...group.files], { stdio: 'inherit' });
  if (result.status !== 0) status = result.status ?? 1;
}
process.exit(status);
