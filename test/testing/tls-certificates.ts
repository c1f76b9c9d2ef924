// Self-signed certificates made at test time with the openssl command line (Node cannot create
// X.509 certificates by itself), for 127.0.0.1 and localhost; tests skip when openssl is missing.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A private key and its self-signed certificate, PEM. */
export interface TestCertificate {
  readonly key: string;
  readonly cert: string;
}

/** Why TLS tests are skipped, or undefined when openssl is available. */
export const opensslMissing: string | undefined =
  spawnSync('openssl', ['version'], { stdio: 'ignore' }).status === 0
    ? undefined
    : 'openssl is not installed, so no certificate can be made for the TLS tests (install it, e.g. apt-get install openssl)';

/** Makes a key and a self-signed certificate valid for one day, with subject `commonName` and SANs 127.0.0.1 and localhost. */
export function selfSignedCertificate(commonName = 'localhost'): TestCertificate {
  const directory = mkdtempSync(join(tmpdir(), 'fake-cluster-tls-'));
  try {
    const keyPath = join(directory, 'key.pem');
    const certPath = join(directory, 'cert.pem');
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'rsa:2048',
        '-nodes',
        '-subj',
        `/CN=${commonName}`,
        '-addext',
        'subjectAltName=IP:127.0.0.1,DNS:localhost',
        '-days',
        '1',
        '-keyout',
        keyPath,
        '-out',
        certPath,
      ],
      { stdio: 'ignore', timeout: 30_000 },
    );
    return { key: readFileSync(keyPath, 'utf8'), cert: readFileSync(certPath, 'utf8') };
  } finally {
    rmSync(directory, { recursive: true, force: true });
  }
}
