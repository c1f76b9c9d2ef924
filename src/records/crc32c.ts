// CRC-32C (Castagnoli) as record batches use it. Uses the optional native package @node-rs/crc32
// (SSE4.2/ARMv8 instructions, about 4x the JavaScript speed on 16 KiB, see bench/records/RESULTS.md)
// once it has loaded, and the slicing-by-16 JavaScript version before that or where it cannot load.
import { crc32cSoftware, crc32cSoftwareRange } from './crc32c-software.js';
import { importOptionalPackage, isMissing } from './optional-package.js';

type Crc32cFunction = (data: Uint8Array, initial: number) => number;

const NATIVE_PACKAGE = '@node-rs/crc32';
/** CRC-32C of "123456789": a loaded implementation must give it before it is trusted. */
const CHECK_INPUT = Buffer.from('123456789');
const CHECK_VALUE = 0xe3069283;

let implementation: Crc32cFunction = crc32cSoftware;
let implementationName: 'native' | 'javascript' = 'javascript';

/**
 * CRC-32C of `data`. `initial` continues a CRC returned by an earlier call, so
 * `crc32c(b, crc32c(a))` equals the CRC of `a` followed by `b`.
 */
export function crc32c(data: Uint8Array, initial = 0): number {
  return implementation(data, initial);
}

/**
 * Below this many bytes the JavaScript version is faster than a call into the native one (about
 * 0.3 µs of call overhead); measured with 64 to 16,384-byte inputs.
 */
const NATIVE_FROM_BYTES = 192;

/**
 * CRC-32C of `data[start, end)`: for many short inputs (journal frames), computed in place in
 * JavaScript below NATIVE_FROM_BYTES, natively above.
 */
export function crc32cRange(data: Uint8Array, start: number, end: number): number {
  if (end - start < NATIVE_FROM_BYTES) return crc32cSoftwareRange(data, start, end);
  return implementation(data.subarray(start, end), 0);
}

/** Which implementation {@link crc32c} uses now. */
export function crc32cImplementation(): 'native' | 'javascript' {
  return implementationName;
}

/**
 * Settles once the native implementation has loaded or proved unavailable, with the name of the
 * implementation in use. Results never depend on it: both give the same CRC, only the speed differs.
 */
export const crc32cReady: Promise<'native' | 'javascript'> = loadNative();

async function loadNative(): Promise<'native' | 'javascript'> {
  const loaded = await importOptionalPackage(NATIVE_PACKAGE);
  if (isMissing(loaded)) return implementationName;
  const candidate = loaded.member('crc32c');
  if (typeof candidate !== 'function') return implementationName;
  const native = candidate as (data: Uint8Array, initial?: number) => number;
  try {
    if (native(CHECK_INPUT, 0) !== CHECK_VALUE || native(CHECK_INPUT.subarray(4), native(CHECK_INPUT.subarray(0, 4), 0)) !== CHECK_VALUE) {
      return implementationName;
    }
  } catch {
    return implementationName;
  }
  implementation = native as Crc32cFunction;
  implementationName = 'native';
  return implementationName;
}
