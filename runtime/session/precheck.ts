/**
 * Before a person starts: is every device this booth's session needs present and healthy, is
 * there room in the outbox for their captures, and is the fire alarm quiet? A "no" names the
 * first reason, in words for a technician (never shown to the person).
 */
import type { AnyDevice, DeviceClass, FingerprintScanner } from '../../hal/index.ts';
import type { SessionConfig } from './session-config.ts';

export interface PrecheckInputs {
  config: SessionConfig;
  devices: readonly AnyDevice[];
  fireAlarmActive: boolean;
  /** The outbox's answer for a typical session's size; absent on a booth without a capture path. */
  admission?: () => { ok: true } | { ok: false; reason: string };
}

/** The device classes the configured steps use. */
export function neededClasses(config: SessionConfig): DeviceClass[] {
  const classes: DeviceClass[] = [];
  if (config.fingerprints || config.palms.length > 0) classes.push('fingerprint');
  if (config.face) classes.push('camera');
  if (config.signature) classes.push('signature-pad');
  if (config.document.read !== 'none') classes.push('document-reader');
  if (config.lockDoor) classes.push('door-lock');
  return classes;
}

export async function precheck(inputs: PrecheckInputs): Promise<{ ok: true } | { ok: false; reason: string }> {
  const { config, devices } = inputs;
  if (inputs.fireAlarmActive) return { ok: false, reason: 'fire alarm is active' };
  if (!inputs.admission) return { ok: false, reason: 'no capture path: the manifest has no `captures` section' };
  const room = inputs.admission();
  if (!room.ok) return { ok: false, reason: `outbox full: ${room.reason}` };
  for (const deviceClass of neededClasses(config)) {
    const candidates = devices.filter((device) => device.deviceClass === deviceClass);
    if (candidates.length === 0) return { ok: false, reason: `no ${deviceClass} device in the manifest` };
    const device = candidates.find((candidate) => candidate.state === 'ready');
    if (!device) return { ok: false, reason: `${candidates[0]!.id} (${deviceClass}) is ${candidates[0]!.state}` };
    const health = await device.health({ timeoutMs: 2000 }).catch((error: unknown) => ({ ok: false, lastError: { code: String((error as { code?: string }).code ?? 'EIO') } }));
    if (!health.ok) return { ok: false, reason: `${device.id} (${deviceClass}) is not healthy${health.lastError ? `: ${health.lastError.code}` : ''}` };
    if (deviceClass === 'fingerprint' && config.palms.length > 0 && !(device as FingerprintScanner).capabilities.has('palm')) {
      return { ok: false, reason: `${device.id} cannot capture palms (no palm capability) but the manifest asks for ${config.palms.join(', ')}` };
    }
  }
  return { ok: true };
}
