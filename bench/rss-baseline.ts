// The process's RSS just before a benchmark driver constructs its client, so that what the client
// itself adds can be told from the runtime and the modules loaded before it (about 40 MB for a bare
// Node process, more with the client's modules imported): peak RSS minus this is the client's own.
// Taken once per process, at the first construction (a warm-up pass constructs the first client).

let before: number | undefined;

/** Called by a driver right before it constructs its client; only the first call counts. */
export function markBeforeClient(): void {
  before ??= process.memoryUsage.rss() / 1048576;
}

/** RSS in MB at the first markBeforeClient() call, or undefined when no driver made one. */
export function rssBeforeClientMb(): number | undefined {
  return before;
}
