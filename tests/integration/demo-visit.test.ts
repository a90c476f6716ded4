/** The scripted visit `make run` plays, on a whole simulated booth in fake time. */
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { DemoVisit } from '../../simulator/scenarios/demo-visit.ts';
import type { SimDoorLock } from '../../simulator/devices/sim-door-lock.ts';
import { ALL_SIM_DEVICES_YAML, boothFixture } from '../support/booth-fixture.ts';

describe('demo visit', () => {
  const fixture = boothFixture({ devicesYaml: ALL_SIM_DEVICES_YAML });
  after(() => fixture.cleanup());

  it('locks the door for the visit, captures every biometric, releases and leaves', async () => {
    const { booth, clock } = fixture;
    await clock.drive(booth.start());
    const demo = new DemoVisit(booth.devices.devices, { clock, logger: fixture.booth.logger, door: booth.door, once: true });
    demo.start();
    await clock.drive(demo.finished, 120_000, 20);
    assert.equal(demo.visits, 1);
    assert.equal(fixture.sim<SimDoorLock>('door').physicalBolt, 'unlocked');
    const doorEvents = fixture.audit().filter((entry) => entry.event.startsWith('door.')).map((entry) => `${entry.event}:${entry.reason}`);
    assert.deepEqual(doorEvents, ['door.released:startup', 'door.locked:demo visit', 'door.released:demo visit finished']);
    const captures = fixture.lines.map((line) => line.msg).filter((msg) => msg.startsWith('captured'));
    assert.equal(captures.length, 5, captures.join('\n'));
    assert.match(captures[0] ?? '', /^captured right-four slap 1600x1500 at 500 ppi, quality \[2:\d+ 3:\d+ 4:\d+ 5:\d+\]$/);
    assert.match(captures[3] ?? '', /^captured portrait 1200x1600 JPEG/);
    assert.match(captures[4] ?? '', /^captured signature: \d+ pen samples$/);
  });
});
