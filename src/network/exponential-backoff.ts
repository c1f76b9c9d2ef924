// Exponential backoff with jitter, as the Java client computes it (KIP-580): base * 2^attempt,
// capped, then spread by +/-20% so that many clients retrying together do not move in lockstep.

export interface BackoffConfig {
  readonly initialMs: number;
  readonly maxMs: number;
  /** Relative spread, 0.2 means +/-20%. */
  readonly jitter?: number;
}

/** The delay before retry number `attempt` (0 for the first retry). */
export function backoffDelay(config: BackoffConfig, attempt: number, random: () => number = Math.random): number {
  const { initialMs, maxMs } = config;
  if (maxMs <= initialMs) return initialMs;
  const exponential = Math.min(maxMs, initialMs * 2 ** Math.min(attempt, 31));
  const jitter = config.jitter ?? 0.2;
  const spread = exponential * jitter * (random() * 2 - 1);
  return Math.max(0, Math.round(Math.min(maxMs, exponential + spread)));
}
