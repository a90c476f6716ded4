/**
 * The simulated vendor SDK's cable as control-socket commands, so a test or booth-rig can unplug
 * a scanner or camera inside a running boothd (the SDK's state lives in boothd's process: a test
 * that loads the same library gets its own copy). Offered only for devices on this checkout's
 * simulated SDK library, never for a vendor's real one.
 */
import { basename } from 'node:path';
import { SimBioSdkControls } from './controls.ts';

export interface SdkSimCommand {
  command: string;
  describe: string;
  handler: (args: Record<string, unknown>) => unknown;
}

const SIMULATED_LIBRARY = 'libbooth_bio_sdk.so';

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
  return [
    { command: 'sim.sdk-unplug', describe: 'pull the USB cable of the simulated SDK device {serial} (all when absent)', handler: (args) => void sdk().unplug(serialOf(args)) },
    { command: 'sim.sdk-replug', describe: 'plug the simulated SDK device {serial} back in (all when absent)', handler: (args) => void sdk().replug(serialOf(args)) },
  ];
}
