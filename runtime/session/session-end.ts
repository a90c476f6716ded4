/**
 * Why a session stops before (or instead of) its next step. Thrown through the step code, and
 * used as the reason of the session's AbortSignal so every wait and device call unwinds with it.
 */
import type { SessionOutcome } from '../../protocols/kiosk/session-contract.ts';
import type { SessionStep } from '../../protocols/kiosk/session-contract.ts';

export class SessionEnd extends Error {
  readonly outcome: SessionOutcome;
  readonly reason: string;
  /** For an escalation: the step an officer's "resume" starts again from. */
  readonly resumeAt: SessionStep | undefined;

  constructor(outcome: SessionOutcome, reason: string, resumeAt?: SessionStep) {
    super(`session ${outcome}: ${reason}`);
    this.name = 'SessionEnd';
    this.outcome = outcome;
    this.reason = reason;
    this.resumeAt = resumeAt;
  }
}

/** After a device call or wait failed: the session's own end if it was aborted, else the error itself. */
export function endOrError(signal: AbortSignal, error: unknown): unknown {
  return signal.aborted && signal.reason instanceof SessionEnd ? signal.reason : error;
}
