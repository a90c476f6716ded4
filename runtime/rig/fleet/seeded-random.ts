/** A small seeded PRNG (mulberry32): the same seed gives the same fleet (phases, gaps, sensor drift). */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

/** An exponentially distributed delay with the given mean: the gaps of a Poisson process. */
export function exponential(random: () => number, meanMs: number): number {
  return -Math.log(1 - random()) * meanMs;
}
