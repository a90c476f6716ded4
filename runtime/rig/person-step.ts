/**
 * `person:` steps. Walking in and out, the exit button and how the person behaves at the
 * scanner, camera and reader act on the booth's hardware (booth-hardware.ts: the simulated
 * devices' hooks, or the wire booth's twins); what the person does on the touchscreen goes over
 * the kiosk socket exactly as the kiosk UI sends it.
 */
import type { PersonAction } from '../../protocols/kiosk/session-contract.ts';
import type { StepContext } from './step-context.ts';
import { StepFailure } from './step-failure.ts';
import type { PersonStep } from './step-schema.ts';
import { waitUntil } from './wait-until.ts';

/**
 * A person presses only what the screen shows: an action waits this long for the screen to offer
 * it (the session may still be moving on from the previous one), then is sent regardless, so
 * boothd's own refusal (EORDER) is what fails a step that is out of order.
 */
export const OFFER_LIMIT_MS = 10_000;

/** Returns a detail for the timeline, if any. */
export async function playPerson(step: PersonStep, context: StepContext): Promise<string | undefined> {
  const { booth } = context;
  if (typeof step === 'string') {
    if (step === 'enter' || step === 'leave' || step === 'press-exit') return booth.hardware.person(step);
    return pressOnScreen({ action: step }, context);
  }
  if ('choose-language' in step) return pressOnScreen({ action: 'choose-language', language: step['choose-language'] }, context);
  if ('declare-missing' in step) {
    const fingers = step['declare-missing'].map(({ finger, reason }) => ({ position: finger, reason }));
    return pressOnScreen({ action: 'declare-missing', fingers }, context);
  }
  return booth.hardware.person(step);
}

async function pressOnScreen(action: PersonAction, context: StepContext): Promise<string | undefined> {
  const { booth, observations, clock, signal } = context;
  const kiosk = booth.kiosk;
  if (!kiosk) throw new StepFailure(`nobody can press "${action.action}": the kiosk screen is not connected (boothd is not running)`);
  const offered = await waitUntil(
    () => {
      const snapshot = observations.snapshot;
      return { done: snapshot?.allowedActions.includes(action.action) ?? false, value: snapshot?.state };
    },
    { clock, limitMs: OFFER_LIMIT_MS, signal },
  );
  try {
    await kiosk.act(action as unknown as Record<string, unknown> & { action: string });
  } catch (error) {
    throw new StepFailure((error as Error).message, { cause: error });
  }
  return offered.value ? `on the ${offered.value} screen` : undefined;
}
