/**
 * The retry rule every capture shares: at most `maxAttempts` attempts, the best one kept, the
 * person told what was wrong after each failed one; when even the best is not good enough, the
 * session escalates to an officer (with the best attempt kept for them). A device that fails
 * escalates at once; nothing placed in time asks "are you still there?" instead of counting as
 * an attempt.
 */
import { isDeviceError } from '../../hal/errors.ts';
import type { AttemptVerdict } from './attempt-checks.ts';
import type { CaptureTarget, SessionStep } from '../../protocols/kiosk/session-contract.ts';
import { endOrError, SessionEnd } from './session-end.ts';
import type { StepContext } from './step-context.ts';

export interface AttemptSpec<T> {
  step: SessionStep;
  target: CaptureTarget;
  /** The catalogue key of the instruction ("fingers.right-four"). */
  instruction: string;
  /** A short name for reasons and metrics ("right-four", "face"). */
  name: string;
  deviceId: string;
  capture(attempt: number): Promise<T>;
  evaluate(result: T): AttemptVerdict;
  keep(result: T, attempt: number, startedAtMs: number): void;
}

export interface AttemptOutcome {
  attempts: number;
  /** The best verdict's score margin: the weakest finger's quality (or the capture's). */
  quality: number;
}

export async function captureWithRetries<T>(context: StepContext, spec: AttemptSpec<T>): Promise<AttemptOutcome> {
  const { config, clock, signal } = context;
  const max = config.maxAttempts;
  let best: AttemptVerdict | undefined;
  let attempt = 0;
  while (attempt < max) {
    context.show(spec.step, spec.instruction, {}, spec.target);
    const startedAtMs = clock.now();
    let result: T;
    try {
      result = await spec.capture(attempt + 1);
    } catch (error) {
      const cause = endOrError(signal, error);
      if (cause instanceof SessionEnd) throw cause;
      if (isDeviceError(cause) && cause.code === 'ETIMEDOUT') {
        await stillThere(context);
        continue;
      }
      const code = isDeviceError(cause) ? cause.code : 'EIO';
      throw new SessionEnd('escalated', `device fault: ${spec.deviceId} ${code} during ${spec.name}`, spec.step);
    }
    attempt += 1;
    const verdict = spec.evaluate(result);
    context.feedback({ target: spec.target, attempt, maxAttempts: max, accepted: verdict.accepted, problems: verdict.problems, fingers: verdict.fingers });
    if (!best || verdict.score > best.score) {
      best = verdict;
      spec.keep(result, attempt, startedAtMs);
    }
    context.noteAttempts(spec.name, attempt, qualityOf(best));
    if (verdict.accepted) return { attempts: attempt, quality: qualityOf(verdict) };
    if (attempt < max) {
      context.prompt(`problem.${verdict.problems[0] ?? 'low-quality'}`, { count: spec.target.kind === 'slap' ? spec.target.fingers.length : 1 });
      // The person reads what went wrong, then tries again: at once on "retry", or by itself.
      await context.waitFor(['retry'], { timeoutMs: config.timeouts.autoRetrySeconds * 1000 });
    }
  }
  const problems = best?.problems.join(', ') || 'low-quality';
  throw new SessionEnd('escalated', `${spec.name} not accepted after ${max} attempts (${problems})`, spec.step);
}

/** Nothing was placed in time: ask, and abandon when nobody answers (waitFor does that). */
async function stillThere(context: StepContext): Promise<void> {
  context.prompt('inactivity.still-there');
  await context.waitFor(['retry', 'touch'], { alreadyAsked: true });
}

function qualityOf(verdict: AttemptVerdict): number {
  return verdict.fingers.length === 0 ? 0 : Math.min(...verdict.fingers.map((finger) => finger.quality));
}
