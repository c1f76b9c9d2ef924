// A small seeded pseudo-random generator (mulberry32) for the chaos mode: the same seed gives the
// same sequence, so a run's faults can be replayed; Math.random is never used on the fault paths.

/** Returns a generator of numbers in [0, 1) determined by `seed` (any 32-bit integer). */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let mixed = state;
    mixed = Math.imul(mixed ^ (mixed >>> 15), mixed | 1);
    mixed ^= mixed + Math.imul(mixed ^ (mixed >>> 7), mixed | 61);
    return ((mixed ^ (mixed >>> 14)) >>> 0) / 4_294_967_296;
  };
}
