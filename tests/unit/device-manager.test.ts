/** The device manager opens what it can, retries what it cannot with backoff + jitter, and says so in health. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { AnyDevice } from '../../hal/index.ts';
import { DeviceManager } from '../../runtime/devices/device-manager.ts';
import { SimLighting, simLightingProps } from '../../simulator/devices/sim-lighting.ts';
import { SimSensors, simSensorsProps } from '../../simulator/devices/sim-sensors.ts';
import { FakeClock } from '../support/fake-clock.ts';
import { memoryLogger } from '../support/memory-logger.ts';

function setup() {
  const clock = new FakeClock();
  const lights = new SimLighting({ id: 'lights', compatible: 'sim,lighting', clock }, simLightingProps.parse({ latencyMs: 1 }));
  const sensors = new SimSensors({ id: 'sensors', compatible: 'sim,sensors', clock }, simSensorsProps.parse({ latencyMs: 1 }));
  const manager = new DeviceManager({
    devices: [lights, sensors] as AnyDevice[],
    clock,
    logger: memoryLogger().logger,
    backoff: { initialMs: 1000, maxMs: 8000, jitter: 0.5 },
    random: () => 1, // the shortest jittered delay: half the exponential value
  });
  return { clock, lights, sensors, manager };
}

describe('device manager', () => {
  it('opens the healthy devices while a missing one is retried with growing, jittered delays', async () => {
    const { clock, lights, sensors, manager } = setup();
    lights.unplug(); // not there from the start
    const retries: number[] = [];
    let lastFailureAt = 0;
    manager.on('open-failed', (_device, _error, retryInMs) => {
      retries.push(retryInMs);
      lastFailureAt = clock.now();
    });
    let allReady = 0;
    manager.on('all-ready', () => void (allReady += 1));
    await clock.drive(manager.openAll());
    assert.equal(sensors.state, 'ready');
    assert.notEqual(lights.state, 'ready');
    await clock.advance(500 + 1000 + 2000 + 5);
    assert.deepEqual(retries, [500, 1000, 2000, 4000]);
    const health = (await clock.drive(manager.health())).find((device) => device.id === 'lights');
    assert.equal(health?.ok, false);
    assert.equal(health?.failedOpens, 4);
    assert.equal(health?.lastError?.code, 'ENODEV');
    assert.equal(health?.nextRetryAt, lastFailureAt + 4000);
    assert.equal(allReady, 0);

    lights.replug();
    await clock.advanceUntil(() => lights.state === 'ready', 5000);
    assert.equal(allReady, 1);
    assert.equal((await clock.drive(manager.health())).every((device) => device.ok && device.failedOpens === 0), true);
  });

  it('stops retrying once closed', async () => {
    const { clock, lights, manager } = setup();
    lights.unplug();
    await clock.drive(manager.openAll());
    await clock.drive(manager.closeAll());
    lights.replug();
    await clock.advance(60_000);
    assert.equal(lights.state, 'closed');
  });
});
