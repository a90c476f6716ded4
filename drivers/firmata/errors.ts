/**
 * How the failures of a Firmata board connection become HAL error codes. A board-level failure
 * is a `BoardError` carrying its code; the device that met it rethrows it as its own
 * DeviceError (hal/errors.ts), so the message names the device and the operation.
 */
import { TransportError, type DeviceErrorCode } from '../../hal/errors.ts';

export class BoardError extends TransportError {}

export function isBoardError(value: unknown): value is BoardError {
  return value instanceof BoardError;
}

/**
 * serialport 13 reports open failures as plain Errors whose message carries the reason
 * ("Error: No such file or directory, cannot open /dev/ttyACM0", "Error Resource temporarily
 * unavailable Cannot lock port"). Map them by that reason.
 */
export function openErrorCode(error: unknown): DeviceErrorCode {
  const text = `${(error as NodeJS.ErrnoException)?.code ?? ''} ${(error as Error)?.message ?? String(error)}`;
  if (/ENOENT|No such file|ENXIO|No such device|ENODEV/i.test(text)) return 'ENODEV';
  if (/Cannot lock port|EBUSY|Resource (temporarily )?(unavailable|busy)|EAGAIN/i.test(text)) return 'EBUSY';
  return 'EIO';
}

export function openErrorMessage(path: string, error: unknown): string {
  const code = openErrorCode(error);
  const reason = (error as Error)?.message ?? String(error);
  if (code === 'ENODEV') return `no serial port at ${path} (board unplugged?): ${reason}`;
  if (code === 'EBUSY') return `serial port ${path} is held by another process (boothctl without --direct, or a second boothd?): ${reason}`;
  return `cannot open serial port ${path}: ${reason}`;
}
