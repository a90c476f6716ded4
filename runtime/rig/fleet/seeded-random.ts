/** The simulators' seeded PRNG: the same seed gives the same fleet (phases, gaps, sensor drift). */
export { mulberry32 as seededRandom } from '../../../simulator/imaging/random.ts';

/** An exponentially distributed delay with the given mean: the gaps of a Poisson process. */
export function exponential(random: () => number, meanMs: number): number {
  return -Math.log(1 - random()) * meanMs;
}
