// The librdkafka builds the interop suite runs against: the system's (Debian's librdkafka-dev, linked
// dynamically) and a recent one built from source by scripts/build-librdkafka.mjs (linked
// statically). Each suite runs once per build, against that build's mock cluster, read back by that
// build's consumer. A build that cannot be had skips its suites on a developer's machine, and fails
// them in CI (CI=true), so that CI never passes without having run both.

import { execFileSync, spawn } from 'node:child_process';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const SYSTEM_HEADERS = ['/usr/include/librdkafka', '/usr/local/include/librdkafka'];

/** One librdkafka to compile mock-cluster.c and read-back.c against. */
export interface LibrdkafkaBuild {
  /** 'system' or 'newest': the folder of its compiled programs under test/interop/bin. */
  readonly id: 'system' | 'newest';
  /** e.g. '2.0.2'. */
  readonly version: string;
  /** For test names: 'librdkafka 2.0.2'. */
  readonly label: string;
  /** Compiler flags before the source file (include path). */
  readonly compileFlags: readonly string[];
  /** Linker flags after the source file. */
  readonly linkFlags: readonly string[];
  /** When the library last changed: programs older than it are rebuilt. */
  readonly libraryMtimeMs: number;
}

/** A build and whether its suites run: `skip` is the reason they do not. */
export interface InteropTarget {
  readonly label: string;
  readonly build: LibrdkafkaBuild | undefined;
  readonly skip: string | false;
  /** Set when the build could not be had in CI: the suite runs and fails with it. */
  readonly failure: Error | undefined;
}

/** The repository's root, found from this module whether run from .build or not. */
function repositoryRoot(): string {
  const here = dirname(fileURLToPath(import.meta.url));
  for (const candidate of [resolve(here, '../..'), resolve(here, '../../..'), process.cwd()]) {
    if (existsSync(join(candidate, 'scripts', 'build-librdkafka.mjs'))) return candidate;
  }
  throw new Error('cannot find scripts/build-librdkafka.mjs');
}

/** The version in a librdkafka rdkafka.h (RD_KAFKA_VERSION 0xMMmmrrxx). */
function headerVersion(header: string): string | undefined {
  const hex = /#define\s+RD_KAFKA_VERSION\s+0x([0-9a-fA-F]{8})/.exec(readFileSync(header, 'utf8'))?.[1];
  return hex ? [0, 2, 4].map((at) => Number.parseInt(hex.slice(at, at + 2), 16)).join('.') : undefined;
}

/** The system's librdkafka, if its mock header is installed. */
export function systemLibrdkafka(): LibrdkafkaBuild | undefined {
  const include = SYSTEM_HEADERS.find((dir) => existsSync(join(dir, 'rdkafka_mock.h')));
  if (!include) return undefined;
  const version = headerVersion(join(include, 'rdkafka.h')) ?? 'unknown';
  // The compiler names the library it would link (or echoes the bare name when it has none).
  let library = '';
  try {
    library = execFileSync('cc', ['-print-file-name=librdkafka.so'], { encoding: 'utf8' }).trim();
  } catch {
    // no compiler: the prerequisites check reports it
  }
  return {
    id: 'system',
    version,
    label: `librdkafka ${version}`,
    compileFlags: [],
    linkFlags: ['-lrdkafka'],
    libraryMtimeMs: existsSync(library) ? statSync(library).mtimeMs : 0,
  };
}

let newest: Promise<LibrdkafkaBuild> | undefined;

/** The recent librdkafka, built into the cache on first use (about a minute on two cores). */
export function newestLibrdkafka(): Promise<LibrdkafkaBuild> {
  newest ??= new Promise<LibrdkafkaBuild>((resolveBuild, rejectBuild) => {
    const script = join(repositoryRoot(), 'scripts', 'build-librdkafka.mjs');
    const child = spawn(process.execPath, [script], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString('utf8');
    });
    child.stderr.on('data', (chunk: Buffer) => {
      err += chunk.toString('utf8');
      // Progress of a first build, so that a minute of silence has a reason.
      process.stderr.write(chunk);
    });
    // The script bounds its own steps; this bounds the whole in case it hangs.
    const timer = setTimeout(() => child.kill('SIGKILL'), 30 * 60_000);
    child.on('error', (error) => {
      clearTimeout(timer);
      rejectBuild(error);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      const folder = out.trim().split('\n').pop() ?? '';
      if (code !== 0 || !existsSync(join(folder, 'build.json'))) {
        rejectBuild(new Error(`building librdkafka failed (exit ${code ?? signal}):\n${err.slice(-4000)}`));
        return;
      }
      const info = JSON.parse(readFileSync(join(folder, 'build.json'), 'utf8')) as { librdkafka: string; libs: string[] };
      const library = join(folder, 'lib', 'librdkafka.a');
      resolveBuild({
        id: 'newest',
        version: info.librdkafka,
        label: `librdkafka ${info.librdkafka}`,
        compileFlags: [`-I${join(folder, 'include')}`],
        linkFlags: [library, ...info.libs],
        libraryMtimeMs: statSync(library).mtimeMs,
      });
    });
  });
  return newest;
}

// Off CI a build that cannot be had skips its suites; in CI they run and fail with the reason.
function unavailable(label: string, build: LibrdkafkaBuild | undefined, reason: string): InteropTarget {
  if (process.env['CI'] === 'true') return { label, build, skip: false, failure: new Error(reason) };
  return { label, build, skip: reason, failure: undefined };
}

/**
 * Both builds, the system's first. `missing` names what else the suites need (a C compiler, kcat),
 * and counts against both alike. The newest is built here when the cache has no build yet.
 */
export async function interopTargets(missing: string | undefined): Promise<InteropTarget[]> {
  const system = systemLibrdkafka();
  const systemLabel = system?.label ?? 'librdkafka (system)';
  const targets: InteropTarget[] = [];
  if (missing) targets.push(unavailable(systemLabel, system, missing));
  else if (!system) targets.push(unavailable(systemLabel, system, 'librdkafka-dev (rdkafka_mock.h) is not installed'));
  else targets.push({ label: systemLabel, build: system, skip: false, failure: undefined });
  if (missing) {
    targets.push(unavailable('librdkafka (newest)', undefined, missing));
    return targets;
  }
  try {
    const build = await newestLibrdkafka();
    targets.push({ label: build.label, build, skip: false, failure: undefined });
  } catch (error) {
    targets.push(unavailable('librdkafka (newest)', undefined, error instanceof Error ? error.message : String(error)));
  }
  return targets;
}

/** The target's build; throws why there is none (a suite's before() calls it). */
export function buildOf(target: InteropTarget): LibrdkafkaBuild {
  if (target.failure) throw target.failure;
  if (!target.build) throw new Error(`${target.label} is not available`);
  return target.build;
}
