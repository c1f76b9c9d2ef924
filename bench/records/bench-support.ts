// Shared helpers of the records micro-benchmarks: a timing loop reporting MB/s, deterministic
// record-like sample data, and loading of optional comparison packages when they are installed.

/**
 * Runs `work` repeatedly for about `targetMs` after a warm-up; returns the mean time per call in ns.
 * Synchronous work is timed in a plain loop, so no promise overhead distorts small inputs.
 */
export async function timePerCall(work: () => unknown, targetMs = 300): Promise<number> {
  const isAsync = work() instanceof Promise;
  const run = isAsync
    ? async (iterations: number) => {
        for (let index = 0; index < iterations; index++) await work();
      }
    : async (iterations: number) => {
        for (let index = 0; index < iterations; index++) work();
      };
  let iterations = 1;
  let elapsed = 0;
  // Grow the batch of calls until it takes a tenth of the target: that is also the warm-up.
  while (elapsed < targetMs * 1e5) {
    const start = process.hrtime.bigint();
    await run(iterations);
    elapsed = Number(process.hrtime.bigint() - start);
    if (elapsed < targetMs * 1e5) iterations *= 2;
  }
  iterations = Math.max(3, Math.round((iterations * targetMs * 1e6) / elapsed));
  const start = process.hrtime.bigint();
  await run(iterations);
  return Number(process.hrtime.bigint() - start) / iterations;
}

/** Megabytes per second for `bytes` processed in `nanoseconds`. */
export function megabytesPerSecond(bytes: number, nanoseconds: number): number {
  return (bytes / nanoseconds) * 1e3;
}

/** Deterministic, compressible bytes resembling JSON record values. */
export function sampleRecordData(size: number): Buffer {
  const parts: string[] = [];
  let length = 0;
  for (let index = 0; length < size; index++) {
    const part = `{"orderId":${100_000 + index},"customer":"c-${(index * 7919) % 5000}","total":${(index * 37) % 1000}.${index % 100},"items":[${index % 7},${index % 13}],"status":"${['new', 'paid', 'shipped'][index % 3]}"}`;
    parts.push(part);
    length += part.length;
  }
  return Buffer.from(parts.join('')).subarray(0, size);
}

/** Incompressible bytes from a fixed-seed generator. */
export function randomData(size: number): Buffer {
  const data = Buffer.allocUnsafe(size);
  let state = 0x9e3779b9;
  for (let index = 0; index < size; index++) {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    data[index] = state & 0xff;
  }
  return data;
}

/** The exports of an installed package, or undefined when it is absent (comparisons are optional). */
export async function optionalPackage(name: string): Promise<Record<string, unknown> | undefined> {
  try {
    const specifier = name;
    const namespace = (await import(specifier)) as Record<string, unknown>;
    const fallback = (namespace['default'] ?? {}) as Record<string, unknown>;
    return new Proxy(namespace, { get: (target, key: string) => target[key] ?? fallback[key] });
  } catch {
    return undefined;
  }
}

/** Prints rows as an aligned markdown table. */
export function printTable(header: string[], rows: string[][]): void {
  const widths = header.map((cell, column) => Math.max(cell.length, ...rows.map((row) => row[column]!.length)));
  const line = (cells: string[]) => `| ${cells.map((cell, column) => cell.padEnd(widths[column]!)).join(' | ')} |`;
  console.log(line(header));
  console.log(`|${widths.map((width) => '-'.repeat(width + 2)).join('|')}|`);
  for (const row of rows) console.log(line(row));
}
