/**
 * The readable live view of the booth: one log line per device event (door, light, sensors,
 * captures, lifecycle), as a field technician wants to watch it. Captures are described by size,
 * quality and liveness only; no image bytes, no document text ever reaches a line.
 */
import type { EventEmitter } from 'node:events';
import type { AnyDevice } from '../../hal/index.ts';
import type { AuditSink } from '../audit/audit-log.ts';
import type { BoothLogger } from '../logging/logger.ts';
import type { DeviceManager } from './device-manager.ts';

/**
 * With `audit`, device changes also go to the audit log: `device.ready` (model, serial,
 * firmware: a swapped device shows), `device.lost`, `device.fault`, and `device.open-failed`
 * for the first failure of a run of retries only (an unplugged device retries for ever).
 */
export function logDeviceEvents(manager: DeviceManager, logger: BoothLogger, audit?: AuditSink): void {
  const failing = new Set<string>();
  manager.on('ready', (device, info) => {
    failing.delete(device.id);
    logger.info({ device: device.id, model: info.model, serial: info.serial, firmware: info.firmware }, `${device.id} ready (${info.model})`);
    audit?.record('device.ready', { device: device.id, compatible: device.compatible, model: info.model, serial: info.serial, firmware: info.firmware });
  });
  manager.on('open-failed', (device, error, retryInMs) => {
    logger.warn({ device: device.id, code: error.code, retryInMs }, `${device.id} failed to open (${error.code}); retry in ${retryInMs} ms`);
    if (!failing.has(device.id)) audit?.record('device.open-failed', { device: device.id, code: error.code });
    failing.add(device.id);
  });
  manager.on('lost', (device, error) => {
    logger.error({ device: device.id, code: error.code }, `${device.id} lost: ${error.message}`);
    audit?.record('device.lost', { device: device.id, code: error.code });
  });
  manager.on('fault', (device, error) => {
    logger.error({ device: device.id, code: error.code }, `${device.id} fault: ${error.message}`);
    audit?.record('device.fault', { device: device.id, code: error.code });
  });
  manager.on('all-ready', () => logger.info({ devices: manager.devices.length }, `all ${manager.devices.length} devices ready`));
  for (const device of manager.devices) describeClassEvents(device, logger);
}

function describeClassEvents(device: AnyDevice, logger: BoothLogger): void {
  const on = (event: string, listener: (...args: never[]) => void) =>
    (device as unknown as EventEmitter).on(event, listener as (...args: unknown[]) => void);
  const id = device.id;
  switch (device.deviceClass) {
    case 'door-lock':
      on('contact', (contact: string) => logger.info({ device: id, contact }, `${id} door ${contact}`));
      on('forced', () => logger.warn({ device: id }, `${id} door FORCED open while locked`));
      break;
    case 'lighting':
      on('scene', (scene: string) => logger.info({ device: id, scene }, `${id} scene "${scene}"`));
      on('level', (channel: string, level: number) => logger.debug({ device: id, channel, percent: level }, `${id} ${channel} = ${level}%`));
      break;
    case 'sensors':
      on('change', (sensor: string, value: boolean) => logger.info({ device: id, sensor, value }, `${id} ${sensor} = ${value}`));
      on('climate', (temperatureC: number, humidityPct: number) =>
        logger.debug({ device: id, temperatureC, humidityPct }, `${id} ${temperatureC} °C, ${humidityPct} %RH`),
      );
      break;
    case 'fingerprint':
      on('presence', (present: boolean) => logger.debug({ device: id, present }, `${id} platen ${present ? 'occupied' : 'clear'}`));
      break;
    case 'signature-pad':
      on('button', (button: string) => logger.info({ device: id, button }, `${id} button ${button}`));
      // Pen samples are not logged: 200 a second, and a signature is personal data.
      break;
    case 'document-reader':
      on('presence', (present: boolean) => logger.info({ device: id, present }, `${id} document ${present ? 'placed' : 'removed'}`));
      break;
    case 'camera':
      break;
  }
}
