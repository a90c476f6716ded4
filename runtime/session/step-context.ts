/**
 * What a session step can do: show a state and prompt, wait for the person, reach a device,
 * and record captures. The orchestrator implements it; steps never see the orchestrator itself,
 * so each step file reads as the procedure it is.
 */
import type { AnyDevice, Clock, IoOptions } from '../../hal/index.ts';
import type { CaptureTarget, PersonAction, PersonActionName, QualityFeedback, SessionState, SessionStep, PreviewFrame } from '../../protocols/kiosk/session-contract.ts';
import type { SessionConfig } from './session-config.ts';
import type { SessionRecord } from '../../protocols/capture/session-record.ts';

export interface StepContext {
  readonly config: SessionConfig;
  readonly clock: Clock;
  readonly record: SessionRecord;
  /** Aborted with a SessionEnd when the session stops (cancel, help, fire alarm, the person left, …). */
  readonly signal: AbortSignal;
  /** Shows a state (and optionally what is being captured) with its instruction. */
  show(state: SessionState, key: string, params?: Record<string, string | number>, target?: CaptureTarget): void;
  /** A new instruction in the same state. */
  prompt(key: string, params?: Record<string, string | number>): void;
  feedback(feedback: QualityFeedback): void;
  preview(frame: PreviewFrame): void;
  /**
   * Waits for one of `accepted` actions. Without a person's touch for the inactivity time the
   * screen asks "are you still there?", and then the session is abandoned. `timeoutMs` instead
   * resolves `undefined` when it passes (a pause that continues by itself).
   */
  waitFor(accepted: readonly PersonActionName[], options?: { timeoutMs?: number; alreadyAsked?: boolean }): Promise<PersonAction | undefined>;
  /** Attempts used and best quality reached for a capture target, for the summary and metrics. */
  noteAttempts(name: string, attempts: number, quality: number): void;
  /** Calls `listener` for each of `accepted` actions until the returned function is called. */
  onAction(accepted: readonly PersonActionName[], listener: (action: PersonAction) => void): () => void;
  /** The ready device of a class this step needs; a missing one escalates the session. */
  device<T extends AnyDevice>(deviceClass: T['deviceClass'], step: SessionStep): T;
  /** The optional device of a class (lighting), when it is ready. */
  optionalDevice<T extends AnyDevice>(deviceClass: T['deviceClass']): T | undefined;
  /** I/O options bound to the session's signal. */
  io(timeoutMs?: number): IoOptions;
  serialOf(deviceId: string): string;
  /** The prompt's text in the session language (for the signature pad's own little screen). */
  text(key: string): string;
}
