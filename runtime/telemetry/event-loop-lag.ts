/**
 * Event-loop lag: how late the loop runs a callback that was already due.
 *
 * Node's `monitorEventLoopDelay` records the whole interval between two runs of its sampling
 * timer, that is the sampling period plus the lateness: an idle loop sampled every 10 ms reads
 * p99 ≈ 10.3 ms. Reported as it is, every figure would carry the period. This takes the period
 * off each reading, so an idle loop reads about 0 and a loop blocked for 40 ms reads about 40.
 */
import { monitorEventLoopDelay } from 'node:perf_hooks';

/** The part of Node's IntervalHistogram this needs (nanoseconds), so a test can hand in its own. */
export interface DelayHistogram {
  percentile(percentile: number): number;
  readonly max: number;
  enable(): boolean;
  disable(): boolean;
  reset(): void;
}

const NANOSECONDS_PER_MS = 1e6;

export class EventLoopLag {
  readonly #periodMs: number;
  readonly #histogram: DelayHistogram;

  /** Samples every `periodMs` (Node's `resolution`); a shorter period sees shorter stalls and costs more wake-ups. */
  constructor(periodMs = 10, histogram?: DelayHistogram) {
    if (!Number.isInteger(periodMs) || periodMs < 1) throw new RangeError(`event-loop lag sampling period must be a whole number of ms ≥ 1, got ${periodMs}`);
    this.#periodMs = periodMs;
    this.#histogram = histogram ?? monitorEventLoopDelay({ resolution: periodMs });
  }

  start(): void {
    this.#histogram.enable();
  }

  stop(): void {
    this.#histogram.disable();
  }

  /** Forgets what was recorded so far, e.g. at the start of each telemetry period. */
  reset(): void {
    this.#histogram.reset();
  }

  /** Lateness in ms at the given percentile (0–100] of what was recorded since the last reset; 0 when nothing was. */
  percentileMs(percentile: number): number {
    return this.#lateness(this.#histogram.percentile(percentile));
  }

  /** The worst lateness in ms since the last reset. */
  maxMs(): number {
    return this.#lateness(this.#histogram.max);
  }

  /** A timer can fire a little early against libuv's millisecond loop clock: never below 0. */
  #lateness(intervalNs: number): number {
    if (!Number.isFinite(intervalNs) || intervalNs <= 0) return 0;
    return Math.max(0, intervalNs / NANOSECONDS_PER_MS - this.#periodMs);
  }
}
