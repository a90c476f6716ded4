/**
 * The match table of every implementation this build ships, by manifest `compatible`.
 * Only the composition root (runtime/booth.ts, via boothd/boothctl) imports this file.
 */
import { join, resolve } from 'node:path';
import { SimCamera, simCameraProps } from '../../simulator/devices/sim-camera.ts';
import { SimFingerprintScanner, simFingerprintProps } from '../../simulator/devices/sim-fingerprint.ts';
import { SimSignaturePad, simSignaturePadProps } from '../../simulator/devices/sim-signature-pad.ts';
import { SimDocumentReader, simDocumentReaderProps } from '../../simulator/devices/sim-document-reader.ts';
import { SimDoorLock, simDoorLockProps } from '../../simulator/devices/sim-door-lock.ts';
import { SimLighting, simLightingProps } from '../../simulator/devices/sim-lighting.ts';
import { SimSensors, simSensorsProps } from '../../simulator/devices/sim-sensors.ts';
import { defineDriver, DriverRegistry } from './registry.ts';

export function builtinDrivers(): DriverRegistry {
  return new DriverRegistry([
    defineDriver({
      compatible: 'sim,door-lock',
      deviceClass: 'door-lock',
      description: 'simulated fail-safe door lock; bolt position kept in a state file',
      buses: ['sim'],
      props: simDoorLockProps,
      create: (context, props) =>
        new SimDoorLock(context, {
          ...props,
          stateFile: resolve(context.stateDir, props.stateFile ?? join('sim', `${context.id}.json`)),
        }),
    }),
    defineDriver({
      compatible: 'sim,lighting',
      deviceClass: 'lighting',
      description: 'simulated dimmable lighting channels and scenes',
      buses: ['sim'],
      props: simLightingProps,
      create: (context, props) => new SimLighting(context, props),
    }),
    defineDriver({
      compatible: 'sim,sensors',
      deviceClass: 'sensors',
      description: 'simulated occupancy, door contact, exit button, fire alarm, tamper, climate, UPS',
      buses: ['sim'],
      props: simSensorsProps,
      create: (context, props) => new SimSensors(context, props),
    }),
    defineDriver({
      compatible: 'sim,document-reader',
      deviceClass: 'document-reader',
      description: 'simulated MRZ / barcode reader',
      buses: ['sim'],
      props: simDocumentReaderProps,
      create: (context, props) => new SimDocumentReader(context, props),
    }),
    defineDriver({
      compatible: 'sim,fingerprint',
      deviceClass: 'fingerprint',
      description: 'simulated 500 ppi 4-4-2 slap and palm scanner with segmentation and liveness',
      buses: ['sim'],
      props: simFingerprintProps,
      create: (context, props) => new SimFingerprintScanner(context, props),
    }),
    defineDriver({
      compatible: 'sim,camera',
      deviceClass: 'camera',
      description: 'simulated portrait camera producing JPEG with face checks',
      buses: ['sim'],
      props: simCameraProps,
      create: (context, props) => new SimCamera(context, props),
    }),
    defineDriver({
      compatible: 'sim,signature-pad',
      deviceClass: 'signature-pad',
      description: 'simulated pen pad with pressure, buttons and PNG rendering',
      buses: ['sim'],
      props: simSignaturePadProps,
      create: (context, props) => new SimSignaturePad(context, props),
    }),
  ]);
}
