/**
 * Checks a person's action before the session sees it: allowed in this state (else EORDER, naming
 * the state and what it accepts) and well-formed (else EBADMSG, naming the field). The kiosk API
 * validates the JSON shape; this is the session's own guard, for every caller.
 */
import type { SessionConfig } from './session-config.ts';
import { ALLOWED_ACTIONS, SessionActionError, type PersonAction, type SessionState } from '../../protocols/kiosk/session-contract.ts';

const REASONS = new Set(['amputated', 'bandaged', 'unable-to-print']);

export function checkAction(action: PersonAction, state: SessionState, config: SessionConfig): void {
  const allowed = ALLOWED_ACTIONS[state];
  if (!allowed.includes(action.action)) {
    throw new SessionActionError('EORDER', `"${action.action}" is not possible in state ${state}; allowed: ${allowed.join(', ')}`);
  }
  if (action.action === 'choose-language' && !config.languages.includes(action.language)) {
    throw new SessionActionError('EBADMSG', `language "${String(action.language)}" is not offered by this booth (${config.languages.join(', ')})`);
  }
  if (action.action === 'declare-missing') {
    if (!Array.isArray(action.fingers) || action.fingers.length > 10) throw new SessionActionError('EBADMSG', 'fingers must be a list of at most 10 entries');
    const seen = new Set<number>();
    action.fingers.forEach((finger, index) => {
      if (!Number.isInteger(finger.position) || finger.position < 1 || finger.position > 10) {
        throw new SessionActionError('EBADMSG', `fingers[${index}].position must be a finger 1..10`);
      }
      if (seen.has(finger.position)) throw new SessionActionError('EBADMSG', `fingers[${index}]: finger ${finger.position} is declared twice`);
      if (!REASONS.has(finger.reason)) throw new SessionActionError('EBADMSG', `fingers[${index}].reason must be amputated, bandaged or unable-to-print`);
      seen.add(finger.position);
    });
  }
}
