/**
 * The session as a technician reads it in the journal: each step entered, each attempt's verdict
 * with the per-finger quality, alarms, and the one summary line per session (written by the
 * orchestrator). Figures only: no language-independent text the person typed, no document, no
 * image bytes.
 */
import type { BoothLogger } from '../logging/logger.ts';
import type { QualityFeedback, SessionEvents, SessionSnapshot } from '../../protocols/kiosk/session-contract.ts';

export interface SessionLogSource {
  on<E extends keyof SessionEvents>(event: E, listener: (...args: SessionEvents[E]) => void): unknown;
}

export function logSessionProgress(session: SessionLogSource, logger: BoothLogger): void {
  let last: SessionSnapshot['state'] | undefined;
  session.on('state', (snapshot) => {
    if (snapshot.state === last) return;
    last = snapshot.state;
    const step = snapshot.steps.indexOf(snapshot.state as never);
    const where = step >= 0 ? ` (step ${step + 1} of ${snapshot.steps.length})` : '';
    const why = snapshot.reason && (snapshot.state === 'escalated' || snapshot.state === 'out-of-service') ? `: ${snapshot.reason}` : '';
    const level = snapshot.state === 'escalated' || snapshot.state === 'out-of-service' || snapshot.state === 'fire-alarm' ? 'warn' : 'info';
    logger[level]({ state: snapshot.state, door: snapshot.door, ...(snapshot.sessionId ? { sessionId: snapshot.sessionId } : {}) }, `session → ${snapshot.state}${where}${why}`);
  });
  session.on('quality', (feedback) => logger.info({ attempt: feedback.attempt, accepted: feedback.accepted, problems: feedback.problems }, describeAttempt(feedback)));
}

function describeAttempt(feedback: QualityFeedback): string {
  const { target } = feedback;
  const name = target.kind === 'slap' ? target.slap : target.kind === 'palm' ? target.palm : target.kind;
  const verdict = feedback.accepted ? 'accepted' : `not accepted (${feedback.problems.join(', ')})`;
  const qualities = target.kind === 'slap' ? `, quality [${feedback.fingers.map((finger) => `${finger.position}:${finger.quality}/${finger.minimum}`).join(' ')}]` : '';
  return `${name} attempt ${feedback.attempt} of ${feedback.maxAttempts}: ${verdict}${qualities}`;
}
