/**
 * Devices opened by boothctl itself when boothd is down: built from the manifest through the
 * same driver registry and HAL as the daemon, each behind its lock file so a daemon starting
 * meanwhile (or a second boothctl) cannot open it too. Always closed and unlocked afterwards.
 */
import type { AnyDevice, DeviceInfo } from '../../hal/index.ts';
import { systemClock } from '../../hal/clock.ts';
import type { LoadedConfig } from '../config/load.ts';
import { DeviceLocks } from '../devices/device-locks.ts';
import { unknownDevice } from '../control/technician-commands.ts';

export interface DirectDevices {
  devices: AnyDevice[];
  /** Model, serial and firmware of each device that opened. */
  info: Map<string, DeviceInfo>;
  /** Devices that would not open, with the reason (EBUSY names the holder). */
  failed: Array<{ id: string; error: Error }>;
  close(): Promise<void>;
}

/** Opens the devices named by `ids` (all when absent). Never throws for one device's failure. */
export async function openDirect(loaded: LoadedConfig, owner: string, ids?: readonly string[], openTimeoutMs = 5000): Promise<DirectDevices> {
  const { config } = loaded;
  const entries = loaded.devices.filter(({ entry }) => !ids || ids.includes(entry.id));
  for (const id of ids ?? []) {
    if (!loaded.devices.some(({ entry }) => entry.id === id)) throw unknownDevice(id, loaded.devices.map(({ entry }) => entry.id));
  }
  const locks = new DeviceLocks(config.stateDir, owner);
  const devices: AnyDevice[] = [];
  const info = new Map<string, DeviceInfo>();
  const failed: DirectDevices['failed'] = [];
  for (const { entry, driver, props } of entries) {
    const device = driver.create({ id: entry.id, compatible: entry.compatible, bus: entry.bus, clock: systemClock, stateDir: config.stateDir }, props);
    try {
      locks.acquire(entry.id);
      info.set(entry.id, await device.open({ timeoutMs: openTimeoutMs }));
      devices.push(device);
    } catch (error) {
      failed.push({ id: entry.id, error: error as Error });
      await device.close().catch(() => undefined);
      locks.release(entry.id);
    }
  }
  return {
    devices,
    info,
    failed,
    close: async () => {
      for (const device of [...devices].reverse()) await device.close().catch(() => undefined);
      locks.releaseAll();
    },
  };
}
