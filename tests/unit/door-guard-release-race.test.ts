/**
 * Two releases of the DoorGuard while the first unlock is still on its way (a device is lost and
 * the session ends for it at the same moment — what booth-rig's wire booth showed, where the
 * Firmata lock's unlock takes a round trip): the second unlock pre-empts the first, and the first
 * release must then count the newer unlock as its own, not audit `door.release-failed` ECANCELED
 * for a door that was released.
 */
import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { systemClock } from '../../hal/clock.ts';
import type { IoOptions } from '../../hal/device.ts';
import type { DoorStatus } from '../../hal/door-lock.ts';
import type { DeviceManager } from '../../runtime/devices/device-manager.ts';
import { DoorGuard } from '../../runtime/safety/door-guard.ts';
import { SimDoorLock } from '../../simulator/devices/sim-door-lock.ts';
import { memoryLogger } from '../support/memory-logger.ts';

const dir = mkdtempSync(join(tmpdir(), 'door-guard-race-'));
after(() => rmSync(dir, { recursive: true, force: true }));

/** A lock whose unlock takes a round trip, like the Firmata lock's (a relay write, then the bolt sensor's report). */
class SlowUnlockDoor extends SimDoorLock {
  override unlock(options?: IoOptions): Promise<DoorStatus> {
    return this.command('unlock', options, { timeoutMs: 2000, preempt: true }, (signal) => this.roundTrip(signal, () => undefined)).then(() => super.unlock(options));
  }
}

describe('DoorGuard releases that overlap', () => {
  it('audits both as door.released (the pre-empted one with its own reason), none as failed', async () => {
    const door = new SlowUnlockDoor({ id: 'door', compatible: 'sim,door-lock', clock: systemClock }, { stateFile: join(dir, 'door.json'), latencyMs: 40, serial: 'T-LOCK' });
    await door.open();
    const manager = Object.assign(new EventEmitter(), { devices: [door] }) as unknown as DeviceManager;
    const audit: Array<{ event: string; fields: Record<string, unknown> }> = [];
    const guard = new DoorGuard({
      manager,
      clock: systemClock,
      audit: { record: (event, fields = {}) => audit.push({ event, fields: fields as Record<string, unknown> }) },
      logger: memoryLogger().logger,
      maxLockSeconds: 60,
      lockTimeoutMs: 1000,
    });
    await guard.lock('session 1');
    assert.equal((await door.status()).bolt, 'locked');

    await Promise.all([guard.release('device lost: scanner ENODEV'), guard.release('session escalated: device fault: scanner ENODEV')]);

    const releases = audit.filter((entry) => entry.event.startsWith('door.release'));
    assert.deepEqual(
      releases.map((entry) => [entry.event, entry.fields.reason, entry.fields.was, entry.fields.bolt]).sort((a, b) => String(a[1]).localeCompare(String(b[1]))),
      [
        ['door.released', 'device lost: scanner ENODEV', 'locked', 'unlocked'],
        ['door.released', 'session escalated: device fault: scanner ENODEV', 'released', 'unlocked'],
      ],
    );
    assert.equal((await door.status()).bolt, 'unlocked');
    guard.dispose();
    await door.close();
  });

  it('still audits a failed release when the unlock itself fails', async () => {
    // Never opened: its unlock fails with ENODEV.
    const door = new SimDoorLock({ id: 'door2', compatible: 'sim,door-lock', clock: systemClock }, { stateFile: join(dir, 'door2.json'), latencyMs: 5, serial: 'T-LOCK2' });
    const manager = Object.assign(new EventEmitter(), { devices: [door] }) as unknown as DeviceManager;
    const audit: string[] = [];
    const guard = new DoorGuard({ manager, clock: systemClock, audit: { record: (event) => audit.push(event) }, logger: memoryLogger().logger, maxLockSeconds: 60, lockTimeoutMs: 1000 });
    await Promise.all([guard.release('exit button'), guard.release('fire alarm')]);
    assert.deepEqual(audit, ['door.release-failed', 'door.release-failed']);
    guard.dispose();
  });
});
