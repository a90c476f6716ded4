/**
 * The scenario's story as it happened: each step played (with its verdict) and, between them,
 * what the rig saw on its own (`event` entries). Times are milliseconds since the scenario began,
 * on the injected clock.
 */
import type { Clock } from '../../hal/clock.ts';
import type { StepKind, TimelineEntry } from './rig-result.ts';

export class Timeline {
  readonly entries: TimelineEntry[] = [];
  readonly #clock: Clock;
  readonly #startedAt: number;
  readonly #echo: (entry: TimelineEntry) => void;

  /** `echo` sees every entry as it is added (the rig's progress output). */
  constructor(clock: Clock, echo: (entry: TimelineEntry) => void = () => undefined) {
    this.#clock = clock;
    this.#startedAt = clock.now();
    this.#echo = echo;
  }

  get elapsedMs(): number {
    return this.#clock.now() - this.#startedAt;
  }

  event(text: string, detail?: string, ok?: boolean): void {
    this.add({ atMs: this.elapsedMs, kind: 'event', text, ...(ok === undefined ? {} : { ok }), ...(detail ? { detail } : {}) });
  }

  step(step: number, kind: StepKind, text: string, ok: boolean, detail?: string): void {
    this.add({ atMs: this.elapsedMs, step, kind, text, ok, ...(detail ? { detail } : {}) });
  }

  private add(entry: TimelineEntry): void {
    this.entries.push(entry);
    this.#echo(entry);
  }
}
