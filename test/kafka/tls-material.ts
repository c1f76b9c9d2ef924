// Certificates for a real Kafka cluster's TLS listener, made with the openssl command line at start
// (the JVM reads a PKCS12 keystore; Node cannot create X.509 certificates): a self-signed
// certificate authority, and a broker certificate for 127.0.0.1 and localhost signed by it, packed
// with its key and the CA into a keystore. Clients verify the brokers with the CA's PEM.
import { execFile } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** A certificate authority: its certificate (PEM) and where its key and certificate are. */
export interface CertificateAuthority {
  readonly certPem: string;
  readonly certPath: string;
  readonly keyPath: string;
}

/** A broker's keystore (PKCS12: key, certificate, CA chain). */
export interface BrokerKeystore {
  readonly path: string;
  readonly password: string;
}

/** Why openssl cannot be used, or undefined when it can. */
export async function opensslUnavailable(): Promise<string | undefined> {
  try {
    await openssl(['version']);
    return undefined;
  } catch {
    return 'openssl is not installed';
  }
}

/** Makes a CA valid for one day in `directory`, its subject naming `name`. */
export async function createCertificateAuthority(directory: string, name: string): Promise<CertificateAuthority> {
  mkdirSync(directory, { recursive: true });
  const keyPath = join(directory, 'ca.key');
  const certPath = join(directory, 'ca.pem');
  // basicConstraints CA:TRUE and keyCertSign: without them verifiers refuse to chain to it.
  await openssl([
    'req',
    '-x509',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-days',
    '1',
    '-subj',
    `/CN=${name}`,
    '-addext',
    'basicConstraints=critical,CA:TRUE',
    '-addext',
    'keyUsage=critical,keyCertSign,cRLSign',
    '-keyout',
    keyPath,
    '-out',
    certPath,
  ]);
  return { certPem: readFileSync(certPath, 'utf8'), certPath, keyPath };
}

/**
 * Makes a broker key and certificate for 127.0.0.1 and localhost (subject alternative names, which
 * clients check against the address they dial), signed by `ca`, and packs them into a PKCS12 keystore.
 */
export async function createBrokerKeystore(directory: string, ca: CertificateAuthority, password: string): Promise<BrokerKeystore> {
  mkdirSync(directory, { recursive: true });
  const key = join(directory, 'broker.key');
  const request = join(directory, 'broker.csr');
  const cert = join(directory, 'broker.pem');
  const extensions = join(directory, 'broker.ext');
  const path = join(directory, 'broker.p12');
  await openssl(['req', '-new', '-newkey', 'rsa:2048', '-nodes', '-subj', '/CN=localhost', '-keyout', key, '-out', request]);
  writeFileSync(extensions, 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\nkeyUsage=critical,digitalSignature,keyEncipherment\n');
  await openssl(['x509', '-req', '-in', request, '-CA', ca.certPath, '-CAkey', ca.keyPath, '-CAcreateserial', '-days', '1', '-extfile', extensions, '-out', cert]);
  await openssl(['pkcs12', '-export', '-in', cert, '-inkey', key, '-certfile', ca.certPath, '-name', 'broker', '-passout', `pass:${password}`, '-out', path]);
  return { path, password };
}

async function openssl(args: readonly string[]): Promise<void> {
  try {
    await run('openssl', args, { timeout: 60_000 });
  } catch (error) {
    throw new Error(`openssl ${args[0]} failed: ${(error as { stderr?: string }).stderr ?? String(error)}`);
  }
}
