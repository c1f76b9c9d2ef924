// Builds a recent librdkafka as a static library for the interop tests, which run against its mock
// cluster as well as against the system's (older) librdkafka. The source is the copy that the npm
// package @confluentinc/kafka-javascript ships in deps/librdkafka; `npm pack` fetches the package.
// The result goes to a cache outside the repository (LIBRDKAFKA_BUILD_CACHE, else
// ~/.cache/kafka-producer), in librdkafka-<version>/: include/librdkafka/*.h, lib/librdkafka.a and
// build.json (versions, link flags, build time). A finished build is reused. Concurrent callers (test
// files started side by side) share one build through a lock folder.
//
// Usage: node scripts/build-librdkafka.mjs   prints the build's folder as its last line.
//
// The version is pinned, so that a new release cannot change what CI tests without a commit; to move
// on, set both constants below (the package's deps/librdkafka/src/rdkafka.h names the librdkafka
// version, and the build refuses a mismatch).
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

const SOURCE_PACKAGE = '@confluentinc/kafka-javascript';
const SOURCE_PACKAGE_VERSION = '1.10.1';
const LIBRDKAFKA_VERSION = '2.15.1';

// Only what the tests use: the mock cluster, and a consumer that reads every codec (snappy and lz4
// are built in). TLS, SASL/GSSAPI, OAUTH over HTTP and syslog are left out, which also keeps the
// build free of their development packages. Without optimisation and debug symbols the compiler
// needs half the CPU time (make takes about 30 s of it); the tests carry too little traffic to notice.
const CONFIGURE_FLAGS = [
  '--no-download',
  '--enable-zlib',
  '--enable-zstd',
  '--disable-lz4-ext',
  '--disable-ssl',
  '--disable-gssapi',
  '--disable-curl',
  '--disable-syslog',
  '--disable-debug-symbols',
  '--disable-optimization',
];

const LOCK_WAIT_MS = 20 * 60_000;
const STALE_LOCK_MS = 30 * 60_000;

function cacheRoot() {
  return process.env.LIBRDKAFKA_BUILD_CACHE ?? join(homedir(), '.cache', 'kafka-producer');
}

function log(message) {
  process.stderr.write(`build-librdkafka: ${message}\n`);
}

/** Runs a command, its output to a log file; throws with the log's tail on failure. */
function step(what, command, args, options) {
  const started = Date.now();
  const result = spawnSync(command, args, { cwd: options.cwd, encoding: 'utf8', maxBuffer: 64 << 20, timeout: options.timeoutMs });
  writeFileSync(options.log, `$ ${command} ${args.join(' ')}\n${result.stdout ?? ''}${result.stderr ?? ''}`, { flag: 'a' });
  if (result.error || result.status !== 0) {
    const tail = `${result.stdout ?? ''}${result.stderr ?? ''}`.split('\n').slice(-40).join('\n');
    throw new Error(`${what} failed (${result.error?.message ?? `exit ${result.status}`}):\n${tail}`);
  }
  log(`${what}: ${((Date.now() - started) / 1000).toFixed(1)} s`);
  return result.stdout;
}

function commandExists(command) {
  return spawnSync('sh', ['-c', `command -v ${command}`], { stdio: 'ignore' }).status === 0;
}

function missingTools() {
  const missing = ['cc', 'make', 'tar', 'npm', 'pkg-config'].filter((command) => !commandExists(command));
  // The library links zlib and zstd for gzip and zstd batches.
  for (const header of ['zlib.h', 'zstd.h']) {
    if (!['/usr/include', '/usr/local/include'].some((dir) => existsSync(join(dir, header)))) missing.push(header);
  }
  return missing;
}

function isAlive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return error.code === 'EPERM';
  }
}

/** Takes the lock folder, waiting for another builder; returns false if the build appeared meanwhile. */
function lock(lockDir, done) {
  const deadline = Date.now() + LOCK_WAIT_MS;
  // Each turn tries once, then sleeps a second; bounded by the deadline.
  for (;;) {
    if (existsSync(done)) return false;
    try {
      mkdirSync(lockDir);
      writeFileSync(join(lockDir, 'pid'), String(process.pid));
      return true;
    } catch (error) {
      if (error.code !== 'EEXIST') throw error;
    }
    let owner = Number.NaN;
    try {
      owner = Number(readFileSync(join(lockDir, 'pid'), 'utf8'));
    } catch {
      // the owner has not written its pid yet, or just left
    }
    const age = Date.now() - (existsSync(lockDir) ? statSync(lockDir).mtimeMs : Date.now());
    if ((Number.isInteger(owner) && owner > 0 && !isAlive(owner)) || age > STALE_LOCK_MS) {
      log(`removing the lock of a builder that is gone (pid ${owner})`);
      rmSync(lockDir, { recursive: true, force: true });
      continue;
    }
    if (Date.now() > deadline) throw new Error(`waited ${LOCK_WAIT_MS / 1000} s for another build (lock ${lockDir}, pid ${owner})`);
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 1000);
  }
}

