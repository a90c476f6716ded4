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
import { openDirect } from './direct-devices.ts';
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
  const direct = await openDirect(loaded, 'boothctl status');
  try {
    const probed: ProbedDevice[] = [];
    for (const { entry, driver } of loaded.devices) {
      const device = direct.devices.find((open) => open.id === entry.id);
      const failure = direct.failed.find((failed) => failed.id === entry.id);
      if (!device) {
        const code = (failure?.error as { code?: string } | undefined)?.code ?? 'EIO';
        probed.push({ id: entry.id, deviceClass: driver.deviceClass, compatible: entry.compatible, state: 'closed', ok: false, lastError: { code, message: failure?.error.message ?? 'did not open' } });
        continue;
      }
      const health = await device.health({ timeoutMs: 2000 }).catch((error: Error) => ({ state: device.state, ok: false, lastError: { code: 'EIO', message: error.message } }));
      probed.push({
        id: entry.id,
        deviceClass: device.deviceClass,
        compatible: entry.compatible,
        state: health.state,
        ok: health.ok,
        ...(direct.info.has(entry.id) ? { info: direct.info.get(entry.id)! } : {}),
        ...(health.lastError ? { lastError: { code: health.lastError.code, message: health.lastError.message } } : {}),
      });
    }
    return probed;
  } finally {
    await direct.close();
  }
}
