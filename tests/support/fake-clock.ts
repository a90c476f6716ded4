/**
 * A clock that moves only when a test says so. `advance` runs every timer that falls due, in
 * time order, letting promise callbacks settle between timers so async code sees time pass the
 * way it would for real.
 */
import type { Clock, TimerHandle } from '../../hal/clock.ts';

interface Timer {
  at: number;
  sequence: number;
  callback: () => void;
  cancelled: boolean;
}

export class FakeClock implements Clock {
  #now: number;
  #sequence = 0;
  #timers: Timer[] = [];

  constructor(start = Date.UTC(2026, 10, 27, 9, 0, 0)) {
    this.#now = start;
  }

  now(): number {
    return this.#now;
  }

  setTimeout(callback: () => void, delayMs: number): TimerHandle {
    // Whole milliseconds, like Date.now(): a fractional delay fires on the next millisecond.
    const timer: Timer = { at: this.#now + Math.max(0, Math.ceil(delayMs)), sequence: this.#sequence++, callback, cancelled: false };
    this.#timers.push(timer);
    return { cancel: () => void (timer.cancelled = true) };
  }

  /** Timers still waiting. */
  get pending(): number {
    return this.#timers.filter((timer) => !timer.cancelled).length;
  }

  /** Moves time forward by `ms`, firing due timers in order. */
  async advance(ms: number): Promise<void> {
    const target = this.#now + ms;
    for (;;) {
      await settle();
      const next = this.#timers
        .filter((timer) => !timer.cancelled && timer.at <= target)
        .sort((a, b) => a.at - b.at || a.sequence - b.sequence)[0];
      if (!next) break;
      this.#timers = this.#timers.filter((timer) => timer !== next);
      this.#now = next.at;
      next.callback();
    }
    this.#now = target;
    this.#timers = this.#timers.filter((timer) => !timer.cancelled);
    await settle();
  }

  /**
   * Pumps time in `stepMs` steps until `promise` settles; fails after `limitMs` of fake time and
   * then `realGraceMs` of real time (see advanceUntil).
   */
  async drive<T>(promise: Promise<T>, limitMs = 60_000, stepMs = 5, realGraceMs = 30_000): Promise<T> {
    let settled = false;
    const tracked = promise.finally(() => void (settled = true));
    tracked.catch(() => undefined);
    await this.advanceUntil(() => settled, limitMs, stepMs, realGraceMs);
    return tracked;
  }

  /**
   * Advances in steps until `condition` holds, failing after `limitMs` of fake time — or, with
   * `realGraceMs`, after that much real time more. The grace is for work fake time cannot hurry
   * (a worker thread starting or exiting on a loaded machine), which fake steps alone outrun:
   * after the fake limit each step also waits 5 ms of real time.
   */
  async advanceUntil(condition: () => boolean, limitMs: number, stepMs = 10, realGraceMs = 0): Promise<void> {
    for (let elapsed = 0; !condition(); elapsed += stepMs) {
      if (elapsed >= limitMs) {
        if (realGraceMs > 0 && (await this.stepInRealTime(condition, stepMs, realGraceMs))) return;
        throw new Error(`condition not met within ${limitMs} ms of fake time${realGraceMs > 0 ? `, nor within ${realGraceMs} ms of real time after it` : ''}`);
      }
      await this.advance(stepMs);
    }
  }

  private async stepInRealTime(condition: () => boolean, stepMs: number, realGraceMs: number): Promise<boolean> {
    const graceEnds = performance.now() + realGraceMs;
    while (!condition() && performance.now() < graceEnds) {
      await new Promise<void>((resolve) => setTimeout(resolve, 5));
      await this.advance(stepMs);
    }
    return condition();
  }
}

/** Lets queued promise callbacks and immediates run. */
export async function settle(): Promise<void> {
  for (let i = 0; i < 5; i += 1) await new Promise<void>((resolve) => setImmediate(resolve));
}
