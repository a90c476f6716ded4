/** Manifest `props` every `biosdk,*` device accepts (the library path comes from `bus`). */
import { z } from 'zod';

export const bioSdkCommonProps = {
  /** The device's serial as the SDK enumerates it; absent: the first device of the class. */
  serial: z.string().min(1).max(31).optional(),
  /** How long a cancelled SDK call may take to return before the device is reset. */
  cancelGraceMs: z.number().int().min(10).max(30_000).default(1000),
  /** How long `bio_reset` / `bio_close` may take before the device is given up as lost. */
  resetTimeoutMs: z.number().int().min(100).max(120_000).default(5000),
};

/** The library path of a manifest `bus: { type: sdk, library }`, relative paths kept as given. */
export function sdkLibraryOf(bus: { type: string; library?: string }): string {
  if (bus.type !== 'sdk' || !bus.library) throw new Error(`a BioSDK device needs bus { type: sdk, library }, not ${bus.type}`);
  return bus.library;
}
