/**
 * The error codes every HAL device may reject with. They follow POSIX errno names so a
 * technician reading a log sees the same word the kernel or a vendor SDK would use.
 */
export const DEVICE_ERROR_CODES = [
  'ETIMEDOUT', // the device did not answer within the call's timeout
  'ENODEV', // the device is not there (unplugged, not opened, closed)
  'EBUSY', // another command is in flight on this device
  'EBADMSG', // the device answered with something we could not parse
  'ENOTSUP', // the device does not have the capability the call needs
  'EIO', // the device reported a failure, or the transport broke
  'ECANCELED', // the caller's AbortSignal fired
] as const;

export type DeviceErrorCode = (typeof DEVICE_ERROR_CODES)[number];

/** A failure of one device operation. `deviceId` and `operation` say where it happened. */
export class DeviceError extends Error {
  readonly code: DeviceErrorCode;
  readonly deviceId: string;
  readonly operation: string;

  constructor(code: DeviceErrorCode, deviceId: string, operation: string, message: string, options?: ErrorOptions) {
    super(`${deviceId}: ${operation}: ${code}: ${message}`, options);
    this.name = 'DeviceError';
    this.code = code;
    this.deviceId = deviceId;
    this.operation = operation;
  }
}

export function isDeviceError(value: unknown, code?: DeviceErrorCode): value is DeviceError {
  return value instanceof DeviceError && (code === undefined || value.code === code);
}

/**
 * A failure below a device (a board link, a serial line, a vendor SDK) that already knows the HAL
 * code it becomes; the device that meets it rethrows it as its own DeviceError, naming itself and
 * the operation. Drivers subclass it to say where it came from.
 */
export class TransportError extends Error {
  readonly code: DeviceErrorCode;

  constructor(code: DeviceErrorCode, message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
  }
}
