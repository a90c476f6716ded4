/**
 * `person:` steps. Walking in and out and the exit button go through the simulated sensors;
 * what the person does on the touchscreen goes over the kiosk socket exactly as the kiosk UI
 * sends it; how the person behaves at the scanner, camera and reader goes through sim hooks.
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
    switch (step) {
      case 'enter':
        await booth.control('sim.occupancy', { occupied: true });
        return undefined;
      case 'leave':
        await booth.control('sim.occupancy', { occupied: false });
        // A person takes their passport with them (a booth without a reader ignores this).
        await booth.control('sim.remove-document', {});
        return undefined;
      case 'press-exit':
        await booth.control('sim.exit-button');
        return undefined;
      default:
        return pressOnScreen({ action: step }, context);
    }
  }
  if ('choose-language' in step) return pressOnScreen({ action: 'choose-language', language: step['choose-language'] }, context);
  if ('declare-missing' in step) {
    const fingers = step['declare-missing'].map(({ finger, reason }) => ({ position: finger, reason }));
    return pressOnScreen({ action: 'declare-missing', fingers }, context);
  }
  if ('finger-quality' in step) await booth.control('sim.finger-quality', { quality: step['finger-quality'] });
  else if ('wrong-hand' in step) await booth.control('sim.wrong-hand', { wrong: step['wrong-hand'] });
  else if ('fingers-missing' in step) await booth.control('sim.fingers-missing', { fingers: step['fingers-missing'] });
  else if ('face' in step) await booth.control('sim.face', { subject: step.face });
  else if ('passport' in step) await booth.control('sim.present-mrz', { lines: step.passport });
  return undefined;
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
