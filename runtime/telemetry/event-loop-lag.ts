/**
 * Event-loop lag: how late the loop runs a callback that was already due.
 *
 * A timer runs every `periodMs`; each run records how much later than due it ran. Node's own
 * `monitorEventLoopDelay` is not used: it records the whole interval between its timer's runs
 * (the period plus the lateness: an idle loop sampled every 10 ms reads p99 ≈ 10.3 ms), and it
 * cannot be paused — enabled again, its first reading spans the whole time it was off, so a pause
 * around something that is not the booth's (a benchmark's forced GC) would be counted after all.
 * A stall shows as its length less up to one period (it may start just after a run).
 */
import { createHistogram, type RecordableHistogram } from 'node:perf_hooks';

/** The clock and the repeating timer, so a test can drive the runs itself. */
export interface LagTimer {
  now(): number;
  /** Calls `run` every `periodMs` until the returned function is called. */
  every(periodMs: number, run: () => void): () => void;
}

const realTimer: LagTimer = {
  now: () => performance.now(),
  every(periodMs, run) {
    const interval = setInterval(run, periodMs);
    interval.unref(); // measuring never keeps the process alive
    return () => clearInterval(interval);
  },
};

const NANOSECONDS_PER_MS = 1e6;

export class EventLoopLag {
  readonly #periodMs: number;
  readonly #timer: LagTimer;
  readonly #histogram: RecordableHistogram = createHistogram();
  #cancel: (() => void) | undefined;
  #dueAt = 0;

  /** Samples every `periodMs`: a shorter period sees shorter stalls and costs more wake-ups. */
  constructor(periodMs = 10, timer: LagTimer = realTimer) {
    if (!Number.isInteger(periodMs) || periodMs < 1) throw new RangeError(`event-loop lag sampling period must be a whole number of ms ≥ 1, got ${periodMs}`);
    this.#periodMs = periodMs;
    this.#timer = timer;
  }

  /** Starts (or, after `stop`, resumes) measuring; the time it was stopped is not counted. */
  start(): void {
    if (this.#cancel) return;
    this.#dueAt = this.#timer.now() + this.#periodMs;
    this.#cancel = this.#timer.every(this.#periodMs, () => this.#run());
  }

  stop(): void {
    this.#cancel?.();
    this.#cancel = undefined;
  }

  /** Forgets what was recorded so far, e.g. at the start of each telemetry period. */
  reset(): void {
    this.#histogram.reset();
  }

  /** Lateness in ms at the given percentile (0–100] of what was recorded since the last reset; 0 when nothing was. */
  percentileMs(percentile: number): number {
    return this.#histogram.count === 0 ? 0 : this.#histogram.percentile(percentile) / NANOSECONDS_PER_MS;
  }

  /** The worst lateness in ms since the last reset. */
  maxMs(): number {
    return this.#histogram.count === 0 ? 0 : this.#histogram.max / NANOSECONDS_PER_MS;
  }

  #run(): void {
    const now = this.#timer.now();
    // A timer may run a little early against libuv's millisecond loop clock: never below 0.
    const lateMs = Math.max(0, now - this.#dueAt);
    this.#histogram.record(Math.max(1, Math.round(lateMs * NANOSECONDS_PER_MS))); // a histogram takes integers ≥ 1
    this.#dueAt = now + this.#periodMs; // Node schedules a repeating timer's next run from this one
  }
}
