/**
 * The booth PC facts `boothctl status` shows next to the daemon's own: disk free where the
 * outbox lives, the kernel's clock synchronisation, and the broker client certificate's expiry.
 * Each fact that cannot be read says why instead of failing the whole status.
 */
import type { BoothConfig } from '../config/schema.ts';
import { certificateExpiry } from './certificate.ts';
import { readClockSync, type ClockSyncReport } from './clock-sync.ts';
import { diskSpace } from './disk.ts';
import { existsSync } from 'node:fs';
import { dirname, resolve } from 'node:path';

export interface HostFacts {
  disk: ReturnType<typeof diskSpace> | { error: string };
  clock: ClockSyncReport;
  certificate?: ReturnType<typeof certificateExpiry> | { error: string };
}

export function hostFacts(config: Pick<BoothConfig, 'stateDir' | 'mqtt'>, now: number, readClock: () => ClockSyncReport = readClockSync): HostFacts {
  const certFile = config.mqtt.tls?.certFile;
  return {
    disk: attempt(() => diskSpace(existingAncestor(config.stateDir))),
    clock: readClock(),
    ...(certFile ? { certificate: attempt(() => certificateExpiry(certFile, now)) } : {}),
  };
}

function attempt<T>(read: () => T): T | { error: string } {
  try {
    return read();
  } catch (error) {
    return { error: (error as Error).message };
  }
}

/** The state dir before boothd first ran is not there yet: its disk is its nearest parent's. */
function existingAncestor(dir: string): string {
  let current = resolve(dir);
  while (!existsSync(current) && dirname(current) !== current) current = dirname(current);
  return current;
}
