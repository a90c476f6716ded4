/**
 * A SessionPort for kiosk tests: a scripted snapshot, events emitted by hand, and an act() that
 * records what it was given and refuses when the test says so.
 */
import { EventEmitter } from 'node:events';
import {
  ALLOWED_ACTIONS,
  SessionActionError,
  type PersonAction,
  type SessionEvents,
  type SessionPort,
  type SessionSnapshot,
  type SessionState,
} from '../../protocols/kiosk/session-contract.ts';

export function snapshotIn(state: SessionState, extra: Partial<SessionSnapshot> = {}): SessionSnapshot {
  return {
    state,
    steps: ['language', 'consent', 'fingerprints', 'face', 'review'],
    stepIndex: 0,
    allowedActions: ALLOWED_ACTIONS[state],
    door: 'released',
    missingFingers: [],
    ...extra,
  };
}

export class FakeSession extends EventEmitter implements SessionPort {
  current: SessionSnapshot = snapshotIn('idle');
  readonly acted: PersonAction[] = [];
  /** The next act() throws this (once). */
  refuseNext: Error | undefined;

  snapshot(): SessionSnapshot {
    return this.current;
  }

  act(action: PersonAction): void {
    const refusal = this.refuseNext;
    this.refuseNext = undefined;
    if (refusal) throw refusal;
    this.acted.push(action);
  }

  /** Refuses the next action as out of order, like the orchestrator does. */
  refuseNextAsOutOfOrder(): void {
    this.refuseNext = new SessionActionError('EORDER', `not allowed in ${this.current.state}`);
  }

  fire<E extends keyof SessionEvents>(event: E, ...args: SessionEvents[E]): void {
    this.emit(event, ...args);
  }

  /** Listeners the kiosk (or anyone) holds on the session events. */
  listenerTotal(): number {
    return (['state', 'prompt', 'preview', 'quality', 'ended'] as const).reduce((sum, event) => sum + this.listenerCount(event), 0);
  }
}
