/**
 * Plays a scenario's steps in order, each told in the timeline with its verdict. The first step
 * that fails ends the scenario: later steps assume what it should have brought about.
 */
import { raceAbort } from '../../hal/race-abort.ts';
import { sleep } from '../../hal/clock.ts';
import { describeStep } from './describe-step.ts';
import { playDevice } from './device-step.ts';
import { playExpect } from './expectations.ts';
import { playInfra } from './infra-step.ts';
import { playPerson } from './person-step.ts';
import type { Step } from './scenario-schema.ts';
import type { StepContext } from './step-context.ts';

/** An error thrown by a step, with the step's 1-based number. */
export class StepError extends Error {
  readonly step: number;
  constructor(step: number, cause: unknown) {
    super((cause as Error).message, { cause });
    this.name = 'StepError';
    this.step = step;
  }
}

const OFFICER_ID = 'booth-rig';

export async function playSteps(steps: readonly Step[], context: StepContext): Promise<void> {
  for (const [index, step] of steps.entries()) {
    const number = index + 1;
    const text = describeStep(step);
    let detail: string | undefined;
    try {
      detail = await raceAbort(playStep(step, context), context.signal);
    } catch (error) {
      context.timeline.step(number, step.kind, text, false, (error as Error).message);
      throw new StepError(number, error);
    }
    context.timeline.step(number, step.kind, text, true, detail);
  }
}

function playStep(step: Step, context: StepContext): Promise<string | undefined> {
  switch (step.kind) {
    case 'person':
      return playPerson(step.person, context);
    case 'device':
      return playDevice(step.device, context);
    case 'infra':
      return playInfra(step.infra, context);
    case 'officer':
      return playOfficer(step.officer, context);
    case 'wait':
      return sleep(context.clock, step.ms, context.signal).then(() => undefined);
    case 'expect':
      return playExpect(step.expect, context);
  }
}

/** An officer answers the escalation at the booth, as `boothctl session <decision> --officer` does. */
async function playOfficer(decision: 'resume' | 'commit' | 'discard', { booth }: StepContext): Promise<string> {
  await booth.control('session.officer', { decision, officer: OFFICER_ID });
  return `officer ${OFFICER_ID}`;
}

