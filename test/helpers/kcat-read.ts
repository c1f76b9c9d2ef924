// Which librdkafka the installed kcat is built on (some of its bugs decide how a test reads back).
import { kcat } from './kcat-process.js';

/** librdkafka's version as [major, minor, patch], from `kcat -V`, or undefined without kcat. */
export async function librdkafkaVersion(): Promise<[number, number, number] | undefined> {
  const match = /librdkafka (\d+)\.(\d+)\.(\d+)/.exec((await kcat(['-V'])).out);
  return match ? [Number(match[1]), Number(match[2]), Number(match[3])] : undefined;
}
