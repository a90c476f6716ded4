/**
 * The simulated vendor SDK's hardware side as control-socket commands, so a test or booth-rig can
 * unplug a scanner or camera, make the person at it behave a certain way, or make the device
 * misbehave inside a running boothd (the SDK's state lives in boothd's process: a test that loads
 * the same library gets its own copy). Each command is one `sim_bio_*` control of
 * sim_bio_controls.h; `serial` names the device (every device of the SDK when absent). Offered
 * only for devices on this checkout's simulated SDK library, never for a vendor's real one.
 */
import { basename } from 'node:path';
import { FACE_SUBJECTS } from '../control-hooks.ts';
import { SimBioCorrupt, SimBioHang, SimBioSdkControls } from './controls.ts';

export interface SdkSimCommand {
  command: string;
  describe: string;
  handler: (args: Record<string, unknown>) => unknown;
}

const SIMULATED_LIBRARY = 'libbooth_bio_sdk.so';

/** The bio_status values of booth_bio_sdk.h a device call can be made to fail with. */
export const BIO_FAILURE_STATUS = {
  BIO_E_NO_DEVICE: -3,
  BIO_E_BUSY: -4,
  BIO_E_TIMEOUT: -5,
  BIO_E_INVALID_ARGUMENT: -8,
  BIO_E_HARDWARE: -10,
  BIO_E_INTERNAL: -13,
} as const;

const HANG_MODES = { 'until-cancel': SimBioHang.UNTIL_CANCEL, wedged: SimBioHang.WEDGED } as const;
const CORRUPT_KINDS = {
  'image-bytes': SimBioCorrupt.IMAGE_BYTES,
  dimensions: SimBioCorrupt.DIMENSIONS,
  segments: SimBioCorrupt.SEGMENTS,
  'struct-size': SimBioCorrupt.STRUCT_SIZE,
  quality: SimBioCorrupt.QUALITY,
  jpeg: SimBioCorrupt.JPEG,
} as const;

