// The Node binaries the benchmark runs this package's client processes under (--node, or
// --node-versions): by default the Node running the benchmark. A version asked for by number is
// installed once from npm's node-<platform>-<arch> package (the official Node build packaged for
// npm) into ~/.cache/kafka-producer/node-<version>, with npm itself, and reused afterwards.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

export interface NodeRuntime {
  /** The binary to run. */
  readonly path: string;
  /** What it reports for --version, e.g. v22.23.5. */
  readonly version: string;
}

/** The npm package that carries the official Node build for this machine. */
function nodePackage(): string {
  const platform = process.platform === 'win32' ? 'win' : process.platform;
  return `node-${platform}-${process.arch}`;
}

function versionOf(path: string): string {
  try {
    return execFileSync(path, ['--version'], { encoding: 'utf8', timeout: 30_000 }).trim();
  } catch (error) {
    throw new Error(`--node: '${path}' does not run as a Node binary (${error instanceof Error ? error.message.split('\n')[0] : String(error)})`);
  }
}

/** Installs (when missing) and returns the Node of `spec`: a major version (22), a full one (22.23.5) or `current`. */
function nodeOfVersion(spec: string): NodeRuntime {
  if (spec === 'current') return { path: process.execPath, version: process.version };
  if (!/^\d+(\.\d+){0,2}$/.test(spec)) throw new Error(`--node-versions takes versions such as 22, 24.1 or 22.23.5, or current; got '${spec}'`);
  const prefix = join(homedir(), '.cache', 'kafka-producer', `node-${spec}`);
  const binary = join(prefix, 'node_modules', nodePackage(), 'bin', process.platform === 'win32' ? 'node.exe' : 'node');
  if (!existsSync(binary)) {
    console.log(`installing ${nodePackage()}@${spec} into ${prefix}`);
    execFileSync('npm', ['install', '--prefix', prefix, '--no-save', '--no-audit', '--no-fund', `${nodePackage()}@${spec}`], { stdio: 'inherit', timeout: 600_000 });
    if (!existsSync(binary)) throw new Error(`--node-versions: installing ${nodePackage()}@${spec} left no ${binary}`);
  }
  return { path: binary, version: versionOf(binary) };
}

/**
 * The runtimes from --node (comma-separated paths) and --node-versions (comma-separated versions),
 * in that order, without duplicates; none when neither option is given.
 */
export function nodeRuntimes(paths: string | undefined, versions: string | undefined): NodeRuntime[] {
  const runtimes: NodeRuntime[] = [];
  for (const path of paths?.split(',').map((entry) => entry.trim()) ?? []) {
    if (path !== '') runtimes.push({ path, version: versionOf(path) });
  }
  for (const spec of versions?.split(',').map((entry) => entry.trim()) ?? []) {
    if (spec !== '') runtimes.push(nodeOfVersion(spec));
  }
  return runtimes.filter((runtime, index) => runtimes.findIndex((other) => other.version === runtime.version) === index);
}
