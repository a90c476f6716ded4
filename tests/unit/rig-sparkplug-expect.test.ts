/**
 * `expect: sparkplug` against a device or node that died: its last values are stale (Sparkplug B:
 * a DDEATH, or the node's NDEATH, ends them), so an expectation must wait for the next birth
 * instead of passing on what was said before the death.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { playExpect } from '../../runtime/rig/expectations.ts';
import { Observations } from '../../runtime/rig/observations.ts';
import type { SparkplugMessage } from '../../runtime/rig/sparkplug-watch.ts';
import type { StepContext } from '../../runtime/rig/step-context.ts';
import { StepFailure } from '../../runtime/rig/step-failure.ts';
import { Timeline } from '../../runtime/rig/timeline.ts';
import { FakeClock } from '../support/fake-clock.ts';

const padState = (type: 'DBIRTH' | 'DDATA', value: string): SparkplugMessage => ({
  type,
  device: 'pad',
  samples: [{ type, device: 'pad', name: 'Connection/State', value }],
  summary: `${type} pad`,
});
const death = (type: 'DDEATH' | 'NDEATH'): SparkplugMessage => ({ type, ...(type === 'DDEATH' ? { device: 'pad' } : {}), samples: [], summary: type });

function context(): StepContext & { observations: Observations } {
  const clock = new FakeClock();
  const timeline = new Timeline(clock);
  return { booth: {} as StepContext['booth'], observations: new Observations(timeline), timeline, clock, signal: new AbortController().signal };
}

const expectReady = (ctx: StepContext) => playExpect({ withinMs: 0, check: { kind: 'sparkplug', device: 'pad', metric: 'Connection/State', value: 'ready' } }, ctx);

describe('rig: expect sparkplug on a device or node that died', () => {
  it('passes on the value a living device last reported', async () => {
    const ctx = context();
    ctx.observations.onSparkplug(padState('DBIRTH', 'ready'));
    ctx.observations.markExpect();
    assert.match(await expectReady(ctx), /pad\/Connection\/State is "ready"/);
  });

  for (const type of ['DDEATH', 'NDEATH'] as const) {
    it(`after a ${type}, fails on the stale value and passes again once the device is born anew`, async () => {
      const ctx = context();
      ctx.observations.onSparkplug(padState('DBIRTH', 'ready'));
      ctx.observations.onSparkplug(death(type));
      ctx.observations.markExpect(); // the death was seen by an earlier step
      await assert.rejects(expectReady(ctx), (error) => error instanceof StepFailure && /pad is dead .*its last Connection\/State was "ready"/.test(error.message));
      ctx.observations.onSparkplug(padState('DBIRTH', 'ready'));
      assert.match(await expectReady(ctx), /is "ready"/);
    });
  }

  it('does not count what the device said before it died, even since the previous expect (unplug, replug, expect)', async () => {
    const ctx = context();
    ctx.observations.onSparkplug(padState('DBIRTH', 'ready'));
    ctx.observations.onSparkplug(padState('DDATA', 'ready'));
    ctx.observations.onSparkplug(death('DDEATH')); // no expect in between: the start-up values are still "recent"
    await assert.rejects(expectReady(ctx), /pad is dead/);
  });

  it('treats the node the same: its metrics are stale from its NDEATH until its next NBIRTH', async () => {
    const ctx = context();
    const active = (type: 'NBIRTH' | 'NDATA', value: boolean): SparkplugMessage => ({ type, samples: [{ type, name: 'Session/Active', value }], summary: type });
    const expectIdle = () => playExpect({ withinMs: 0, check: { kind: 'sparkplug', metric: 'Session/Active', value: false } }, ctx);
    ctx.observations.onSparkplug(active('NBIRTH', true));
    ctx.observations.onSparkplug(active('NDATA', false));
    ctx.observations.onSparkplug(death('NDEATH'));
    await assert.rejects(expectIdle(), /the node is dead \(NDEATH\); its last Session\/Active was false/);
    ctx.observations.onSparkplug(active('NBIRTH', false));
    assert.match(await expectIdle(), /Session\/Active is false/);
  });
});
