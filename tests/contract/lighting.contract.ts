/** Lighting contract: per-channel levels, scenes, and clear errors for bad channels and levels. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isDeviceError, type Lighting } from '../../hal/index.ts';
import { nextEvent } from '../support/wait.ts';
import { openedHarness, type HarnessFactory } from './harness.ts';
import { lifecycleContract } from './lifecycle.contract.ts';

export function lightingContract(name: string, factory: HarnessFactory<Lighting, object>): void {
  lifecycleContract(name, factory, (device, options) => device.levels(options));

  describe(`${name}: lighting contract`, () => {
    const opened = openedHarness(factory);

    it('sets a channel level and reports it back with an event', async () => {
      const { device } = opened();
      const channel = device.channels[0] as string;
      const event = nextEvent<[string, number]>(device, 'level');
      await device.setLevel(channel, 55);
      assert.deepEqual(await event, [channel, 55]);
      assert.equal((await device.levels())[channel], 55);
    });

    it('applies a scene to its channels', async () => {
      const { device } = opened();
      assert.ok(device.scenes.includes('portrait') && device.scenes.includes('off'));
      await device.setScene('portrait');
      const portrait = await device.levels();
      assert.ok(Object.values(portrait).some((level) => level > 0), 'portrait scene turned nothing on');
      await device.setScene('off');
      assert.ok(Object.values(await device.levels()).every((level) => level === 0));
    });

    it('rejects an unknown channel or scene with ENOTSUP and a level outside 0–100 with EBADMSG', async () => {
      const { device } = opened();
      await assert.rejects(device.setLevel('no-such-channel', 10), (error) => isDeviceError(error, 'ENOTSUP'));
      await assert.rejects(device.setScene('disco'), (error) => isDeviceError(error, 'ENOTSUP') && /disco/.test(error.message));
      await assert.rejects(device.setLevel(device.channels[0] as string, 150), (error) => isDeviceError(error, 'EBADMSG'));
      await assert.rejects(device.setLevel(device.channels[0] as string, Number.NaN), (error) => isDeviceError(error, 'EBADMSG'));
    });
  });
}
