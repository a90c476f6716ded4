/**
 * The session as central sees it, as Sparkplug node metrics: the state, two alarms (out of
 * service, escalated, each with its reason), outcome counters, sessions per hour, and per step
 * and per capture target the figures of the last session. Fed from the orchestrator's events
 * alone; nothing personal (no language even: the last session's language is not an operator's
 * business at the centre, and the summary log line carries it locally).
 */
import type { Clock } from '../../hal/clock.ts';
import { DataType } from '../../protocols/sparkplug/datatypes.ts';
import type { EdgeModel } from '../../protocols/sparkplug/metric-model.ts';
import type { MetricValue } from '../../protocols/sparkplug/payload.ts';
import { SESSION_STEPS, type SessionEvents, type SessionOutcome, type SessionSnapshot, type SessionSummary } from '../../protocols/kiosk/session-contract.ts';

const OUTCOME_COUNTERS: Record<SessionOutcome, string> = {
  completed: 'Sessions/Completed',
  escalated: 'Sessions/Escalated',
  abandoned: 'Sessions/Abandoned',
  refused: 'Sessions/Refused',
  cancelled: 'Sessions/Cancelled',
  'fire-alarm': 'Sessions/Fire Alarm',
};

/** Capture targets whose attempts and quality are reported. */
export const CAPTURE_TARGETS = ['right-four', 'left-four', 'two-thumbs', 'right-full', 'left-full', 'right-writer', 'left-writer', 'face', 'signature', 'document'] as const;

const HOUR_MS = 3_600_000;

export interface SessionMetricsSource {
  on<E extends keyof SessionEvents>(event: E, listener: (...args: SessionEvents[E]) => void): unknown;
}

export class SessionMetrics {
  readonly #model: EdgeModel;
  readonly #clock: Clock;
  readonly #counts = new Map<string, bigint>();
  /** End times of completed sessions in the last hour. */
  #completedAt: number[] = [];

  constructor(model: EdgeModel, session: SessionMetricsSource, clock: Clock) {
    this.#model = model;
    this.#clock = clock;
    const now = clock.now();
    const define = (name: string, datatype: number, value: MetricValue) => model.node.define(name, datatype, value, now);
    define('Session/State', DataType.String, 'idle');
    define('Session/Active', DataType.Boolean, false);
    define('Session/Out Of Service', DataType.Boolean, false);
    define('Session/Out Of Service Reason', DataType.String, '');
    define('Session/Escalated', DataType.Boolean, false);
    define('Session/Escalation Reason', DataType.String, '');
    for (const counter of Object.values(OUTCOME_COUNTERS)) define(counter, DataType.UInt64, 0n);
    define('Sessions/Per Hour', DataType.UInt32, 0);
    define('Session/Last Outcome', DataType.String, '');
    define('Session/Last Reason', DataType.String, '');
    define('Session/Last Duration s', DataType.Double, 0);
    for (const step of SESSION_STEPS) define(`Session/Step/${step}/Last ms`, DataType.Int64, 0n);
    for (const target of CAPTURE_TARGETS) {
      define(`Session/Capture/${target}/Attempts`, DataType.UInt32, 0);
      define(`Session/Capture/${target}/Quality`, DataType.UInt32, 0);
    }
    session.on('state', (snapshot) => this.onState(snapshot));
    session.on('ended', (summary) => this.onEnded(summary));
  }

  private onState(snapshot: SessionSnapshot): void {
    const { state } = snapshot;
    this.set('Session/State', state);
    this.set('Session/Active', snapshot.sessionId !== undefined && state !== 'escalated');
    this.set('Session/Out Of Service', state === 'out-of-service');
    this.set('Session/Out Of Service Reason', state === 'out-of-service' ? (snapshot.reason ?? '') : '');
    this.set('Session/Escalated', state === 'escalated');
    this.set('Session/Escalation Reason', state === 'escalated' ? (snapshot.reason ?? '') : '');
    this.updatePerHour();
  }

  /** Completed sessions in the trailing hour; refreshed on every state change so it also falls. */
  private updatePerHour(): void {
    const now = this.#clock.now();
    this.#completedAt = this.#completedAt.filter((at) => now - at < HOUR_MS);
    this.set('Sessions/Per Hour', this.#completedAt.length);
  }

  private onEnded(summary: SessionSummary): void {
    const counter = OUTCOME_COUNTERS[summary.outcome];
    const count = (this.#counts.get(counter) ?? 0n) + 1n;
    this.#counts.set(counter, count);
    this.set(counter, count);
    const now = this.#clock.now();
    if (summary.outcome === 'completed') this.#completedAt.push(now);
    this.updatePerHour();
    this.set('Session/Last Outcome', summary.outcome);
    this.set('Session/Last Reason', summary.reason ?? '');
    this.set('Session/Last Duration s', summary.durationMs / 1000);
    for (const step of SESSION_STEPS) this.set(`Session/Step/${step}/Last ms`, BigInt(Math.round(summary.stepDurationsMs[step] ?? 0)));
    for (const target of CAPTURE_TARGETS) {
      this.set(`Session/Capture/${target}/Attempts`, summary.attempts[target] ?? 0);
      this.set(`Session/Capture/${target}/Quality`, summary.quality[target] ?? 0);
    }
  }

  private set(name: string, value: MetricValue): void {
    this.#model.setNodeMetric(name, value, this.#clock.now());
  }
}
