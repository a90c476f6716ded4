// Small deterministic PRNG for the synthetic image generators: simulated captures must be
// reproducible from a seed so tests and recorded sessions can be replayed bit for bit.

/** A seeded source of uniform numbers in [0, 1). */
export type Rng = () => number;

/** mulberry32: 32-bit state, fast, good enough statistically for texture and noise. */
export function mulberry32(seed: number): Rng {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Derives an independent child seed, so sub-generators do not share one stream. */
export function deriveSeed(seed: number, salt: number): number {
  let h = (seed ^ Math.imul(salt + 0x9e3779b9, 0x85ebca6b)) >>> 0;
  h = Math.imul(h ^ (h >>> 16), 0x7feb352d);
  h = Math.imul(h ^ (h >>> 15), 0x846ca68b);
  return (h ^ (h >>> 16)) >>> 0;
}

/** Uniform number in [min, max). */
export function uniform(rng: Rng, min: number, max: number): number {
  return min + (max - min) * rng();
}

/** Approximately standard-normal number (sum of 4 uniforms: cheap, bounded tails). */
export function gaussian(rng: Rng): number {
  return (rng() + rng() + rng() + rng() - 2) * 1.7320508;
}

/**
 * Table of `size` (power of two) approximately normal values, for per-pixel noise:
 * indexing a table is far cheaper than calling the PRNG for every pixel.
 */
export function gaussianTable(rng: Rng, size = 65536): Float32Array {
  const table = new Float32Array(size);
  for (let i = 0; i < size; i++) table[i] = gaussian(rng);
  return table;
}

let shared: Float32Array | undefined;
/**
 * One fixed 65536-entry normal table shared by the renderers, indexed with `& 65535` from a
 * seeded per-row offset: deterministic, and no per-render cost of building a table.
 */
export function sharedGaussianTable(): Float32Array {
  shared ??= gaussianTable(mulberry32(0x5eed), 65536);
  return shared;
}

/**
 * Smooth 2-D value noise on a coarse grid (values in [-1, 1]), sampled by bilinear
 * interpolation: used for blotches, pressure variation and warping of ridge lines.
 */
export class ValueNoise {
  readonly cols: number;
  readonly rows: number;
  readonly cell: number;
  private readonly grid: Float32Array;
  private readonly scratch: Float32Array; // one row of vertically interpolated grid values

  constructor(rng: Rng, width: number, height: number, cell: number) {
    this.cell = cell;
    this.cols = Math.ceil(width / cell) + 2;
    this.rows = Math.ceil(height / cell) + 2;
    this.grid = new Float32Array(this.cols * this.rows);
    for (let i = 0; i < this.grid.length; i++) this.grid[i] = rng() * 2 - 1;
    this.scratch = new Float32Array(this.cols);
  }

  /** Noise at (x, y); coordinates outside the area are clamped to its border. */
  at(x: number, y: number): number {
    let gx = x / this.cell;
    let gy = y / this.cell;
    gx = gx < 0 ? 0 : gx > this.cols - 1.001 ? this.cols - 1.001 : gx;
    gy = gy < 0 ? 0 : gy > this.rows - 1.001 ? this.rows - 1.001 : gy;
    const ix = gx | 0;
    const iy = gy | 0;
    let fx = gx - ix;
    let fy = gy - iy;
    // Smoothstep weights hide the grid's straight cell borders.
    fx = fx * fx * (3 - 2 * fx);
    fy = fy * fy * (3 - 2 * fy);
    const g = this.grid;
    const i0 = iy * this.cols + ix;
    const a = g[i0]!;
    const b = g[i0 + 1]!;
    const c = g[i0 + this.cols]!;
    const d = g[i0 + this.cols + 1]!;
    const top = a + (b - a) * fx;
    const bottom = c + (d - c) * fx;
    return top + (bottom - top) * fy;
  }

  /**
   * Fills out[0..count) with the noise of row y from column x0 on (x0 >= 0). The vertical
   * interpolation is done once per grid column, so a pixel costs a few multiplications.
   */
  row(y: number, x0: number, count: number, out: Float32Array): void {
    let gy = y / this.cell;
    gy = gy < 0 ? 0 : gy > this.rows - 1.001 ? this.rows - 1.001 : gy;
    const iy = gy | 0;
    let fy = gy - iy;
    fy = fy * fy * (3 - 2 * fy);
    const g = this.grid;
    const c0 = iy * this.cols;
    const scratch = this.scratch;
    for (let j = 0; j < this.cols; j++) scratch[j] = g[c0 + j]! + (g[c0 + this.cols + j]! - g[c0 + j]!) * fy;
    const inv = 1 / this.cell;
    const last = this.cols - 1.001;
    for (let i = 0; i < count; i++) {
      let gx = (x0 + i) * inv;
      if (gx > last) gx = last;
      const ix = gx | 0;
      let fx = gx - ix;
      fx = fx * fx * (3 - 2 * fx);
      const l = scratch[ix]!;
      out[i] = l + (scratch[ix + 1]! - l) * fx;
    }
  }
}
