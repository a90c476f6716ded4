/** Camera contract: a real JPEG of the promised size, SDK portrait checks, exposure, preview. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isDeviceError, type Camera } from '../../hal/index.ts';
import { nextEvent } from '../support/wait.ts';
import { openedHarness, type HarnessFactory } from './harness.ts';
import { lifecycleContract } from './lifecycle.contract.ts';

export interface CameraHooks {
  setSubject(subject: { present?: boolean; eyesOpen?: boolean; frontal?: boolean; lightingStops?: number }): void;
}

/** Reads width and height from the SOF0 segment of a JPEG file; fails on anything else. */
export function jpegSize(jpeg: Uint8Array): { width: number; height: number } {
  assert.deepEqual([jpeg[0], jpeg[1]], [0xff, 0xd8], 'no SOI marker');
  assert.deepEqual([jpeg.at(-2), jpeg.at(-1)], [0xff, 0xd9], 'no EOI marker');
  let offset = 2;
  while (offset + 4 <= jpeg.length) {
    assert.equal(jpeg[offset], 0xff, `no marker at byte ${offset}`);
    const marker = jpeg[offset + 1]!;
    const length = (jpeg[offset + 2]! << 8) | jpeg[offset + 3]!;
    if (marker === 0xc0) {
      return { height: (jpeg[offset + 5]! << 8) | jpeg[offset + 6]!, width: (jpeg[offset + 7]! << 8) | jpeg[offset + 8]! };
    }
    offset += 2 + length;
  }
  assert.fail('no SOF0 (baseline) frame header');
}

export function cameraContract(name: string, factory: HarnessFactory<Camera, CameraHooks>): void {
  lifecycleContract(name, factory, (device, options) => device.setExposure({ mode: 'auto' }, options));

  describe(`${name}: camera contract`, () => {
    const opened = openedHarness(factory);

    it('captures a portrait as a baseline JPEG of at least 1200x1600 that passes the checks', async () => {
      const portrait = await opened().device.capture({ timeoutMs: 10_000 });
      assert.deepEqual(jpegSize(portrait.jpeg), { width: portrait.width, height: portrait.height });
      assert.ok(portrait.width >= 1200 && portrait.height >= 1600);
      assert.equal(portrait.checks.faceFound, true);
      assert.equal(portrait.checks.eyesOpen, true);
      assert.equal(portrait.checks.frontalPose, true);
      assert.equal(portrait.checks.exposureOk, true);
      assert.ok((portrait.checks.eyeDistancePx ?? 0) >= 90, `eye distance ${portrait.checks.eyeDistancePx}`);
    });

    it('reports closed eyes, a turned head and an absent face', async () => {
      const { device, hooks } = opened();
      hooks.setSubject({ eyesOpen: false });
      assert.equal((await device.capture({ timeoutMs: 10_000 })).checks.eyesOpen, false);
      hooks.setSubject({ eyesOpen: true, frontal: false });
      assert.equal((await device.capture({ timeoutMs: 10_000 })).checks.frontalPose, false);
      hooks.setSubject({ frontal: true, present: false });
      assert.equal((await device.capture({ timeoutMs: 10_000 })).checks.faceFound, false);
      hooks.setSubject({ present: true });
    });

    it('lets manual exposure fix a badly lit room and rejects an EV outside ±3', async () => {
      const { device, hooks } = opened();
      hooks.setSubject({ lightingStops: -1.5 });
      await device.setExposure({ mode: 'manual', ev: 0 });
      assert.equal((await device.capture({ timeoutMs: 10_000 })).checks.exposureOk, false);
      await device.setExposure({ mode: 'manual', ev: 1.5 });
      assert.equal((await device.capture({ timeoutMs: 10_000 })).checks.exposureOk, true);
      await assert.rejects(device.setExposure({ mode: 'manual', ev: 9 }), (error) => isDeviceError(error, 'EBADMSG'));
      await device.setExposure({ mode: 'auto' });
      hooks.setSubject({ lightingStops: 0 });
    });

    it('streams JPEG preview frames while preview is on, and stops', async () => {
      const { device } = opened();
      await device.setPreview(true);
      const [frame] = await nextEvent<[Uint8Array]>(device, 'preview', 5000);
      const size = jpegSize(frame);
      assert.ok(size.width < 1200 && size.width > 0);
      await device.setPreview(false);
      let late = 0;
      const onPreview = () => void (late += 1);
      device.on('preview', onPreview);
      await new Promise((resolve) => setTimeout(resolve, 600));
      device.off('preview', onPreview);
      assert.equal(late, 0, 'preview frames after setPreview(false)');
    });
  });
}
