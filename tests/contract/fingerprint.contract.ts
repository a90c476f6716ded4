/**
 * Fingerprint scanner contract: 4-4-2 slaps at 500 ppi with segmentation and per-finger quality,
 * preview while placing, what the scanner reports when the person gets it wrong, liveness,
 * flat/rolled fingers and palms.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isDeviceError, type FingerCapture, type FingerPosition, type FingerprintScanner, type PreviewFrame } from '../../hal/index.ts';
import { openedHarness, type HarnessFactory } from './harness.ts';
import { lifecycleContract } from './lifecycle.contract.ts';

export interface FingerprintHooks {
  setFingerQuality(finger: FingerPosition, quality: number): void;
  setAllFingersQuality(quality: number): void;
  setPersonPlaces(places: boolean): void;
  setWrongHand(wrong: boolean): void;
  setFingerMissing(finger: FingerPosition, missing: boolean): void;
  duplicateFingerOnce(finger: FingerPosition): void;
  setSpoof(spoof: boolean): void;
}

function assertImage(capture: FingerCapture, width: number, height: number): void {
  assert.equal(capture.image.ppi, 500);
  assert.equal(capture.image.width, width);
  assert.equal(capture.image.height, height);
  assert.equal(capture.image.pixels.length, width * height);
  for (const finger of capture.fingers) {
    const { x, y, width: w, height: h } = finger.box;
    assert.ok(x >= 0 && y >= 0 && x + w <= width && y + h <= height, `finger ${finger.position} box outside the image`);
    assert.ok(finger.quality >= 0 && finger.quality <= 100);
  }
}

export function fingerprintContract(name: string, factory: HarnessFactory<FingerprintScanner, FingerprintHooks>): void {
  lifecycleContract(name, factory, (device, options) => device.captureFlat(2, options));

  describe(`${name}: fingerprint scanner contract`, () => {
    const opened = openedHarness(factory);

    it('captures the three 4-4-2 slaps at 500 ppi with each finger segmented', async () => {
      const { device } = opened();
      const right = await device.captureSlap('right-four', { timeoutMs: 10_000 });
      assertImage(right, 1600, 1500);
      assert.deepEqual(right.fingers.map((f) => f.position).sort(), [2, 3, 4, 5]);
      assert.equal(right.hand, 'right');
      const left = await device.captureSlap('left-four', { timeoutMs: 10_000 });
      assert.deepEqual(left.fingers.map((f) => f.position).sort(), [10, 7, 8, 9].sort());
      assert.equal(left.hand, 'left');
      const thumbs = await device.captureSlap('two-thumbs', { timeoutMs: 10_000 });
      assertImage(thumbs, 1600, 1500);
      assert.deepEqual(thumbs.fingers.map((f) => f.position).sort(), [1, 6]);
      assert.equal(right.liveness.live, true);
    });

    it('reports the quality of each finger, and a worse finger really looks worse', async () => {
      const { device, hooks } = opened();
      hooks.setAllFingersQuality(70);
      hooks.setFingerQuality(2, 90);
      hooks.setFingerQuality(5, 8);
      const capture = await device.captureSlap('right-four', { timeoutMs: 10_000 });
      const byPosition = new Map(capture.fingers.map((f) => [f.position, f]));
      assert.equal(byPosition.get(2)?.quality, 90);
      assert.equal(byPosition.get(5)?.quality, 8);
      const contrast = (position: FingerPosition) => boxContrast(capture, byPosition.get(position)!.box);
      assert.ok(contrast(2) > contrast(5), `ridge contrast ${contrast(2)} (q90) not above ${contrast(5)} (q8)`);
      hooks.setAllFingersQuality(70);
    });

    it('streams preview frames while the hand is placed', async () => {
      const frames: PreviewFrame[] = [];
      const onPreview = (frame: PreviewFrame) => frames.push(frame);
      opened().device.on('preview', onPreview);
      await opened().device.captureSlap('two-thumbs', { timeoutMs: 10_000 });
      opened().device.off('preview', onPreview);
      assert.ok(frames.length >= 1, 'no preview frame');
      const frame = frames[0]!;
      assert.ok(frame.image.width < 1600 && frame.image.pixels.length === frame.image.width * frame.image.height);
      assert.deepEqual(frame.fingers.map((f) => f.position).sort(), [1, 6]);
    });

    it('reports the wrong hand, a missing finger and a finger placed twice as the scanner sees them', async () => {
      const { device, hooks } = opened();
      hooks.setWrongHand(true);
      const wrong = await device.captureSlap('right-four', { timeoutMs: 10_000 });
      hooks.setWrongHand(false);
      assert.equal(wrong.hand, 'left');
      assert.deepEqual(wrong.fingers.map((f) => f.position).sort(), [10, 7, 8, 9].sort());

      hooks.setFingerMissing(4, true);
      const missing = await device.captureSlap('right-four', { timeoutMs: 10_000 });
      hooks.setFingerMissing(4, false);
      assert.deepEqual(missing.fingers.map((f) => f.position).sort(), [2, 3, 5]);

      hooks.duplicateFingerOnce(2);
      const twice = await device.captureSlap('right-four', { timeoutMs: 10_000 });
      assert.equal(twice.fingers.filter((f) => f.position === 2).length, 2);
    });

    it('flags a fake finger as not live', async () => {
      opened().hooks.setSpoof(true);
      const capture = await opened().device.captureFlat(7, { timeoutMs: 10_000 });
      opened().hooks.setSpoof(false);
      assert.equal(capture.liveness.live, false);
      assert.ok(capture.liveness.score < 50);
    });

    it('times out when nobody places a hand, and captures again afterwards', async () => {
      opened().hooks.setPersonPlaces(false);
      await assert.rejects(opened().device.captureSlap('left-four', { timeoutMs: 200 }), (error) => isDeviceError(error, 'ETIMEDOUT'));
      opened().hooks.setPersonPlaces(true);
      const capture = await opened().device.captureSlap('left-four', { timeoutMs: 10_000 });
      assert.equal(capture.fingers.length, 4);
    });

    it('captures flat and rolled fingers and palms when it has the capability', async () => {
      const { device } = opened();
      const flat = await device.captureFlat(3, { timeoutMs: 10_000 });
      assert.equal(flat.kind, 'flat');
      assert.deepEqual(flat.fingers.map((f) => f.position), [3]);
      if (device.capabilities.has('rolled')) assert.equal((await device.captureRolled(3, { timeoutMs: 10_000 })).kind, 'rolled');
      else await assert.rejects(device.captureRolled(3), (error) => isDeviceError(error, 'ENOTSUP'));
      if (device.capabilities.has('palm')) {
        const palm = await device.capturePalm('right-full', { timeoutMs: 10_000 });
        assert.equal(palm.image.ppi, 500);
        assert.ok(palm.image.width >= 1500 && palm.image.height >= 1500, `palm ${palm.image.width}x${palm.image.height}`);
        assert.equal(palm.image.pixels.length, palm.image.width * palm.image.height);
      } else {
        await assert.rejects(device.capturePalm('right-full'), (error) => isDeviceError(error, 'ENOTSUP'));
      }
    });
  });
}

/** Standard deviation of the pixels in a box: ridges against valleys. */
function boxContrast(capture: FingerCapture, box: { x: number; y: number; width: number; height: number }): number {
  const { width, pixels } = capture.image;
  let sum = 0;
  let squares = 0;
  let count = 0;
  for (let y = box.y; y < box.y + box.height; y += 2) {
    for (let x = box.x; x < box.x + box.width; x += 2) {
      const value = pixels[y * width + x]!;
      sum += value;
      squares += value * value;
      count += 1;
    }
  }
  const mean = sum / count;
  return Math.sqrt(squares / count - mean * mean);
}
