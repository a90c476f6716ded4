/** What a step needs to act on the booth and to see it: handed to every step handler. */
import type { Clock } from '../../hal/clock.ts';
import type { Observations } from './observations.ts';
import type { ScenarioBooth } from './scenario-booth.ts';
import type { Timeline } from './timeline.ts';

export interface StepContext {
  booth: ScenarioBooth;
  observations: Observations;
  timeline: Timeline;
  clock: Clock;
  /** Aborted when the scenario's `timeoutSeconds` run out. */
  signal: AbortSignal;
}
