/**
 * The simulated booth's test hooks as named commands, so a person at `make run`, a test, or
 * booth-rig can press the exit button or pull a cable on a running boothd through its control
 * socket. Returns nothing for devices that are not simulators.
 */
import { DEVICE_ERROR_CODES, type DeviceErrorCode } from '../hal/errors.ts';
import { FINGER_POSITIONS, type FingerPosition } from '../hal/fingerprint.ts';
import type { AnyDevice } from '../hal/index.ts';
import { SimCamera } from './devices/sim-camera.ts';
import { SimDevice } from './devices/sim-device.ts';
import { SimDocumentReader } from './devices/sim-document-reader.ts';
import { SimDoorLock } from './devices/sim-door-lock.ts';
import { SimFingerprintScanner } from './devices/sim-fingerprint.ts';
import { SimSensors } from './devices/sim-sensors.ts';

/**
 * What `sim.face` puts in front of the camera. `badly-lit` is the room light 3 stops off: the
 * camera's auto exposure makes up for it, so it shows only once exposure is set by hand.
 */
export const FACE_SUBJECTS = {
  ok: { present: true, eyesOpen: true, frontal: true, lightingStops: 0 },
  present: { present: true },
  absent: { present: false },
  'eyes-closed': { present: true, eyesOpen: false },
  turned: { present: true, frontal: false },
  'badly-lit': { present: true, lightingStops: 3 },
} as const;

export interface SimCommand {
  command: string;
  describe: string;
  handler: (args: Record<string, unknown>) => unknown;
}

