/**
 * The rules every device of every class keeps (hal/device.ts): ENODEV before open, idempotent
 * open, EBUSY for a second command, ETIMEDOUT and ECANCELED that leave the device usable,
 * hardware failures reported with their code, `lost` on unplug and recovery by re-opening.
 */
import assert from 'node:assert/strict';
import type { EventEmitter } from 'node:events';
import { after, before, describe, it } from 'node:test';
import { DEVICE_CLASSES, isDeviceError, type AnyDevice } from '../../hal/index.ts';
import { nextEvent } from '../support/wait.ts';
import type { Harness, HarnessFactory, Probe } from './harness.ts';

export function lifecycleContract<D extends AnyDevice, H>(name: string, factory: HarnessFactory<D, H>, probe: Probe<D>): void {
  describe(`${name}: device lifecycle contract`, () => {
    let harness: Harness<D, H>;
    before(async () => {
      harness = await factory();
    });
    after(async () => {
      await harness.device.close();
      await harness.cleanup();
    });

    it('declares a known class, a compatible and a capability list', () => {
      const { device } = harness;
      assert.ok(DEVICE_CLASSES.includes(device.deviceClass));
      assert.match(device.compatible, /^[a-z0-9-]+,[a-z0-9-]+$/);
      assert.ok(device.capabilities.size > 0, 'capability list is empty');
    });

    it('rejects I/O with ENODEV before open and reports unhealthy', async () => {
      assert.equal(harness.device.state, 'closed');
      await assert.rejects(probe(harness.device), (error) => isDeviceError(error, 'ENODEV'));
      const health = await harness.device.health();
      assert.equal(health.ok, false);
      assert.equal(health.state, 'closed');
    });

    it('opens, identifies itself, is healthy, and open again is harmless', async () => {
      const info = await harness.device.open({ timeoutMs: 5000 });
      assert.ok(info.model.length > 0 && info.serial.length > 0 && info.firmware.length > 0);
      assert.equal(harness.device.state, 'ready');
      assert.equal((await harness.device.health()).ok, true);
      await harness.device.open({ timeoutMs: 5000 });
      assert.equal(harness.device.state, 'ready');
      await probe(harness.device, { timeoutMs: 5000 });
    });

    it('answers EBUSY to a second command while one is in flight, then serves the next one', async () => {
      harness.hooks.hangNextCommand();
      const first = probe(harness.device, { timeoutMs: 300 });
      await assert.rejects(probe(harness.device, { timeoutMs: 300 }), (error) => isDeviceError(error, 'EBUSY'));
      await assert.rejects(first, (error) => isDeviceError(error, 'ETIMEDOUT'));
      await probe(harness.device, { timeoutMs: 5000 });
    });

    it('rejects with ETIMEDOUT when the hardware never answers, and stays usable', async () => {
      harness.hooks.hangNextCommand();
      await assert.rejects(probe(harness.device, { timeoutMs: 100 }), (error) => isDeviceError(error, 'ETIMEDOUT'));
      assert.equal(harness.device.state, 'ready');
      assert.equal((await harness.device.health()).lastError?.code, 'ETIMEDOUT');
      await probe(harness.device, { timeoutMs: 5000 });
    });

    it('rejects with ECANCELED when the caller aborts, and stays usable', async () => {
      harness.hooks.hangNextCommand();
      const controller = new AbortController();
      const pending = probe(harness.device, { timeoutMs: 5000, signal: controller.signal });
      controller.abort();
      await assert.rejects(pending, (error) => isDeviceError(error, 'ECANCELED'));
      await assert.rejects(probe(harness.device, { signal: AbortSignal.abort() }), (error) => isDeviceError(error, 'ECANCELED'));
      await probe(harness.device, { timeoutMs: 5000 });
    });

    it('reports a hardware failure with its code and the device id', async () => {
      harness.hooks.failNextCommand('EIO');
      await assert.rejects(probe(harness.device, { timeoutMs: 5000 }), (error) => {
        assert.ok(isDeviceError(error, 'EIO'));
        assert.equal(error.deviceId, harness.device.id);
        return true;
      });
      await probe(harness.device, { timeoutMs: 5000 });
    });

    it('emits lost once when unplugged, answers ENODEV, and recovers by re-opening after replug', async () => {
      const emitter = harness.device as unknown as EventEmitter;
      let lostCount = 0;
      const countLost = () => void (lostCount += 1);
      emitter.on('lost', countLost);
      const lost = nextEvent<[Error]>(emitter, 'lost', 2000);
      await harness.hooks.unplug();
      const [error] = await lost;
      assert.ok(isDeviceError(error, 'ENODEV'));
      assert.equal(harness.device.state, 'lost');
      await assert.rejects(probe(harness.device, { timeoutMs: 500 }), (e) => isDeviceError(e, 'ENODEV'));
      assert.equal((await harness.device.health()).ok, false);
      await assert.rejects(harness.device.open({ timeoutMs: 300 }), (e) => isDeviceError(e, 'ENODEV') || isDeviceError(e, 'ETIMEDOUT'));
      await harness.hooks.replug();
      await harness.device.open({ timeoutMs: 5000 });
      assert.equal(harness.device.state, 'ready');
      await probe(harness.device, { timeoutMs: 5000 });
      emitter.off('lost', countLost);
      assert.equal(lostCount, 1);
    });

    it('closes, then answers ENODEV again', async () => {
      await harness.device.close();
      assert.equal(harness.device.state, 'closed');
      await assert.rejects(probe(harness.device), (error) => isDeviceError(error, 'ENODEV'));
      await harness.device.close();
    });
  });
}
