/**
 * Contact debounce on the injected clock. The raw level of an input is fed as the board reports
 * it; the debounced value changes by the rules of its mode (config.ts `debounceMode`) and calls
 * `onChange`. No wall-clock timers: tests drive it with the fake clock.
 */
import type { Clock, TimerHandle } from '../../hal/clock.ts';
import type { DebounceMode } from './config.ts';

export class DebouncedInput {
  readonly #clock: Clock;
  readonly #mode: DebounceMode;
  readonly #ms: number;
  readonly #onChange: (active: boolean) => void;
  #raw: boolean | undefined;
  #value: boolean | undefined;
  #timer: TimerHandle | undefined;
  #primed = false;
  #waiters: Array<() => void> = [];

  constructor(clock: Clock, mode: DebounceMode, debounceMs: number, onChange: (active: boolean) => void) {
    this.#clock = clock;
    this.#mode = mode;
    this.#ms = debounceMs;
    this.#onChange = onChange;
  }

  /** The debounced value; undefined until the board reported the pin once. */
  get value(): boolean | undefined {
    return this.#value;
  }

  /** True while a change is being debounced (a later `value` may differ). */
  get unsettled(): boolean {
    return this.#timer !== undefined;
  }

  /**
   * Until `prime`, reports only update the raw level: a report the board sent before it applied
   * the pin's mode may still be on the way. After `prime`, reports go through the debounce.
   */
  feed(active: boolean): void {
    const previousRaw = this.#raw;
    this.#raw = active;
    if (!this.#primed) return;
    if (this.#ms === 0) {
      this.apply();
      return;
    }
    if (this.#mode === 'leading') {
      // Deaf while the lock-out runs; the level is looked at again when it ends.
      if (this.#timer === undefined && active !== this.#value) {
        this.apply();
        this.startTimer();
      }
      return;
    }
    if (previousRaw !== active) this.startTimer();
  }

  /**
   * Takes the last level reported as the input's state, without an event: it is the state the
   * input was in, not a change. Call it after a read-back that was sent after the pin's mode and
   * reporting were set (every report before that answer is in). False when nothing was reported.
   */
  prime(): boolean {
    this.#primed = true;
    this.#value = this.#raw;
    return this.#raw !== undefined;
  }

  /** Resolves once no change is being debounced (at most `debounceMs` from now). */
  settled(signal?: AbortSignal): Promise<void> {
    if (this.#timer === undefined) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const onAbort = () => reject(signal?.reason);
      signal?.addEventListener('abort', onAbort, { once: true });
      this.#waiters.push(() => {
        signal?.removeEventListener('abort', onAbort);
        resolve();
      });
    });
  }

  /** Forgets everything (the board went away): the next report is a first report again. */
  reset(): void {
    this.#timer?.cancel();
    this.#timer = undefined;
    this.#raw = undefined;
    this.#value = undefined;
    this.#primed = false;
    this.wake();
  }

  private startTimer(): void {
    this.#timer?.cancel();
    this.#timer = this.#clock.setTimeout(() => {
      this.#timer = undefined;
      if (this.#raw !== this.#value) {
        this.apply();
        // In leading mode the edge just reported may bounce too.
        if (this.#mode === 'leading') this.startTimer();
      }
      if (this.#timer === undefined) this.wake();
    }, this.#ms);
  }

  private apply(): void {
    if (this.#raw === undefined || this.#raw === this.#value) return;
    this.#value = this.#raw;
    this.#onChange(this.#raw);
  }

  private wake(): void {
    const waiters = this.#waiters;
    this.#waiters = [];
    for (const wake of waiters) wake();
  }
}
