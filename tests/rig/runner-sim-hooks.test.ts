/**
 * The sim.* control commands booth-rig's device and person steps use, on the in-process
 * simulators: each does to the simulated hardware what its step says, and refuses bad arguments.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { systemClock } from '../../hal/clock.ts';
import type { AnyDevice } from '../../hal/index.ts';
import { simControlCommands } from '../../simulator/control-hooks.ts';
import { SimCamera, simCameraProps } from '../../simulator/devices/sim-camera.ts';
import { SimFingerprintScanner, simFingerprintProps } from '../../simulator/devices/sim-fingerprint.ts';

async function simulatedHardware() {
  const context = (id: string, compatible: string) => ({ id, compatible, clock: systemClock });
  const scanner = new SimFingerprintScanner(context('scanner', 'sim,fingerprint'), simFingerprintProps.parse({ latencyMs: 1, placeDelayMs: 0, previewFrames: 0 }));
  const camera = new SimCamera(context('camera', 'sim,camera'), simCameraProps.parse({ latencyMs: 1, width: 240, height: 320 }));
  await scanner.open();
  await camera.open();
  const commands = simControlCommands([scanner, camera] as unknown as AnyDevice[]);
  const sim = (command: string, args: Record<string, unknown> = {}): unknown => {
    const found = commands.find((entry) => entry.command === command);
    assert.ok(found, `no ${command}`);
    return found.handler(args);
  };
  return { scanner, camera, sim, close: () => Promise.all([scanner.close(), camera.close()]) };
}

describe('sim hooks for booth-rig steps', () => {
  it('sim.finger-quality, sim.wrong-hand and sim.fingers-missing change what the scanner captures', async () => {
    const { scanner, sim, close } = await simulatedHardware();
    try {
      await sim('sim.finger-quality', { quality: 12 });
      await sim('sim.fingers-missing', { fingers: [3, 4] });
      const first = await scanner.captureSlap('right-four');
      assert.deepEqual(first.fingers.map((finger) => [finger.position, finger.quality]), [[2, 12], [5, 12]]);
      await sim('sim.fingers-missing', { fingers: [] });
      await sim('sim.wrong-hand', { wrong: true });
      const second = await scanner.captureSlap('right-four');
      assert.deepEqual(second.fingers.map((finger) => finger.position), [7, 8, 9, 10]);
      assert.throws(() => sim('sim.finger-quality', { quality: 101 }), /args\.quality must be an integer 0\.\.100; got 101/);
      assert.throws(() => sim('sim.fingers-missing', { fingers: [11] }), /args\.fingers must be a list of finger positions 1\.\.10/);
    } finally {
      await close();
    }
  });

  it('sim.face puts a different subject in front of the camera', async () => {
    const { camera, sim, close } = await simulatedHardware();
    try {
      await sim('sim.face', { subject: 'eyes-closed' });
      assert.equal((await camera.capture()).checks.eyesOpen, false);
      await sim('sim.face', { subject: 'turned' });
      const turned = (await camera.capture()).checks;
      assert.deepEqual([turned.eyesOpen, turned.frontalPose], [false, false], 'a subject change keeps what it does not name');
      await sim('sim.face', { subject: 'absent' });
      assert.equal((await camera.capture()).checks.faceFound, false);
      await sim('sim.face', { subject: 'ok' });
      const ok = (await camera.capture()).checks;
      assert.deepEqual([ok.faceFound, ok.eyesOpen, ok.frontalPose, ok.exposureOk], [true, true, true, true]);
      assert.throws(() => sim('sim.face', { subject: 'smiling' }), /args\.subject must be one of ok, present, absent, eyes-closed, turned, badly-lit/);
    } finally {
      await close();
    }
  });

  it('sim.fail-next, sim.hang and sim.latency make the named device misbehave once or from now on', async () => {
    const { camera, sim, close } = await simulatedHardware();
    try {
      await sim('sim.fail-next', { device: 'camera', code: 'EIO' });
      await assert.rejects(camera.capture(), { code: 'EIO' });
      assert.equal((await camera.capture()).checks.faceFound, true, 'only the next command fails');
      await sim('sim.hang', { device: 'camera' });
      await assert.rejects(camera.capture({ timeoutMs: 100 }), { code: 'ETIMEDOUT' });
      await sim('sim.latency', { device: 'camera', latencyMs: 300 });
      await assert.rejects(camera.capture({ timeoutMs: 100 }), { code: 'ETIMEDOUT' });
      assert.throws(() => sim('sim.fail-next', { device: 'camera', code: 'EPERM' }), /args\.code must be one of ETIMEDOUT, ENODEV, EBUSY, EBADMSG, ENOTSUP, EIO, ECANCELED; got "EPERM"/);
      assert.throws(() => sim('sim.latency', { device: 'toaster', latencyMs: 1 }), /args\.device must name a simulated device \(scanner, camera\)/);
    } finally {
      await close();
    }
  });
});
