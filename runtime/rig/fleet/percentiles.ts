/** p50 / p99 / max of a sample (nearest-rank), rounded to 0.1; zeros for an empty sample. */
export interface Spread {
  count: number;
  p50: number;
  p99: number;
  max: number;
}

export function spread(values: readonly number[]): Spread {
  if (values.length === 0) return { count: 0, p50: 0, p99: 0, max: 0 };
  const sorted = Float64Array.from(values).sort();
  const rank = (p: number) => sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
  const round = (value: number) => Math.round(value * 10) / 10;
  return { count: sorted.length, p50: round(rank(50)), p99: round(rank(99)), max: round(sorted[sorted.length - 1]!) };
}
