/**
 * Waiting for the person, with the booth's patience rules: after `inactivitySeconds` without a
 * touch the screen asks "are you still there?", and `stillThereSeconds` later the session is
 * abandoned. Any action (a touch included) resets the clock and puts the previous instruction
 * back. Actions are delivered to every waiter that accepts them.
 */
import { EventEmitter } from 'node:events';
import type { Clock, TimerHandle } from '../../hal/clock.ts';
import type { PersonAction, PersonActionName } from '../../protocols/kiosk/session-contract.ts';

export interface ActionWaiterOptions {
  clock: Clock;
  inactivityMs: number;
  stillThereMs: number;
  /** Show "are you still there?". */
  askStillThere(): void;
  /** The person answered: show the instruction they had before the question. */
  restorePrompt(): void;
  /** Nobody answered: end the session (the caller aborts its signal). */
  abandon(): void;
}

export class ActionWaiter {
  readonly #options: ActionWaiterOptions;
  readonly #actions = new EventEmitter<{ action: [PersonAction] }>();

  constructor(options: ActionWaiterOptions) {
    this.#options = options;
    this.#actions.setMaxListeners(50);
  }

  /** Hands a person's action to whoever waits for it. */
  deliver(action: PersonAction): void {
    this.#actions.emit('action', action);
  }

  listen(accepted: readonly PersonActionName[], listener: (action: PersonAction) => void): () => void {
    const onAction = (action: PersonAction) => {
      if (accepted.includes(action.action)) listener(action);
    };
    this.#actions.on('action', onAction);
    return () => this.#actions.off('action', onAction);
  }

  /**
   * Resolves with the first accepted action. With `timeoutMs` it resolves `undefined` when that
   * passes and the inactivity rule does not apply (a pause that ends by itself). Rejects with the
   * signal's reason when aborted.
   */
  wait(
    accepted: readonly PersonActionName[],
    signal: AbortSignal,
    options: { timeoutMs?: number | undefined; alreadyAsked?: boolean | undefined } = {},
  ): Promise<PersonAction | undefined> {
    const { clock, inactivityMs, stillThereMs } = this.#options;
    return new Promise((resolve, reject) => {
      if (signal.aborted) {
        reject(signal.reason);
        return;
      }
      let asked = options.alreadyAsked ?? false;
      let timer: TimerHandle | undefined;
      const cleanup = () => {
        timer?.cancel();
        this.#actions.off('action', onAction);
        signal.removeEventListener('abort', onAbort);
      };
      const finish = (action: PersonAction | undefined) => {
        cleanup();
        resolve(action);
      };
      const onAbort = () => {
        cleanup();
        reject(signal.reason);
      };
      const arm = () => {
        timer?.cancel();
        if (options.timeoutMs !== undefined) {
          timer = clock.setTimeout(() => finish(undefined), options.timeoutMs);
          return;
        }
        timer = clock.setTimeout(onInactive, asked ? stillThereMs : inactivityMs);
      };
      const onInactive = () => {
        if (!asked) {
          asked = true;
          this.#options.askStillThere();
          arm();
          return;
        }
        this.#options.abandon(); // aborts the signal: onAbort rejects
      };
      const onAction = (action: PersonAction) => {
        if (accepted.includes(action.action)) {
          finish(action);
          return;
        }
        if (asked) {
          asked = false;
          this.#options.restorePrompt();
        }
        if (options.timeoutMs === undefined) arm();
      };
      signal.addEventListener('abort', onAbort, { once: true });
      this.#actions.on('action', onAction);
      arm();
    });
  }
}
