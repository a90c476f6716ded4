/**
 * Failures at the GPIO binding boundary. A {@link GpioError} carries the HAL code the drivers
 * surface, the errno name the kernel or libgpiod gave (kept in the message: it is what a
 * technician searches for), and says which chip and line.
 */
import type { DeviceErrorCode } from '../../hal/errors.ts';

export class GpioError extends Error {
  readonly code: DeviceErrorCode;
  /** The errno name behind it ("EBUSY", "ENOENT"), or undefined when it did not come from errno. */
  readonly errno: string | undefined;

  constructor(code: DeviceErrorCode, message: string, errno?: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'GpioError';
    this.code = code;
    this.errno = errno;
  }
}

export function isGpioError(value: unknown, code?: DeviceErrorCode): value is GpioError {
  return value instanceof GpioError && (code === undefined || value.code === code);
}

/** The HAL code of an errno name from the GPIO character device or libgpiod. */
export function halCodeForErrno(errno: string): DeviceErrorCode {
  switch (errno) {
    case 'ENOENT': // no /dev/<chip>
    case 'ENODEV': // chip unregistered under an open handle
    case 'ENXIO':
    case 'ENOTTY': // the path is not a GPIO chip
      return 'ENODEV';
    case 'EBUSY':
      return 'EBUSY';
    case 'EINVAL': // offset beyond the chip, or flags the kernel does not know (bias before 5.5)
    case 'EOPNOTSUPP':
    case 'ENOTSUP':
      return 'ENOTSUP';
    case 'ETIMEDOUT':
      return 'ETIMEDOUT';
    default:
      return 'EIO';
  }
}

/** What to tell a person about an errno, beyond its name. */
export function errnoHint(errno: string): string | undefined {
  switch (errno) {
    case 'ENOENT':
      return 'no such GPIO chip';
    case 'EACCES':
    case 'EPERM':
      return 'permission denied: boothd needs rw access to the chip (udev rule, group boothd; docs/deploy.md)';
    case 'ENOTTY':
      return 'not a GPIO character device';
    case 'ENODEV':
      return 'the GPIO chip went away';
    case 'EINVAL':
      return 'the chip or kernel refused the request (line offset beyond the chip, or a flag such as bias this kernel lacks)';
    default:
      return undefined;
  }
}

/** "gpiochip0 line 17: EBUSY: …" with the errno's name and a hint. */
export function gpioErrnoError(where: string, operation: string, errno: string, detail?: string): GpioError {
  const hint = detail ?? errnoHint(errno);
  return new GpioError(halCodeForErrno(errno), `${where}: ${operation}: ${errno}${hint ? ` (${hint})` : ''}`, errno);
}
