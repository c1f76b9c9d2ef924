// Pure-JavaScript CRC-32C (Castagnoli, reflected polynomial 0x82F63B78), slicing-by-16: sixteen
// 256-entry tables let each step fold 16 input bytes. Used where the native implementation is absent.

const POLYNOMIAL = 0x82f63b78;
const SLICES = 16;

/** TABLES[k * 256 + byte]: the CRC contribution of `byte` followed by k zero bytes. */
const TABLES = buildTables();

function buildTables(): Int32Array {
  const tables = new Int32Array(256 * SLICES);
  for (let byte = 0; byte < 256; byte++) {
    let crc = byte;
    for (let bit = 0; bit < 8; bit++) crc = crc & 1 ? (crc >>> 1) ^ POLYNOMIAL : crc >>> 1;
    tables[byte] = crc;
  }
  for (let byte = 0; byte < 256; byte++) {
    for (let slice = 1; slice < SLICES; slice++) {
      const previous = tables[(slice - 1) * 256 + byte]!;
      tables[slice * 256 + byte] = (previous >>> 8) ^ tables[previous & 0xff]!;
    }
  }
  return tables;
}

/**
 * CRC-32C of `data`. `initial` continues a CRC returned by an earlier call, so
 * `crc32cSoftware(b, crc32cSoftware(a))` equals the CRC of `a` followed by `b`.
 */
export function crc32cSoftware(data: Uint8Array, initial = 0): number {
  return crc32cSoftwareRange(data, 0, data.length, initial);
}

/** CRC-32C of `data[start, end)`, without a view of it (cheaper for short ranges). */
export function crc32cSoftwareRange(data: Uint8Array, start: number, end: number, initial = 0): number {
  const table = TABLES;
  const length = end;
  const blockEnd = end - ((end - start) & 15);
  let crc = ~initial;
  let index = start;
  for (; index < blockEnd; index += 16) {
    const first = (data[index]! | (data[index + 1]! << 8) | (data[index + 2]! << 16) | (data[index + 3]! << 24)) ^ crc;
    crc =
      table[3840 + (first & 0xff)]! ^
      table[3584 + ((first >>> 8) & 0xff)]! ^
      table[3328 + ((first >>> 16) & 0xff)]! ^
      table[3072 + (first >>> 24)]! ^
      table[2816 + data[index + 4]!]! ^
      table[2560 + data[index + 5]!]! ^
      table[2304 + data[index + 6]!]! ^
      table[2048 + data[index + 7]!]! ^
      table[1792 + data[index + 8]!]! ^
      table[1536 + data[index + 9]!]! ^
      table[1280 + data[index + 10]!]! ^
      table[1024 + data[index + 11]!]! ^
      table[768 + data[index + 12]!]! ^
      table[512 + data[index + 13]!]! ^
      table[256 + data[index + 14]!]! ^
      table[data[index + 15]!]!;
  }
  for (; index < length; index++) crc = table[(crc ^ data[index]!) & 0xff]! ^ (crc >>> 8);
  return ~crc >>> 0;
}
