// Reads a whole topic with kcat (librdkafka, CRC-checked) and parses each record; `security` adds
// the librdkafka settings of a TLS or SASL listener.
import * as assert from 'node:assert/strict';
import { kcat } from './kcat-process.js';

export interface KcatRecord {
  readonly partition: number;
  readonly offset: bigint;
  readonly key: string;
  readonly value: string;
}

/** librdkafka's version as [major, minor, patch], from `kcat -V`, or undefined without kcat. */
export async function librdkafkaVersion(): Promise<[number, number, number] | undefined> {
  const match = /librdkafka (\d+)\.(\d+)\.(\d+)/.exec((await kcat(['-V'])).out);
  return match ? [Number(match[1]), Number(match[2]), Number(match[3])] : undefined;
}

/** Every record of `topic` from the beginning, read_committed when `committed`. */
export async function readTopicWithKcat(bootstrapServers: string, topic: string, options: { committed?: boolean; security?: Readonly<Record<string, string>> } = {}): Promise<KcatRecord[]> {
  const args = ['-C', '-b', bootstrapServers, '-t', topic, '-o', 'beginning', '-e', '-q', '-X', 'check.crcs=true'];
  if (options.committed) args.push('-X', 'isolation.level=read_committed');
  for (const [name, value] of Object.entries(options.security ?? {})) args.push('-X', `${name}=${value}`);
  args.push('-f', '%p\t%o\t%k\t%s\n');
  const result = await kcat(args, undefined, 120_000);
  assert.equal(result.code, 0, `kcat failed: ${result.err}`);
  return result.out
    .split('\n')
    .filter((line) => line.length > 0)
    .map((line) => {
      const [partition, offset, key, ...value] = line.split('\t');
      return { partition: Number(partition), offset: BigInt(offset!), key: key!, value: value.join('\t') };
    });
}
