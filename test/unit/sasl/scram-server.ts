// A SCRAM server for tests, written from RFC 5802 sections 3 and 5: it keeps only the stored
// credential (salt, iterations, StoredKey, ServerKey), checks the client's proof against StoredKey
// and answers with its ServerSignature, so both sides' proofs are exercised.
import { createHash, createHmac, pbkdf2Sync, randomBytes, timingSafeEqual } from 'node:crypto';

export type TestScramHash = 'sha1' | 'sha256' | 'sha512';

/** What a SCRAM server stores per user (RFC 5802 section 3). */
export interface StoredScramCredential {
  readonly salt: Buffer;
  readonly iterations: number;
  readonly storedKey: Buffer;
  readonly serverKey: Buffer;
}

const DIGEST_LENGTHS: Readonly<Record<TestScramHash, number>> = { sha1: 20, sha256: 32, sha512: 64 };

function hmac(hash: TestScramHash, key: Buffer, data: string | Buffer): Buffer {
  return createHmac(hash, key).update(data).digest();
}

/** Derives the stored credential for `password`, as a broker does when a user is created. */
export function storedScramCredential(
  hash: TestScramHash,
  password: string,
  salt: Buffer = randomBytes(16),
  iterations = 4096,
): StoredScramCredential {
  const saltedPassword = pbkdf2Sync(Buffer.from(password, 'utf8'), salt, iterations, DIGEST_LENGTHS[hash], hash);
  const clientKey = hmac(hash, saltedPassword, 'Client Key');
  return {
    salt,
    iterations,
    storedKey: createHash(hash).update(clientKey).digest(),
    serverKey: hmac(hash, saltedPassword, 'Server Key'),
  };
}

/** The outcome of the client-final message: the server-final message and whether the proof held. */
export interface ScramServerVerdict {
  readonly accepted: boolean;
  readonly serverFinalMessage: Buffer;
}

/** One server-side SCRAM exchange. */
export class TestScramServer {
  /** The username the client asked for, after saslname unescaping. */
  username: string | undefined;
  /** Extensions the client sent after its nonce (e.g. tokenauth). */
  extensions: Record<string, string> = {};
  private readonly hash: TestScramHash;
  private readonly users: ReadonlyMap<string, StoredScramCredential>;
  private readonly serverNonce: string;
  private clientFirstMessageBare = '';
  private serverFirstMessage = '';
  private combinedNonce = '';
  private credential: StoredScramCredential | undefined;

  constructor(hash: TestScramHash, users: ReadonlyMap<string, StoredScramCredential>, serverNonce = randomBytes(18).toString('base64')) {
    this.hash = hash;
    this.users = users;
    this.serverNonce = serverNonce;
  }

  /** Answers the client-first message with the server-first message; throws for unknown users. */
  handleClientFirst(message: Buffer): Buffer {
    const text = message.toString('utf8');
    const match = /^n,,(n=([^,]*),r=([^,]+)((?:,[A-Za-z]+=[^,]*)*))$/.exec(text);
    if (!match) throw new Error(`malformed client-first message: ${text}`);
    const [, bare, saslName, clientNonce, extensionText] = match as unknown as [string, string, string, string, string];
    this.clientFirstMessageBare = bare;
    this.username = unescapeSaslName(saslName);
    for (const pair of extensionText.split(',').slice(1)) {
      const separator = pair.indexOf('=');
      this.extensions[pair.slice(0, separator)] = pair.slice(separator + 1);
    }
    this.credential = this.users.get(this.username);
    if (!this.credential) throw new Error(`unknown user ${this.username}`);
    this.combinedNonce = clientNonce + this.serverNonce;
    this.serverFirstMessage = `r=${this.combinedNonce},s=${this.credential.salt.toString('base64')},i=${this.credential.iterations}`;
    return Buffer.from(this.serverFirstMessage, 'utf8');
  }

  /** Verifies the client proof (RFC 5802 section 3) and builds the server-final message. */
  handleClientFinal(message: Buffer): ScramServerVerdict {
    const text = message.toString('utf8');
    const match = /^(c=([^,]+),r=([^,]+)),p=([^,]+)$/.exec(text);
    const credential = this.credential;
    if (!match || !credential) throw new Error(`unexpected client-final message: ${text}`);
    const [, withoutProof, channelBinding, nonce, proofText] = match as unknown as [string, string, string, string, string];
    if (Buffer.from(channelBinding, 'base64').toString('utf8') !== 'n,,' || nonce !== this.combinedNonce) {
      return { accepted: false, serverFinalMessage: Buffer.from('e=channel-bindings-dont-match', 'utf8') };
    }
    const authMessage = `${this.clientFirstMessageBare},${this.serverFirstMessage},${withoutProof}`;
    const clientSignature = hmac(this.hash, credential.storedKey, authMessage);
    const proof = Buffer.from(proofText, 'base64');
    if (proof.length !== clientSignature.length) {
      return { accepted: false, serverFinalMessage: Buffer.from('e=invalid-proof', 'utf8') };
    }
    const clientKey = Buffer.alloc(proof.length);
    for (let index = 0; index < proof.length; index++) clientKey[index] = proof[index]! ^ clientSignature[index]!;
    const storedKey = createHash(this.hash).update(clientKey).digest();
    if (!timingSafeEqual(storedKey, credential.storedKey)) {
      return { accepted: false, serverFinalMessage: Buffer.from('e=invalid-proof', 'utf8') };
    }
    const serverSignature = hmac(this.hash, credential.serverKey, authMessage);
    return { accepted: true, serverFinalMessage: Buffer.from(`v=${serverSignature.toString('base64')}`, 'utf8') };
  }
}

// RFC 5802 section 5.1: "=2C" and "=3D" are the only escapes; any other "=" is invalid.
function unescapeSaslName(saslName: string): string {
  if (/=(?!2C|3D)/.test(saslName)) throw new Error(`invalid saslname ${saslName}`);
  return saslName.replace(/=2C/g, ',').replace(/=3D/g, '=');
}
