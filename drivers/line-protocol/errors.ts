/**
 * Errors of the serial line link before they reach a device: each carries the HAL code it
 * becomes (the device wraps it into a DeviceError naming itself and the operation).
 */
import { TransportError, type DeviceErrorCode } from '../../hal/errors.ts';
import type { ProtocolVersion } from './framing.ts';

export class LineError extends TransportError {}

/** The `code=` of an `ERR` answer or a `FAULT` event, mapped to the HAL (the docs' table). */
export const DEVICE_CODE_TO_HAL: Readonly<Record<string, DeviceErrorCode>> = {
  BADCMD: 'ENOTSUP',
  NOTSUP: 'ENOTSUP',
  VERSION: 'ENOTSUP',
  BADARG: 'EBADMSG',
  BUSY: 'EBUSY',
  HW: 'EIO',
  TIMEOUT: 'ETIMEDOUT',
  NODEV: 'ENODEV',
  CANCELED: 'ECANCELED',
};

export function halCodeOf(deviceCode: string | undefined): DeviceErrorCode {
  return (deviceCode !== undefined && DEVICE_CODE_TO_HAL[deviceCode]) || 'EIO';
}

/** Device text in an error message: printable, bounded (it is the device's words, not ours). */
export function deviceText(text: string | undefined): string {
  const clean = (text ?? '').replace(/[^\x20-\x7e\u00a0-\uffff]/g, '?');
  return clean.length > 120 ? `${clean.slice(0, 117)}...` : clean;
}

/** What an `ERR` answer becomes. */
export function errAnswer(verb: string, code: string | undefined, message: string | undefined): LineError {
  const text = deviceText(message);
  return new LineError(halCodeOf(code), `the device refused ${verb}: ERR ${code ?? '?'}${text ? ` (${text})` : ''}`);
}

/** Why an open is refused for the protocol the device announced. */
export function versionRefusal(expected: { name: string; major: number }, announced: ProtocolVersion | undefined, raw: string | undefined): LineError {
  if (!announced) {
    return new LineError('EBADMSG', `the HELLO answer has no valid proto= (got "${deviceText(raw)}"), expected ${expected.name}/${expected.major}.x`);
  }
  const said = `${announced.name}/${announced.major}.${announced.minor}`;
  if (announced.name !== expected.name) {
    return new LineError('ENOTSUP', `the device speaks ${said}, not ${expected.name}: another kind of device is on this port`);
  }
  return new LineError(
    'ENOTSUP',
    `the device speaks protocol ${said}; this driver speaks ${expected.name}/${expected.major}.x (update the driver or the device firmware)`,
  );
}

/** serialport's open errors carry no code; their messages do. */
export function openError(path: string, error: Error): LineError {
  const message = error.message;
  if (/No such file|ENOENT|No such device|ENXIO/i.test(message)) return new LineError('ENODEV', `no serial device at ${path}`, { cause: error });
  if (/Cannot lock port|Resource temporarily unavailable|EBUSY/i.test(message)) {
    return new LineError('EBUSY', `${path} is held by another process`, { cause: error });
  }
  if (/Permission denied|EACCES/i.test(message)) {
    return new LineError('EIO', `no permission to open ${path} (is the boothd user in the dialout group?)`, { cause: error });
  }
  return new LineError('EIO', `cannot open ${path}: ${message}`, { cause: error });
}
