/**
 * Every in-process door-release trigger, each proved on the simulated lock's physical bolt and
 * in the audit log: start-up, exit button, fire alarm (and refusal while active), another
 * device's fault or loss, the maximum lock time, and the lock itself disappearing.
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, it } from 'node:test';
import type { SimDoorLock } from '../../simulator/devices/sim-door-lock.ts';
import type { SimLighting } from '../../simulator/devices/sim-lighting.ts';
import type { SimSensors } from '../../simulator/devices/sim-sensors.ts';
import { LockRefusedError } from '../../runtime/safety/door-guard.ts';
import { boothFixture, type BoothFixture } from '../support/booth-fixture.ts';

let fixture: BoothFixture | undefined;
afterEach(async () => {
  await fixture?.cleanup();
  fixture = undefined;
});

async function startedBooth(options: Parameters<typeof boothFixture>[0] = {}): Promise<BoothFixture> {
  fixture = boothFixture(options);
  await fixture.clock.drive(fixture.booth.start());
  return fixture;
}

async function lockedBooth(options: Parameters<typeof boothFixture>[0] = {}): Promise<BoothFixture> {
  const f = await startedBooth(options);
  await f.clock.drive(f.booth.door.lock('test session'));
  assert.equal(f.sim<SimDoorLock>('door').physicalBolt, 'locked');
  assert.equal(f.booth.door.state, 'locked');
  return f;
}

function lastRelease(f: BoothFixture): string | undefined {
  return f.audit().filter((entry) => entry.event === 'door.released').at(-1)?.reason as string | undefined;
}

/** Waits (in fake time) for the audited release with `reason`, then checks the physical bolt. */
async function expectReleased(f: BoothFixture, reason: string): Promise<void> {
  await f.clock.advanceUntil(() => lastRelease(f) === reason, 1000);
  assert.equal(f.sim<SimDoorLock>('door').physicalBolt, 'unlocked');
  assert.equal(f.booth.door.state, 'released');
}

describe('door safety', () => {
  it('releases a lock left locked by a previous run before opening any other device', async () => {
    const stateDir = mkdtempSync(join(tmpdir(), 'booth-'));
    mkdirSync(join(stateDir, 'sim'));
    writeFileSync(join(stateDir, 'sim', 'door.json'), JSON.stringify({ bolt: 'locked', contact: 'closed' }));
    const f = await startedBooth({ stateDir });
    assert.equal(f.sim<SimDoorLock>('door').physicalBolt, 'unlocked');
    const releasedAt = f.lines.findIndex((line) => line.event === 'door.released' && line.reason === 'startup');
    const firstOtherReady = f.lines.findIndex((line) => /^(lights|sensors) ready/.test(line.msg));
    assert.ok(releasedAt >= 0, 'no start-up release in the log');
    assert.ok(firstOtherReady > releasedAt, 'another device was opened before the door was released');
    // Nothing but the start-up records and the door lock's own opening comes before the release.
    assert.deepEqual(
      f.audit().map((entry) => `${entry.event}${entry.device ? `:${String(entry.device)}` : ''}`).slice(0, 4),
      ['boothd.starting', 'config.loaded', 'device.ready:door', 'door.released'],
    );
  });

  it('releases on the exit button', async () => {
    const f = await lockedBooth();
    f.sim<SimSensors>('sensors').pressExitButton();
    await expectReleased(f, 'exit button');
    assert.equal(f.booth.door.state, 'released');
  });

  it('releases on the fire alarm and refuses to lock until it clears', async () => {
    const f = await lockedBooth();
    const sensors = f.sim<SimSensors>('sensors');
    sensors.setFireAlarm(true);
    await expectReleased(f, 'fire alarm');
    await assert.rejects(f.clock.drive(f.booth.door.lock('next person')), LockRefusedError);
    assert.equal(f.audit().at(-1)?.event, 'door.lock-refused');
    assert.equal(f.sim<SimDoorLock>('door').physicalBolt, 'unlocked');
    sensors.setFireAlarm(false);
    await f.clock.drive(f.booth.door.lock('next person'));
    assert.equal(f.sim<SimDoorLock>('door').physicalBolt, 'locked');
  });

  it('releases when another device faults', async () => {
    const f = await lockedBooth();
    f.sim<SimLighting>('lights').raiseFault('EIO', 'lamp driver overheated');
    await expectReleased(f, 'device fault: lights EIO');
  });

  it('releases when another device disappears, and reopens it with backoff', async () => {
    const f = await lockedBooth();
    const lights = f.sim<SimLighting>('lights');
    lights.unplug();
    await expectReleased(f, 'device lost: lights ENODEV');
    await f.clock.advance(2000);
    assert.notEqual(lights.state, 'ready', 'reopened while still unplugged');
    const retrying = (await f.booth.devices.health()).find((device) => device.id === 'lights');
    assert.ok((retrying?.failedOpens ?? 0) >= 2, `only ${retrying?.failedOpens} reopen attempts in 2 s`);
    assert.equal(retrying?.lastError?.code, 'ENODEV');
    assert.ok(retrying?.nextRetryAt, 'no retry scheduled');
    lights.replug();
    await f.clock.advanceUntil(() => lights.state === 'ready', 5000);
    const health = await f.booth.devices.health();
    assert.equal(health.find((device) => device.id === 'lights')?.ok, true);
  });

  it('releases after maxLockSeconds and not a moment before', async () => {
    const f = await lockedBooth({ maxLockSeconds: 30 });
    await f.clock.advance(29_900);
    assert.equal(f.sim<SimDoorLock>('door').physicalBolt, 'locked');
    await expectReleased(f, 'max lock time reached');
  });

  it('is fail-safe when the lock itself is lost, and releases again when it comes back', async () => {
    const f = await lockedBooth();
    const door = f.sim<SimDoorLock>('door');
    door.unplug();
    assert.equal(door.physicalBolt, 'unlocked');
    await f.clock.advance(10);
    assert.equal(f.booth.door.state, 'released');
    await assert.rejects(f.clock.drive(f.booth.door.lock('while lost')), LockRefusedError);
    door.replug();
    await f.clock.advanceUntil(() => door.state === 'ready', 5000);
    await f.clock.advanceUntil(() => lastRelease(f) === 'door lock door connected', 1000);
  });

  it('audits every transition: lock, release, refusal', async () => {
    const f = await lockedBooth();
    await f.clock.drive(f.booth.door.release('test done'));
    const events = f.audit().map((entry) => `${entry.event}:${entry.reason ?? ''}`);
    assert.deepEqual(events.slice(-2), ['door.locked:test session', 'door.released:test done']);
  });
});
