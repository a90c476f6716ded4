/** Finds the simulated devices a simulated person acts on (a booth on real drivers has none). */
import type { AnyDevice } from '../../hal/index.ts';
import { SimCamera } from '../devices/sim-camera.ts';
import { SimDocumentReader } from '../devices/sim-document-reader.ts';
import { SimFingerprintScanner } from '../devices/sim-fingerprint.ts';
import { SimSensors } from '../devices/sim-sensors.ts';
import { SimSignaturePad } from '../devices/sim-signature-pad.ts';
import type { PersonDevices } from './simulated-person.ts';

export function personDevicesOf(devices: readonly AnyDevice[]): PersonDevices {
  const find = <T>(kind: abstract new (...args: never[]) => T): T | undefined => devices.find((device) => device instanceof kind) as T | undefined;
  const found: PersonDevices = {};
  const sensors = find(SimSensors);
  if (sensors?.capabilities.has('occupancy')) found.sensors = sensors;
  const scanner = find(SimFingerprintScanner);
  if (scanner) found.scanner = scanner;
  const camera = find(SimCamera);
  if (camera) found.camera = camera;
  const reader = find(SimDocumentReader);
  if (reader) found.reader = reader;
  const pad = find(SimSignaturePad);
  if (pad) found.pad = pad;
  return found;
}
