// Updates a CRC-32C after some bytes of the data changed, in time independent of the data's length.
// A CRC is affine over GF(2): the CRC changes by the raw CRC of the XOR difference, carried through
// the bytes after it, which is a multiplication by x^(8n) modulo the polynomial (as zlib's crc32_combine).
import { crc32cSoftware } from './crc32c-software.js';

const POLYNOMIAL = 0x82f63b78;
/** x^0 in the reflected bit order the CRC uses. */
const ONE = 0x80000000;

/** Product of two polynomials modulo the CRC polynomial, in reflected bit order. `a` must not be 0. */
function multiplyModulo(a: number, b: number): number {
  let product = 0;
  for (let mask = ONE; ; mask >>>= 1) {
    if (a & mask) {
      product ^= b;
      if ((a & (mask - 1)) === 0) break;
    }
    b = b & 1 ? (b >>> 1) ^ POLYNOMIAL : b >>> 1;
  }
  return product >>> 0;
}

/** X_POWERS[k] = x^(2^k) modulo the polynomial. */
const X_POWERS = new Uint32Array(32);
X_POWERS[0] = ONE >>> 1;
for (let power = 1; power < 32; power++) X_POWERS[power] = multiplyModulo(X_POWERS[power - 1]!, X_POWERS[power - 1]!);

/** x^(8 * byteCount) modulo the polynomial: the effect of `byteCount` zero bytes on a raw CRC. */
function zeroBytesOperator(byteCount: number): number {
  let operator = ONE;
  for (let power = 3; byteCount > 0; byteCount = Math.floor(byteCount / 2), power++) {
    if (byteCount % 2 === 1) operator = multiplyModulo(X_POWERS[power & 31]!, operator);
  }
  return operator;
}

/**
 * The CRC-32C of data whose CRC was `crc`, after XOR-ing `difference` into it, where `difference`
 * ends `bytesAfter` bytes before the end of the data (bytes before it are unchanged).
 */
export function crc32cAfterChange(crc: number, difference: Uint8Array, bytesAfter: number): number {
  // The raw CRC (register starting at zero, no final inversion) is linear in the data.
  const raw = ~crc32cSoftware(difference, 0xffffffff) >>> 0;
  if (raw === 0) return crc >>> 0;
  return (crc ^ multiplyModulo(zeroBytesOperator(bytesAfter), raw)) >>> 0;
}
