// When to renew a SASL session the broker will expire (KIP-368): at a random point between 85% and
// 95% of its lifetime, as the Java client does, so that the connections of many clients
// authenticated at the same moment do not all renew at once, and the renewal has time to finish.

const EARLIEST_FRACTION = 0.85;
const SPREAD_FRACTION = 0.1;

/**
 * Milliseconds after a successful authentication at which the connection re-authenticates, for
 * a session of `sessionLifetimeMs` (positive). `random` returns a number in [0, 1).
 */
export function reauthenticationDelay(sessionLifetimeMs: number, random: () => number = Math.random): number {
  return Math.floor(sessionLifetimeMs * (EARLIEST_FRACTION + SPREAD_FRACTION * random()));
}
