/**
 * The waits between and after sessions: the goodbye screen until the person has left, the
 * out-of-service pause before the devices are checked again, an escalated session waiting for an
 * officer, the fire-alarm screen until the alarm clears. Each wait ends early when the fire
 * alarm sounds or boothd stops; `notify` makes them look at the sensors again.
 */
import { EventEmitter } from 'node:events';
import type { Clock } from '../../hal/clock.ts';
import type { ActionWaiter } from './action-waiter.ts';

export type OfficerDecision = 'resume' | 'discard' | 'commit';
export type Interruption = 'fire-alarm' | 'stopping';

export interface AfterSessionOptions {
  clock: Clock;
  waiter: ActionWaiter;
  occupied(): boolean | undefined;
  fireAlarm(): boolean;
}

type Wake = { kind: 'look' } | { kind: 'interrupt'; why: Interruption } | { kind: 'decision'; decision: OfficerDecision };

export class AfterSession {
  readonly #options: AfterSessionOptions;
  readonly #wake = new EventEmitter<{ wake: [Wake] }>();
  /** Remembered: a wait that starts after boothd began stopping must not hold the shutdown. */
  #stopping = false;

  constructor(options: AfterSessionOptions) {
    this.#options = options;
    this.#wake.setMaxListeners(20);
  }

  /** Something changed (occupancy, the fire alarm): waits re-check their condition. */
  notify(): void {
    this.#wake.emit('wake', { kind: 'look' });
  }

  interrupt(why: Interruption): void {
    if (why === 'stopping') this.#stopping = true;
    this.#wake.emit('wake', { kind: 'interrupt', why });
  }

  /** The session starts (again): waits wait again. */
  resume(): void {
    this.#stopping = false;
  }

  decide(decision: OfficerDecision): void {
    this.#wake.emit('wake', { kind: 'decision', decision });
  }

  /** Out of service: waits `ms`, or less when interrupted. */
  pause(ms: number): Promise<'timeout' | Interruption> {
    return this.until<never>(ms, () => undefined, () => undefined);
  }

  /** The goodbye screen: until the occupancy sensor says the booth is empty (or `ms` passes). */
  untilLeft(ms: number): Promise<'left' | 'timeout' | Interruption> {
    return this.until(ms, () => (this.#options.occupied() === false ? 'left' : undefined), () => undefined);
  }

  /** An escalation waits for an officer; after `ms` nobody came and the data is discarded. */
  async officerDecision(ms: number): Promise<OfficerDecision | Interruption> {
    const result = await this.until<OfficerDecision>(ms, () => undefined, (decision) => decision);
    return result === 'timeout' ? 'discard' : result;
  }

  untilFireAlarmClears(): Promise<'cleared' | 'timeout' | Interruption> {
    return this.until(Number.POSITIVE_INFINITY, () => (this.#options.fireAlarm() ? undefined : 'cleared'), () => undefined, ['stopping']);
  }

  private until<T extends string>(
    ms: number,
    condition: () => T | undefined,
    onDecision: (decision: OfficerDecision) => T | undefined,
    interruptions: readonly Interruption[] = ['fire-alarm', 'stopping'],
  ): Promise<T | 'timeout' | Interruption> {
    return new Promise((resolve) => {
      const done = (result: T | 'timeout' | Interruption) => {
        timer?.cancel();
        this.#wake.off('wake', onWake);
        resolve(result);
      };
      const onWake = (wake: Wake) => {
        if (wake.kind === 'interrupt' && interruptions.includes(wake.why)) return done(wake.why);
        if (wake.kind === 'decision') {
          const decided = onDecision(wake.decision);
          if (decided !== undefined) return done(decided);
        }
        const met = condition();
        if (met !== undefined) done(met);
      };
      const timer = Number.isFinite(ms) ? this.#options.clock.setTimeout(() => done('timeout'), ms) : undefined;
      this.#wake.on('wake', onWake);
      if (this.#stopping && interruptions.includes('stopping')) return done('stopping');
      if (interruptions.includes('fire-alarm') && this.#options.fireAlarm()) return done('fire-alarm');
      const met = condition();
      if (met !== undefined) done(met);
    });
  }
}