export function simControlCommands(devices: readonly AnyDevice[]): SimCommand[] {
  const sims = devices.filter((device): device is AnyDevice & SimDevice<never, string> => device instanceof SimDevice);
  if (sims.length === 0) return [];
  const byId = (args: Record<string, unknown>): SimDevice<never, string> => {
    const id = args.device;
    const device = sims.find((sim) => sim.id === id);
    if (!device) throw new Error(`args.device must name a simulated device (${sims.map((sim) => sim.id).join(', ')}); got ${JSON.stringify(id)}`);
    return device;
  };
  const only = <T>(kind: new (...args: never[]) => T, what: string): T => {
    const device = sims.find((sim) => sim instanceof kind);
    if (!device) throw new Error(`this booth has no simulated ${what}`);
    return device as T;
  };
  const flag = (args: Record<string, unknown>, name: string): boolean => {
    const value = args[name] ?? true;
    if (typeof value !== 'boolean') throw new Error(`args.${name} must be true or false; got ${JSON.stringify(value)}`);
    return value;
  };
  return [
    { command: 'sim.unplug', describe: 'pull the cable of {device}', handler: (args) => void byId(args).unplug() },
    { command: 'sim.replug', describe: 'plug {device} back in', handler: (args) => void byId(args).replug() },
    { command: 'sim.exit-button', describe: 'press the exit button', handler: () => void only(SimSensors, 'sensors').pressExitButton() },
    {
      command: 'sim.fire-alarm',
      describe: 'set the fire alarm input {active: boolean}',
      handler: (args) => void only(SimSensors, 'sensors').setFireAlarm(flag(args, 'active')),
    },
    {
      command: 'sim.occupancy',
      describe: 'a person steps in {occupied: true} or out {occupied: false}',
      handler: (args) => void only(SimSensors, 'sensors').setOccupied(flag(args, 'occupied')),
    },
    { command: 'sim.force-door', describe: 'push the door open', handler: () => void only(SimDoorLock, 'door lock').openDoor() },
    {
      command: 'sim.jam-bolt',
      describe: 'the bolt stops following lock commands {jammed: boolean}',
      handler: (args) => void only(SimDoorLock, 'door lock').jamBolt(flag(args, 'jammed')),
    },
    { command: 'sim.close-door', describe: 'let the door swing shut', handler: () => void only(SimDoorLock, 'door lock').closeDoor() },
    {
      command: 'sim.physical-door',
      describe: 'what the simulated lock is physically doing',
      handler: () => ({ bolt: only(SimDoorLock, 'door lock').physicalBolt }),
    },
    {
      command: 'sim.hang',
      describe: 'the next command to {device} never gets an answer (only its timeout ends it)',
      handler: (args) => void byId(args).hangNextCommand(),
    },
    {
      command: 'sim.fail-next',
      describe: 'the next command to {device} fails with {code} (ETIMEDOUT, EIO, EBADMSG, ENODEV, EBUSY, …)',
      handler: (args) => void byId(args).failNextCommand(errorCode(args.code)),
    },
    {
      command: 'sim.latency',
      describe: '{device} answers every command after {latencyMs} from now on',
      handler: (args) => {
        const latency = args.latencyMs;
        if (typeof latency !== 'number' || !Number.isInteger(latency) || latency < 0 || latency > 60_000) {
          throw new Error(`args.latencyMs must be an integer 0..60000; got ${JSON.stringify(latency)}`);
        }
        byId(args).setLatency(latency);
      },
    },
    {
      command: 'sim.finger-quality',
      describe: 'every finger the person places has this {quality} (0-100)',
      handler: (args) => {
        const quality = args.quality;
        if (typeof quality !== 'number' || !Number.isInteger(quality) || quality < 0 || quality > 100) {
          throw new Error(`args.quality must be an integer 0..100; got ${JSON.stringify(quality)}`);
        }
        only(SimFingerprintScanner, 'fingerprint scanner').setAllFingersQuality(quality);
      },
    },
    {
      command: 'sim.wrong-hand',
      describe: 'the person puts the other hand on the platen {wrong: boolean}',
      handler: (args) => void only(SimFingerprintScanner, 'fingerprint scanner').setWrongHand(flag(args, 'wrong')),
    },
    {
      command: 'sim.fingers-missing',
      describe: 'exactly these {fingers: [1-10…]} never touch the platen (every other finger does)',
      handler: (args) => {
        const fingers = args.fingers;
        if (!Array.isArray(fingers) || !fingers.every((finger) => FINGER_POSITIONS.includes(finger as FingerPosition))) {
          throw new Error(`args.fingers must be a list of finger positions 1..10; got ${JSON.stringify(fingers)}`);
        }
        const scanner = only(SimFingerprintScanner, 'fingerprint scanner');
        for (const finger of FINGER_POSITIONS) scanner.setFingerMissing(finger, fingers.includes(finger));
      },
    },
    {
      command: 'sim.face',
      describe: `who stands in front of the camera {subject: ${Object.keys(FACE_SUBJECTS).join('|')}}`,
      handler: (args) => {
        const subject = args.subject;
        if (typeof subject !== 'string' || !Object.hasOwn(FACE_SUBJECTS, subject)) {
          throw new Error(`args.subject must be one of ${Object.keys(FACE_SUBJECTS).join(', ')}; got ${JSON.stringify(subject)}`);
        }
        only(SimCamera, 'camera').setSubject(FACE_SUBJECTS[subject as keyof typeof FACE_SUBJECTS]);
      },
    },
    {
      command: 'sim.present-mrz',
      describe: 'lay a passport with {lines: string[]} on the reader',
      handler: (args) => {
        const lines = args.lines;
        if (!Array.isArray(lines) || !lines.every((line) => typeof line === 'string')) {
          throw new Error('args.lines must be an array of MRZ lines');
        }
        only(SimDocumentReader, 'document reader').presentMrz(lines);
      },
    },
    {
      command: 'sim.remove-document',
      describe: 'take the document off the reader (the person leaves with their passport)',
      handler: () => void sims.find((sim): sim is SimDocumentReader & SimDevice<never, string> => sim instanceof SimDocumentReader)?.removeDocument(),
    },
  ];
}

function errorCode(code: unknown): DeviceErrorCode {
  if (typeof code !== 'string' || !(DEVICE_ERROR_CODES as readonly string[]).includes(code)) {
    throw new Error(`args.code must be one of ${DEVICE_ERROR_CODES.join(', ')}; got ${JSON.stringify(code)}`);
  }
  return code as DeviceErrorCode;
}
