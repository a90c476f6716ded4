/**
 * Moves a FakeClock forward in the background, for tests where something real-time (a browser,
 * a socket peer) works alongside a booth that runs on fake time. The loop advances `stepMs` of
 * fake time, yields to real I/O, and repeats; it stands still while anyone holds it, so a screen
 * stays exactly as it is while the test looks at it. Holds are named: a session event listener
 * can take one synchronously ("stop at this screen") and the test releases it when done.
 *
 * Bounded: it fails, and stops, after `limitMs` of fake time; a timer callback that throws stops
 * it too. `check()` rethrows either, so a test never waits on a pump that has quietly died.
 */
import type { FakeClock } from './fake-clock.ts';

export interface FakeTimePumpOptions {
  /** Fake milliseconds per step (default 10). A hold taken during a step ends that step first. */
  stepMs?: number;
  /** The most fake time it may ever move in all (default 30 min). */
  limitMs?: number;
  /** Real milliseconds between polls while held (default 2). */
  heldPollMs?: number;
}

export class FakeTimePump {
  readonly #clock: FakeClock;
  readonly #stepMs: number;
  readonly #limitMs: number;
  readonly #heldPollMs: number;
  readonly #holds = new Set<string>();
  #running = false;
  #loop: Promise<void> | undefined;
  #failure: Error | undefined;
  #advancedMs = 0;

  constructor(clock: FakeClock, options: FakeTimePumpOptions = {}) {
    this.#clock = clock;
    this.#stepMs = options.stepMs ?? 10;
    this.#limitMs = options.limitMs ?? 30 * 60_000;
    this.#heldPollMs = options.heldPollMs ?? 2;
  }

  /** Starts the background loop (once). */
  start(): this {
    if (!this.#running && !this.#loop) {
      this.#running = true;
      this.#loop = this.#run();
    }
    return this;
  }

  /** Stands still until `reason` is released (the step in progress finishes first). */
  hold(reason: string): void {
    this.#holds.add(reason);
  }

  release(reason: string): void {
    this.#holds.delete(reason);
  }

  /** The holds in place now. */
  get holds(): string[] {
    return [...this.#holds];
  }

  isHeld(reason: string): boolean {
    return this.#holds.has(reason);
  }

  /** Fake time moved so far. */
  get advancedMs(): number {
    return this.#advancedMs;
  }

  get failure(): Error | undefined {
    return this.#failure;
  }

  /** Throws what stopped the pump, if anything did. */
  check(): void {
    if (this.#failure) throw this.#failure;
  }

  /** Stops the loop and waits for the step in progress; idempotent. Holds are dropped. */
  async stop(): Promise<void> {
    this.#running = false;
    this.#holds.clear();
    await this.#loop;
  }

  async #run(): Promise<void> {
    while (this.#running) {
      if (this.#holds.size > 0) {
        await new Promise<void>((resolve) => setTimeout(resolve, this.#heldPollMs));
        continue;
      }
      if (this.#advancedMs >= this.#limitMs) {
        this.#failure = new Error(`the fake-time pump reached its limit of ${this.#limitMs} ms of fake time`);
        break;
      }
      try {
        await this.#clock.advance(this.#stepMs);
      } catch (error) {
        this.#failure = new Error(`a fake timer failed while the pump advanced the clock: ${(error as Error).message}`, { cause: error });
        break;
      }
      this.#advancedMs += this.#stepMs;
      // Real sockets (the kiosk's WebSocket, the broker) get their turn between steps.
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
    this.#running = false;
  }
}