/** `libraries`: the SDK library path of each biosdk device in the manifest. */
export function sdkSimCommands(libraries: readonly string[]): SdkSimCommand[] {
  const simulated = libraries.find((library) => basename(library) === SIMULATED_LIBRARY);
  if (!simulated) return [];
  let controls: SimBioSdkControls | undefined;
  const sdk = () => (controls ??= new SimBioSdkControls(simulated));
  const serialOf = (args: Record<string, unknown>): string | null => {
    if (args.serial === undefined) return null; // every device of the SDK
    if (typeof args.serial !== 'string' || args.serial === '') throw new Error(`args.serial must be a device serial; got ${JSON.stringify(args.serial)}`);
    return args.serial;
  };
  const integer = (args: Record<string, unknown>, name: string, min: number, max: number): number => {
    const value = args[name];
    if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) throw new Error(`args.${name} must be an integer ${min}..${max}; got ${JSON.stringify(value)}`);
    return value;
  };
  const flag = (args: Record<string, unknown>, name: string): boolean | undefined => {
    const value = args[name];
    if (value !== undefined && typeof value !== 'boolean') throw new Error(`args.${name} must be true or false; got ${JSON.stringify(value)}`);
    return value;
  };
  const oneOf = <T extends Record<string, unknown>>(args: Record<string, unknown>, name: string, table: T, fallback?: keyof T): T[keyof T] => {
    const value = args[name] ?? fallback;
    if (typeof value !== 'string' || !Object.hasOwn(table, value)) throw new Error(`args.${name} must be one of ${Object.keys(table).join(', ')}; got ${JSON.stringify(value)}`);
    return table[value as keyof T];
  };
  return [
    { command: 'sim.sdk-unplug', describe: 'pull the USB cable of the simulated SDK device {serial} (all when absent)', handler: (args) => void sdk().unplug(serialOf(args)) },
    { command: 'sim.sdk-replug', describe: 'plug the simulated SDK device {serial} back in (all when absent)', handler: (args) => void sdk().replug(serialOf(args)) },
    {
      command: 'sim.sdk-quality',
      describe: 'scanner {serial}: the quality 0..100 {quality} of finger {position} 1..10 (0 or absent: every finger; -1: the palm)',
      handler: (args) => {
        const position = args.position === undefined ? 0 : integer(args, 'position', -1, 10);
        sdk().setQuality(serialOf(args), position, integer(args, 'quality', 0, 100));
      },
    },
    {
      command: 'sim.sdk-person',
      describe: 'scanner {serial}: whether the person {places} anything, uses the {wrongHand}, presents a fake finger {spoof} (absent: as it is)',
      handler: (args) => {
        const places = flag(args, 'places');
        const wrongHand = flag(args, 'wrongHand');
        const spoof = flag(args, 'spoof');
        sdk().setPerson(serialOf(args), { ...(places !== undefined ? { places } : {}), ...(wrongHand !== undefined ? { wrongHand } : {}), ...(spoof !== undefined ? { spoof } : {}) });
      },
    },
    {
      command: 'sim.sdk-fingers-missing',
      describe: 'scanner {serial}: exactly these {fingers: [1-10…]} never touch the platen (every other finger does)',
      handler: (args) => {
        const fingers = args.fingers;
        if (!Array.isArray(fingers) || !fingers.every((finger) => Number.isInteger(finger) && finger >= 1 && finger <= 10)) {
          throw new Error(`args.fingers must be a list of finger positions 1..10; got ${JSON.stringify(fingers)}`);
        }
        const serial = serialOf(args);
        for (let finger = 1; finger <= 10; finger += 1) sdk().setFingerMissing(serial, finger, fingers.includes(finger));
      },
    },
    {
      command: 'sim.sdk-subject',
      describe: `camera {serial}: who stands in front of it {subject: ${Object.keys(FACE_SUBJECTS).join('|')}} (as sim.face)`,
      handler: (args) => void sdk().setSubject(serialOf(args), oneOf(args, 'subject', FACE_SUBJECTS)),
    },
    {
      command: 'sim.sdk-hang',
      describe: 'the next blocking call on {serial} never completes by itself {mode: until-cancel (default; bio_cancel ends it) | wedged (only reset, close or unplug)}',
      handler: (args) => void sdk().hangNext(serialOf(args), oneOf(args, 'mode', HANG_MODES, 'until-cancel')),
    },
    {
      command: 'sim.sdk-fail-next',
      describe: `the next blocking call on {serial} fails with {status: ${Object.keys(BIO_FAILURE_STATUS).join('|')}}`,
      handler: (args) => void sdk().failNext(serialOf(args), oneOf(args, 'status', BIO_FAILURE_STATUS)),
    },
    {
      command: 'sim.sdk-corrupt-next',
      describe: `the next capture on {serial} returns BIO_OK with a result that lies {kind: ${Object.keys(CORRUPT_KINDS).join('|')}}`,
      handler: (args) => void sdk().corruptNext(serialOf(args), oneOf(args, 'kind', CORRUPT_KINDS, 'image-bytes')),
    },
    {
      command: 'sim.sdk-timing',
      describe: 'device {serial} from now on: {openMs} USB handshake, {opMs} every other round trip, {placeMs} the person placing the hand / posing (absent: as it is)',
      handler: (args) => {
        const ms = (name: string) => (args[name] === undefined ? undefined : integer(args, name, 0, 60_000));
        const [openMs, opMs, placeMs] = [ms('openMs'), ms('opMs'), ms('placeMs')];
        sdk().setTiming(serialOf(args), { ...(openMs !== undefined ? { openMs } : {}), ...(opMs !== undefined ? { opMs } : {}), ...(placeMs !== undefined ? { placeMs } : {}) });
      },
    },
  ];
}
