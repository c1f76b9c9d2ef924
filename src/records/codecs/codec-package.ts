// Loads the optional npm package behind a codec and checks the functions the codec calls, so a
// missing or incompatible package fails once, early, with the command that fixes it.
import { UnsupportedCompressionError } from '../errors.js';
import { importOptionalPackage, isMissing, type PackageExports } from '../optional-package.js';

/** A function exported by a codec package, called with its own arguments. */
export type PackageFunction = (...parameters: never[]) => unknown;

/**
 * The named functions of `packageName`, which `compression` needs. Throws UnsupportedCompressionError
 * naming the package to install when it is missing, fails to load, or lacks one of the functions.
 */
export async function loadCodecPackage<Name extends string>(
  compression: string,
  packageName: string,
  functionNames: readonly Name[],
): Promise<Record<Name, PackageFunction>> {
  const loaded = await importOptionalPackage(packageName);
  if (isMissing(loaded)) {
    const reason = loaded.notInstalled
      ? `${compression} compression needs the optional package '${packageName}': npm install ${packageName}`
      : `${compression} compression needs the optional package '${packageName}', which is installed but failed to load on this platform (${describe(loaded.error)}); reinstall it: npm install ${packageName}`;
    throw new UnsupportedCompressionError(reason, { cause: loaded.error });
  }
  return pickFunctions(loaded, compression, packageName, functionNames);
}

function pickFunctions<Name extends string>(
  loaded: PackageExports,
  compression: string,
  packageName: string,
  functionNames: readonly Name[],
): Record<Name, PackageFunction> {
  const picked = {} as Record<Name, PackageFunction>;
  for (const name of functionNames) {
    const member = loaded.member(name);
    if (typeof member !== 'function') {
      throw new UnsupportedCompressionError(
        `${compression} compression: the installed '${packageName}' has no ${name}() function; install a supported version: npm install ${packageName}@latest`,
      );
    }
    picked[name] = member as PackageFunction;
  }
  return picked;
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message.split('\n')[0]! : String(error);
}
