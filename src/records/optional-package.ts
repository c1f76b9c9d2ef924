// Loads optional packages (native CRC-32C, compression codecs) on first use: with require() from
// this package's directory, which both builds have, and with a dynamic import for a package that
// is ESM only. The specifier is a variable so that neither the compiler nor a bundler requires the
// package to be installed.
import { packageRequire } from './package-require.cjs';

/** The exports of a loaded package, whether it is CommonJS (seen through `default`) or ESM. */
export interface PackageExports {
  /** The export called `name`, or undefined. */
  member(name: string): unknown;
}

/** Why an optional package is not usable. */
export interface MissingPackage {
  /** True when the package is not installed; false when it is installed but failed to load. */
  notInstalled: boolean;
  error: unknown;
}

const loading = new Map<string, Promise<PackageExports | MissingPackage>>();

/** Imports `name` once per process; resolves with its exports or with why it is not usable. */
export function importOptionalPackage(name: string): Promise<PackageExports | MissingPackage> {
  let pending = loading.get(name);
  if (!pending) {
    pending = load(name);
    loading.set(name, pending);
  }
  return pending;
}

/** Narrows a result of {@link importOptionalPackage}. */
export function isMissing(result: PackageExports | MissingPackage): result is MissingPackage {
  return (result as MissingPackage).error !== undefined;
}

async function load(name: string): Promise<PackageExports | MissingPackage> {
  const specifier = name;
  try {
    return exportsOf(packageRequire(specifier));
  } catch (error) {
    // An ESM-only package: require() refuses its code, or finds no "require" condition in its exports.
    const code = codeOf(error);
    if (code !== 'ERR_REQUIRE_ESM' && code !== 'ERR_PACKAGE_PATH_NOT_EXPORTED') return { notInstalled: isModuleNotFound(error, name), error };
  }
  try {
    const namespace: unknown = await import(specifier);
    return exportsOf(namespace);
  } catch (error) {
    return { notInstalled: isModuleNotFound(error, name), error };
  }
}

function exportsOf(namespace: unknown): PackageExports {
  const direct = (namespace ?? {}) as Record<string, unknown>;
  const fallback = (typeof direct['default'] === 'object' && direct['default'] !== null ? direct['default'] : {}) as Record<
    string,
    unknown
  >;
  return { member: (member) => direct[member] ?? fallback[member] };
}

function codeOf(error: unknown): unknown {
  return (error as { code?: unknown } | null)?.code;
}

function isModuleNotFound(error: unknown, name: string): boolean {
  const code = codeOf(error);
  const message = error instanceof Error ? error.message : '';
  // A native package that is installed but lacks its platform binary also reports a missing module,
  // for the binary's package: only a miss of the package itself means "not installed".
  return (code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND') && message.includes(`'${name}'`);
}
