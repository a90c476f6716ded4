/**
 * Figures of one session for its summary log line and the Sparkplug metrics: time per step,
 * attempts and best quality per capture target. Never anything personal.
 */
import type { Clock } from '../../hal/clock.ts';
import type { SessionStep, SessionSummary } from '../../protocols/kiosk/session-contract.ts';
import type { SessionEnd } from './session-end.ts';
import type { SessionRecord } from '../../protocols/capture/session-record.ts';

export class SessionStats {
  readonly #clock: Clock;
  readonly #sessionId: string;
  readonly #startedAt: number;
  readonly #steps: Partial<Record<SessionStep, number>> = {};
  readonly #attempts: Record<string, number> = {};
  readonly #quality: Record<string, number> = {};
  #current: { step: SessionStep; since: number } | undefined;
  #committed = false;

  constructor(clock: Clock, sessionId: string) {
    this.#clock = clock;
    this.#sessionId = sessionId;
    this.#startedAt = clock.now();
  }

  enterStep(step: SessionStep): void {
    this.leaveStep();
    this.#current = { step, since: this.#clock.now() };
  }

  leaveStep(): void {
    const current = this.#current;
    if (!current) return;
    this.#steps[current.step] = (this.#steps[current.step] ?? 0) + (this.#clock.now() - current.since);
    this.#current = undefined;
  }

  attempts(name: string, attempts: number, quality: number): void {
    this.#attempts[name] = attempts;
    this.#quality[name] = quality;
  }

  committed(): void {
    this.#committed = true;
  }

  summary(end: SessionEnd, record: SessionRecord): SessionSummary {
    this.leaveStep();
    return {
      sessionId: this.#sessionId,
      outcome: end.outcome,
      ...(end.reason ? { reason: end.reason } : {}),
      ...(record.language ? { language: record.language } : {}),
      durationMs: this.#clock.now() - this.#startedAt,
      stepDurationsMs: { ...this.#steps },
      attempts: { ...this.#attempts },
      quality: { ...this.#quality },
      missingFingers: record.missing.size,
      committed: this.#committed,
    };
  }
}
