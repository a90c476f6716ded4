/**
 * Releases the door without boothd: opens each door lock of the manifest straight through the
 * HAL, unlocks it and closes it again. systemd's ExecStopPost runs this (via `boothctl door
 * unlock --direct`) after boothd stopped for any reason, including SIGKILL and crashes that the
 * in-process guard could not handle.
 */
import { join } from 'node:path';
import type { Clock, DoorLock } from '../../hal/index.ts';
import { AuditLog } from '../audit/audit-log.ts';
import type { LoadedConfig } from '../config/load.ts';
import type { BoothLogger } from '../logging/logger.ts';

export interface DirectReleaseResult {
  door: string;
  ok: boolean;
  detail: string;
}

export async function releaseDoorsDirectly(
  loaded: LoadedConfig,
  clock: Clock,
  logger: BoothLogger,
  reason: string,
): Promise<DirectReleaseResult[]> {
  const { config } = loaded;
  const audit = new AuditLog(join(config.stateDir, 'audit.log'), clock, logger, config.audit);
  const doors = loaded.devices.filter(({ driver }) => driver.deviceClass === 'door-lock');
  const results = await Promise.all(
    doors.map(async ({ entry, driver, props }): Promise<DirectReleaseResult> => {
      const door = driver.create(
        { id: entry.id, compatible: entry.compatible, bus: entry.bus, clock, stateDir: config.stateDir },
        props,
      ) as DoorLock;
      try {
        await door.open({ timeoutMs: 5000 });
        const status = await door.unlock({ timeoutMs: 2000 });
        audit.record('door.released', { door: entry.id, reason, bolt: status.bolt, by: 'direct' });
        return { door: entry.id, ok: true, detail: `bolt ${status.bolt}` };
      } catch (error) {
        const code = (error as { code?: string }).code ?? 'EIO';
        audit.record('door.release-failed', { door: entry.id, reason, code, by: 'direct' });
        return { door: entry.id, ok: false, detail: (error as Error).message };
      } finally {
        await door.close().catch(() => undefined);
      }
    }),
  );
  audit.close();
  return results;
}
