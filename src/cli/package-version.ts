// The package's version, read at run time from its package.json: the nearest one above the compiled
// CLI named 'kafka-producer' (dist/esm/cli, dist/cjs/cli and .build/src/cli all sit three levels
// below it; dist/cjs has a package.json of its own, without a name, which is passed over).
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { cliDirectory } from './cli-directory.cjs';

const PACKAGE_NAME = 'kafka-producer';

/** The version field of this package's package.json. */
export function packageVersion(): string {
  let directory = cliDirectory;
  for (let depth = 0; depth < 8; depth++) {
    const file = join(directory, 'package.json');
    if (existsSync(file)) {
      const manifest = JSON.parse(readFileSync(file, 'utf8')) as { name?: unknown; version?: unknown };
      if (manifest.name === PACKAGE_NAME && typeof manifest.version === 'string') return manifest.version;
    }
    const parent = dirname(directory);
    if (parent === directory) break;
    directory = parent;
  }
  throw new Error(`Cannot find the package.json of ${PACKAGE_NAME} above ${cliDirectory}`);
}
