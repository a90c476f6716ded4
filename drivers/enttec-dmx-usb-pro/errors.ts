/**
 * Errors of the widget link before they become HAL DeviceErrors (the driver adds the device id
 * and the operation). serialport reports open failures as plain messages without an errno, so
 * they are classified by their text.
 */
import { TransportError, type DeviceErrorCode } from '../../hal/errors.ts';

export class DmxLinkError extends TransportError {}

/** Classifies a failure to open the serial port. */
export function openFailure(path: string, error: unknown): DmxLinkError {
  const text = error instanceof Error ? error.message : String(error);
  if (/no such file|ENOENT|no such device|ENXIO/i.test(text)) {
    return new DmxLinkError('ENODEV', `no serial port at ${path} (widget unplugged?)`, { cause: error });
  }
  if (/cannot lock port|resource temporarily unavailable/i.test(text)) {
    return new DmxLinkError('EIO', `serial port ${path} is held by another process`, { cause: error });
  }
  if (/permission denied|EACCES/i.test(text)) {
    return new DmxLinkError('EIO', `no permission to open ${path} (is the service user in the dialout group?)`, { cause: error });
  }
  return new DmxLinkError('EIO', `cannot open ${path}: ${text}`, { cause: error });
}
