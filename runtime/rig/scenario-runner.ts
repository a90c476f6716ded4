/**
 * One scenario from start to finish: a fresh booth (scenario-booth.ts), the steps, and the
 * teardown — always, whether the steps passed, failed or threw — and the ScenarioResult. A failed
 * step or an unmet expectation makes it `failed`; the rig's own trouble makes it `error`, and so
 * does a step the rig's booth cannot play (checked before anything starts, wire-routes.ts).
 */
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Clock } from '../../hal/clock.ts';
import type { ChildRegistry } from './child-registry.ts';
import { Observations } from './observations.ts';
import type { RigConfig } from './rig-config.ts';
import type { ScenarioResult, TimelineEntry } from './rig-result.ts';
import { ScenarioBooth } from './scenario-booth.ts';
import type { LoadedScenario } from './scenario-file.ts';
import { playSteps, StepError } from './scenario-player.ts';
import { StepFailure } from './step-failure.ts';
import { Timeline } from './timeline.ts';
import { refusedSteps } from './wire-routes.ts';

/** Steps this rig's booth cannot play, known from the file: the scenario is `error`, and nothing starts. */
class StepsRefused extends Error {
  readonly refused: Array<{ step: number; message: string }>;
  constructor(refused: Array<{ step: number; message: string }>) {
    super(`${refused.map(({ step, message }) => `step ${step} ${message}`).join('; ')} — not possible on this booth, so nothing was started`);
    this.name = 'StepsRefused';
    this.refused = refused;
  }
}

export interface ScenarioRunOptions {
  rig: RigConfig;
  /** This scenario's own folder (created here): state, keys, central's packages, logs. */
  workDir: string;
  registry: ChildRegistry;
  clock: Clock;
  /** Each timeline entry as it happens (the rig's progress output). */
  echo?: (entry: TimelineEntry) => void;
  /** Aborted when the whole run is interrupted (Ctrl-C): the steps stop, the teardown runs. */
  interrupt?: AbortSignal;
}

export async function runScenario({ file, scenario }: LoadedScenario, options: ScenarioRunOptions): Promise<ScenarioResult> {
  const { clock, workDir } = options;
  mkdirSync(workDir, { recursive: true });
  const startedAt = clock.now();
  const timeline = new Timeline(clock, options.echo);
  const observations = new Observations(timeline);
  const deadline = new AbortController();
  const timer = clock.setTimeout(
    () => deadline.abort(new StepFailure(`the scenario ran out of its ${scenario.timeoutSeconds} s (timeoutSeconds)`)),
    scenario.timeoutSeconds * 1000,
  );
  let status: ScenarioResult['status'] = 'passed';
  let failure: ScenarioResult['failure'];
  let booth: ScenarioBooth | undefined;
  try {
    const refused = refusedSteps(options.rig, scenario.steps);
    if (refused.length > 0) throw new StepsRefused(refused);
    booth = await ScenarioBooth.start({ rig: options.rig, scenario, workDir, registry: options.registry, timeline, observations });
    const signal = options.interrupt ? AbortSignal.any([deadline.signal, options.interrupt]) : deadline.signal;
    await playSteps(scenario.steps, { booth, observations, timeline, clock, signal });
  } catch (error) {
    const cause = error instanceof StepError ? error.cause : error;
    status = cause instanceof StepFailure ? 'failed' : 'error';
    const message = status === 'error' && !(cause instanceof StepsRefused) ? `rig error: ${(cause as Error).message}` : (cause as Error).message;
    failure = { message, ...(error instanceof StepError ? { step: error.step } : {}) };
    if (!(error instanceof StepError)) timeline.event(message, undefined, false);
  } finally {
    timer.cancel();
    for (const problem of (await booth?.stop()) ?? []) {
      timeline.event(`teardown: ${problem}`, undefined, false);
      // A boothd that will not stop is a finding about boothd, not about the steps.
      if (status === 'passed') {
        status = 'failed';
        failure = { message: `teardown: ${problem}` };
      }
    }
    timeline.event('everything stopped');
  }
  const boothdLog = join(workDir, 'boothd.log');
  const auditLog = join(workDir, 'audit.log');
  return {
    name: scenario.name,
    file,
    tags: scenario.tags,
    status,
    durationMs: clock.now() - startedAt,
    ...(failure ? { failure } : {}),
    timeline: timeline.entries,
    artifacts: { ...(existsSync(boothdLog) ? { boothdLog } : {}), ...(existsSync(auditLog) ? { auditLog } : {}) },
  };
}
