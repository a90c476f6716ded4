/**
 * What boothctl can learn about the booth with boothd stopped: the outbox read straight from its
 * SQLite file (never repaired or quarantined from here: that is the daemon's job at start-up),
 * and each device probed through the HAL under its lock file.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { systemClock } from '../../hal/clock.ts';
import type { LoadedConfig } from '../config/load.ts';
import { Outbox } from '../outbox/outbox.ts';
import { DirectAccess } from './doctor/booth-access.ts';
import type { DeviceRow } from './commands/status.ts';

export function withOfflineOutbox<T>(loaded: LoadedConfig, use: (outbox: Outbox) => T): T | undefined {
  const { config } = loaded;
  const outbox = new Outbox(join(config.stateDir, 'outbox'), systemClock, {
    maxBytes: config.outbox.maxBytes,
    maxAgeMs: config.outbox.maxAgeHours * 3_600_000,
  });
  if (!existsSync(outbox.path)) return undefined;
  outbox.attach();
  try {
    return use(outbox);
  } finally {
    outbox.close();
  }
}

export type ProbedDevice = DeviceRow & { compatible: string };

/** Opens, asks and closes every device of the manifest; a device that will not open says why. */
export async function probeDevicesDirectly(loaded: LoadedConfig): Promise<ProbedDevice[]> {
  const direct = await DirectAccess.open(loaded, 'boothctl status');
  try {
    return await direct.devices();
  } finally {
    await direct.close();
  }
}