function build(target) {
  const started = Date.now();
  const work = `${target}.partial-${process.pid}`;
  rmSync(work, { recursive: true, force: true });
  mkdirSync(work, { recursive: true });
  const buildLog = join(work, 'build.log');
  const tarball = step('npm pack', 'npm', ['pack', `${SOURCE_PACKAGE}@${SOURCE_PACKAGE_VERSION}`, '--pack-destination', work, '--silent'], {
    cwd: work,
    log: buildLog,
    timeoutMs: 300_000,
  })
    .trim()
    .split('\n')
    .pop();
  const source = join(work, 'src');
  mkdirSync(source);
  step('unpack deps/librdkafka', 'tar', ['-xzf', join(work, tarball), '-C', source, '--strip-components=3', 'package/deps/librdkafka'], {
    cwd: work,
    log: buildLog,
    timeoutMs: 120_000,
  });
  rmSync(join(work, tarball));
  const header = readFileSync(join(source, 'src', 'rdkafka.h'), 'utf8');
  const hex = /#define RD_KAFKA_VERSION\s+0x([0-9a-fA-F]{8})/.exec(header)?.[1];
  const found = hex ? [0, 2, 4].map((at) => Number.parseInt(hex.slice(at, at + 2), 16)).join('.') : 'unknown';
  if (found !== LIBRDKAFKA_VERSION) {
    throw new Error(`${SOURCE_PACKAGE}@${SOURCE_PACKAGE_VERSION} ships librdkafka ${found}, not ${LIBRDKAFKA_VERSION}`);
  }
  // mklove's configure is a bash script; it writes Makefile.config and config.h.
  step('configure', 'bash', ['./configure', ...CONFIGURE_FLAGS], { cwd: source, log: buildLog, timeoutMs: 300_000 });
  const config = readFileSync(join(source, 'config.h'), 'utf8');
  for (const feature of ['WITH_ZLIB', 'WITH_ZSTD', 'WITH_SNAPPY']) {
    if (!new RegExp(`#define ${feature} 1`).test(config)) throw new Error(`configure left out ${feature}: see ${buildLog}`);
  }
  step('make librdkafka.a', 'make', ['-j2', '-C', 'src', 'librdkafka.a'], { cwd: source, log: buildLog, timeoutMs: 1_200_000 });
  const makeConfig = readFileSync(join(source, 'Makefile.config'), 'utf8');
  const libs = [...makeConfig.matchAll(/^LIBS\+=\s*(.*)$/gm)].flatMap((match) => match[1].trim().split(/\s+/)).filter(Boolean);

  const output = join(work, 'out');
  mkdirSync(join(output, 'include', 'librdkafka'), { recursive: true });
  mkdirSync(join(output, 'lib'), { recursive: true });
  for (const name of ['rdkafka.h', 'rdkafka_mock.h']) cpSync(join(source, 'src', name), join(output, 'include', 'librdkafka', name));
  cpSync(join(source, 'src', 'librdkafka.a'), join(output, 'lib', 'librdkafka.a'));
  cpSync(buildLog, join(output, 'build.log'));
  const seconds = Math.round((Date.now() - started) / 100) / 10;
  const info = {
    librdkafka: LIBRDKAFKA_VERSION,
    sourcePackage: `${SOURCE_PACKAGE}@${SOURCE_PACKAGE_VERSION}`,
    configure: CONFIGURE_FLAGS,
    libs: [...new Set(libs)],
    buildSeconds: seconds,
    builtAt: new Date().toISOString(),
  };
  // build.json last: its presence marks a finished build.
  writeFileSync(join(output, 'build.json.tmp'), `${JSON.stringify(info, null, 2)}\n`);
  rmSync(target, { recursive: true, force: true });
  renameSync(output, target);
  renameSync(join(target, 'build.json.tmp'), join(target, 'build.json'));
  rmSync(work, { recursive: true, force: true });
  log(`librdkafka ${LIBRDKAFKA_VERSION} built in ${seconds} s into ${target}`);
}

/** Whether the build at `done` was made from this source with these flags. */
function isCurrent(done) {
  try {
    const info = JSON.parse(readFileSync(done, 'utf8'));
    return info.sourcePackage === `${SOURCE_PACKAGE}@${SOURCE_PACKAGE_VERSION}` && JSON.stringify(info.configure) === JSON.stringify(CONFIGURE_FLAGS);
  } catch {
    return false;
  }
}

function main() {
  const root = cacheRoot();
  const target = join(root, `librdkafka-${LIBRDKAFKA_VERSION}`);
  const done = join(target, 'build.json');
  if (existsSync(done) && !isCurrent(done)) {
    log(`${target} was built otherwise; building it again`);
    rmSync(done);
  }
  if (!existsSync(done)) {
    const missing = missingTools();
    if (missing.length > 0) throw new Error(`cannot build librdkafka ${LIBRDKAFKA_VERSION}: missing ${missing.join(', ')}`);
    mkdirSync(root, { recursive: true });
    const lockDir = `${target}.lock`;
    if (lock(lockDir, done)) {
      try {
        if (!existsSync(done)) build(target);
      } finally {
        rmSync(lockDir, { recursive: true, force: true });
      }
    }
    // Leftovers of builders that died mid-way.
    for (const name of readdirSync(root)) {
      const pid = Number(/\.partial-(\d+)$/.exec(name)?.[1]);
      if (name.startsWith(`librdkafka-${LIBRDKAFKA_VERSION}.partial-`) && !isAlive(pid)) rmSync(join(root, name), { recursive: true, force: true });
    }
  }
  if (!existsSync(done)) throw new Error(`no finished build at ${target}`);
  process.stdout.write(`${target}\n`);
}

try {
  main();
} catch (error) {
  log(error instanceof Error ? error.message : String(error));
  process.exitCode = 1;
}
