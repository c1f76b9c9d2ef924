// Murmur2 exactly as the Java client computes it (signed 32-bit arithmetic, seed 0x9747b28c), so
// that a keyed record lands on the same partition whichever client wrote it.

/** Java's `Utils.murmur2` of the first `length` bytes of `data` (default: all), as a signed 32-bit integer. */
export function murmur2(data: Uint8Array, length = data.length): number {
  const m = 0x5bd1e995;
  let h = 0x9747b28c ^ length;
  const length4 = length >>> 2;
  for (let index = 0; index < length4; index++) {
    const offset = index << 2;
    let k = data[offset]! | (data[offset + 1]! << 8) | (data[offset + 2]! << 16) | (data[offset + 3]! << 24);
    k = Math.imul(k, m);
    k ^= k >>> 24;
    k = Math.imul(k, m);
    h = Math.imul(h, m) ^ k;
  }
  // The last one to three bytes, highest first, as Java's switch with fall-through does.
  const tail = length & ~3;
  const remaining = length & 3;
  if (remaining > 0) {
    if (remaining === 3) h ^= data[tail + 2]! << 16;
    if (remaining >= 2) h ^= data[tail + 1]! << 8;
    h ^= data[tail]!;
    h = Math.imul(h, m);
  }
  h ^= h >>> 13;
  h = Math.imul(h, m);
  h ^= h >>> 15;
  return h | 0;
}

/**
 * The partition Java's default partitioner picks for a key: `toPositive(murmur2(key)) % partitions`.
 * The key is the first `keyLength` bytes of `key` (default: all).
 */
export function partitionForKey(key: Uint8Array, partitionCount: number, keyLength = key.length): number {
  return (murmur2(key, keyLength) & 0x7fffffff) % partitionCount;
}
