/** Door lock contract: lock/unlock/status, events, unlock always wins, fail-safe on power loss. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isDeviceError, type BoltState, type DoorLock } from '../../hal/index.ts';
import { nextEvent } from '../support/wait.ts';
import { openedHarness, type HarnessFactory } from './harness.ts';
import { lifecycleContract } from './lifecycle.contract.ts';

export interface DoorLockHooks {
  /** The door is pushed open (while locked: forced entry). */
  openDoor(): void;
  closeDoor(): void;
  /** The bolt stops moving on lock. */
  jamBolt(jammed: boolean): void;
  /** Where the bolt physically is, whatever the driver believes. */
  readonly physicalBolt: BoltState;
}

export function doorLockContract(name: string, factory: HarnessFactory<DoorLock, DoorLockHooks>): void {
  lifecycleContract(name, factory, (device, options) => device.status(options));

  describe(`${name}: door lock contract`, () => {
    const opened = openedHarness(factory);

    it('locks and unlocks, emitting bolt events and moving the real bolt', async () => {
      const { device, hooks } = opened();
      const locked = nextEvent<[BoltState]>(device, 'bolt');
      assert.deepEqual(await device.lock({ timeoutMs: 2000 }), { bolt: 'locked', contact: 'closed' });
      assert.deepEqual(await locked, ['locked']);
      assert.equal(hooks.physicalBolt, 'locked');
      assert.equal((await device.status()).bolt, 'locked');
      const unlocked = nextEvent<[BoltState]>(device, 'bolt');
      assert.equal((await device.unlock()).bolt, 'unlocked');
      assert.deepEqual(await unlocked, ['unlocked']);
      assert.equal(hooks.physicalBolt, 'unlocked');
    });

    it('accepts unlock when already unlocked', async () => {
      assert.equal((await opened().device.unlock()).bolt, 'unlocked');
    });

    it('unlock pre-empts a hung command instead of answering EBUSY', async () => {
      const { device, hooks } = opened();
      hooks.hangNextCommand();
      const hungLock = device.lock({ timeoutMs: 10_000 });
      // Handled from the start: over a real wire the unlock takes a round trip, and the lock's
      // rejection would otherwise count as unhandled meanwhile.
      const lockCancelled = assert.rejects(hungLock, (error) => isDeviceError(error, 'ECANCELED'));
      const status = await device.unlock({ timeoutMs: 1000 });
      assert.equal(status.bolt, 'unlocked');
      await lockCancelled;
      assert.equal(hooks.physicalBolt, 'unlocked');
    });

    it('refuses to lock an open door and when the bolt jams, staying unlocked', async () => {
      const { device, hooks } = opened();
      hooks.openDoor();
      await assert.rejects(device.lock(), (error) => isDeviceError(error, 'EIO'));
      hooks.closeDoor();
      hooks.jamBolt(true);
      await assert.rejects(device.lock(), (error) => isDeviceError(error, 'EIO'));
      hooks.jamBolt(false);
      assert.equal(hooks.physicalBolt, 'unlocked');
    });

    it('reports forced entry when the door opens while locked', async () => {
      const { device, hooks } = opened();
      await device.lock();
      const forced = nextEvent(device, 'forced');
      const contact = nextEvent<[string]>(device, 'contact');
      hooks.openDoor();
      await forced;
      assert.deepEqual(await contact, ['open']);
      await device.unlock();
      hooks.closeDoor();
    });

    it('is fail-safe: losing the device while locked leaves the bolt unlocked', async () => {
      const { device, hooks } = opened();
      await device.lock();
      assert.equal(hooks.physicalBolt, 'locked');
      hooks.unplug();
      assert.equal(hooks.physicalBolt, 'unlocked');
      hooks.replug();
      await device.open({ timeoutMs: 5000 });
      assert.equal((await device.status()).bolt, 'unlocked');
    });
  });
}
