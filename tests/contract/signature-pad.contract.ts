/** Signature pad contract: pen samples, OK / clear / cancel buttons, rendered PNG. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isDeviceError, type PadButton, type PenSample, type SignaturePad } from '../../hal/index.ts';
import { waitFor } from '../support/wait.ts';
import { openedHarness, type HarnessFactory } from './harness.ts';
import { lifecycleContract } from './lifecycle.contract.ts';

export interface SignaturePadHooks {
  setAutoSign(autoSign: boolean): void;
  pen(sample: PenSample): void;
  pressButton(button: PadButton): void;
  readonly prompt: string | undefined;
}

const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

function pngSize(png: Uint8Array): { width: number; height: number } {
  assert.deepEqual([...png.subarray(0, 8)], PNG_SIGNATURE, 'not a PNG file');
  const view = new DataView(png.buffer, png.byteOffset, png.byteLength);
  assert.equal(String.fromCharCode(...png.subarray(12, 16)), 'IHDR');
  return { width: view.getUint32(16), height: view.getUint32(20) };
}

export function signaturePadContract(name: string, factory: HarnessFactory<SignaturePad, SignaturePadHooks>): void {
  lifecycleContract(name, factory, (device, options) => device.clear(options));

  describe(`${name}: signature pad contract`, () => {
    const opened = openedHarness(factory);

    it('collects a signature with pressure samples and renders it as a PNG of the pad size', async () => {
      opened().hooks.setAutoSign(true);
      const pens: PenSample[] = [];
      const onPen = (sample: PenSample) => pens.push(sample);
      opened().device.on('pen', onPen);
      const signature = await opened().device.collect('Sign here', { timeoutMs: 10_000 });
      opened().device.off('pen', onPen);
      assert.ok(signature.samples.length > 50, `only ${signature.samples.length} samples`);
      assert.deepEqual(pens, signature.samples);
      assert.ok(signature.samples.some((sample) => sample.pressure > 0));
      assert.ok(signature.samples.every((s, i, all) => i === 0 || s.t >= (all[i - 1] as PenSample).t), 'time goes backwards');
      assert.deepEqual(pngSize(signature.png), opened().device.size);
    });

    it('shows the prompt, restarts on clear, and finishes on OK', async () => {
      const { device, hooks } = opened();
      hooks.setAutoSign(false);
      const pending = device.collect('Подпишите здесь', { timeoutMs: 5000 });
      await waitFor(() => hooks.prompt === 'Подпишите здесь', 'the prompt on the pad');
      hooks.pen({ x: 10, y: 10, pressure: 500, t: 0 });
      hooks.pressButton('clear');
      await waitFor(() => hooks.prompt !== undefined, 'collect still running');
      hooks.pen({ x: 20, y: 20, pressure: 600, t: 5 });
      hooks.pen({ x: 60, y: 40, pressure: 700, t: 10 });
      hooks.pressButton('ok');
      const signature = await pending;
      assert.deepEqual(
        signature.samples.map((s) => s.x),
        [20, 60],
      );
    });

    it('rejects with ECANCELED when the person presses cancel', async () => {
      const { device, hooks } = opened();
      hooks.setAutoSign(false);
      const pending = device.collect('Sign', { timeoutMs: 5000 });
      await waitFor(() => hooks.prompt !== undefined, 'the prompt on the pad');
      hooks.pressButton('cancel');
      await assert.rejects(pending, (error) => isDeviceError(error, 'ECANCELED'));
    });
  });
}
