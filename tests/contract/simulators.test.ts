/** Runs every class contract against the in-process simulators. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { systemClock } from '../../hal/clock.ts';
import { SimCamera, simCameraProps } from '../../simulator/devices/sim-camera.ts';
import { SimFingerprintScanner, simFingerprintProps } from '../../simulator/devices/sim-fingerprint.ts';
import { SimDocumentReader } from '../../simulator/devices/sim-document-reader.ts';
import { SimDoorLock } from '../../simulator/devices/sim-door-lock.ts';
import { SimLighting, simLightingProps } from '../../simulator/devices/sim-lighting.ts';
import { SimSensors, simSensorsProps } from '../../simulator/devices/sim-sensors.ts';
import { SimSignaturePad, simSignaturePadProps } from '../../simulator/devices/sim-signature-pad.ts';
import { cameraContract } from './camera.contract.ts';
import { fingerprintContract } from './fingerprint.contract.ts';
import { documentReaderContract } from './document-reader.contract.ts';
import { doorLockContract } from './door-lock.contract.ts';
import { lightingContract } from './lighting.contract.ts';
import { sensorsContract } from './sensors.contract.ts';
import { signaturePadContract } from './signature-pad.contract.ts';

const context = (id: string, compatible: string) => ({ id, compatible, clock: systemClock });
const nothingToClean = async () => undefined;

doorLockContract('sim,door-lock', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'sim-lock-'));
  const device = new SimDoorLock(context('door', 'sim,door-lock'), { stateFile: join(dir, 'door.json'), latencyMs: 5, serial: 'T1' });
  return { device, hooks: device, cleanup: async () => rmSync(dir, { recursive: true, force: true }) };
});

lightingContract('sim,lighting', async () => {
  const device = new SimLighting(context('lights', 'sim,lighting'), simLightingProps.parse({ latencyMs: 2 }));
  return { device, hooks: device, cleanup: nothingToClean };
});

sensorsContract('sim,sensors', async () => {
  const device = new SimSensors(context('sensors', 'sim,sensors'), simSensorsProps.parse({ latencyMs: 2 }));
  return { device, hooks: device, cleanup: nothingToClean };
});

documentReaderContract('sim,document-reader', async () => {
  const device = new SimDocumentReader(context('passport', 'sim,document-reader'), { latencyMs: 5, serial: 'T2' });
  return { device, hooks: device, cleanup: nothingToClean };
});

signaturePadContract('sim,signature-pad', async () => {
  const device = new SimSignaturePad(context('pad', 'sim,signature-pad'), simSignaturePadProps.parse({ latencyMs: 2, signingMs: 400 }));
  return { device, hooks: device, cleanup: nothingToClean };
});

fingerprintContract('sim,fingerprint', async () => {
  const device = new SimFingerprintScanner(
    context('scanner', 'sim,fingerprint'),
    simFingerprintProps.parse({ latencyMs: 2, placeDelayMs: 30, previewFrames: 2 }),
  );
  return { device, hooks: device, cleanup: nothingToClean };
});

cameraContract('sim,camera', async () => {
  const device = new SimCamera(context('camera', 'sim,camera'), simCameraProps.parse({ latencyMs: 5, previewIntervalMs: 50 }));
  return { device, hooks: device, cleanup: nothingToClean };
});
