/**
 * BioSDK status codes → HAL error codes, shared by the `biosdk,*` drivers (each driver's own
 * errors.ts adds what is specific to its operations).
 */
import { TransportError, type DeviceErrorCode } from '../../hal/errors.ts';
import { BioStatus } from './protocol.ts';

const NAMES = new Map<number, string>([
  [BioStatus.OK, 'BIO_OK'],
  [BioStatus.NOT_INITIALIZED, 'BIO_E_NOT_INITIALIZED'],
  [BioStatus.VERSION_MISMATCH, 'BIO_E_VERSION_MISMATCH'],
  [BioStatus.NO_DEVICE, 'BIO_E_NO_DEVICE'],
  [BioStatus.BUSY, 'BIO_E_BUSY'],
  [BioStatus.TIMEOUT, 'BIO_E_TIMEOUT'],
  [BioStatus.CANCELLED, 'BIO_E_CANCELLED'],
  [BioStatus.BUFFER_TOO_SMALL, 'BIO_E_BUFFER_TOO_SMALL'],
  [BioStatus.INVALID_ARGUMENT, 'BIO_E_INVALID_ARGUMENT'],
  [BioStatus.NOT_SUPPORTED, 'BIO_E_NOT_SUPPORTED'],
  [BioStatus.HARDWARE, 'BIO_E_HARDWARE'],
  [BioStatus.RESET, 'BIO_E_RESET'],
  [BioStatus.BAD_HANDLE, 'BIO_E_BAD_HANDLE'],
  [BioStatus.INTERNAL, 'BIO_E_INTERNAL'],
]);

const HAL_CODES = new Map<number, DeviceErrorCode>([
  [BioStatus.NOT_INITIALIZED, 'EIO'],
  [BioStatus.VERSION_MISMATCH, 'ENOTSUP'],
  [BioStatus.NO_DEVICE, 'ENODEV'],
  [BioStatus.BUSY, 'EBUSY'],
  [BioStatus.TIMEOUT, 'ETIMEDOUT'],
  [BioStatus.CANCELLED, 'ECANCELED'],
  [BioStatus.BUFFER_TOO_SMALL, 'EBADMSG'],
  [BioStatus.INVALID_ARGUMENT, 'EBADMSG'],
  [BioStatus.NOT_SUPPORTED, 'ENOTSUP'],
  [BioStatus.HARDWARE, 'EIO'],
  [BioStatus.RESET, 'EIO'],
  [BioStatus.BAD_HANDLE, 'ENODEV'],
  [BioStatus.INTERNAL, 'EIO'],
]);

/** `BIO_E_TIMEOUT`, or `status -42` for a code the header does not define. */
export function statusName(status: number): string {
  return NAMES.get(status) ?? `status ${status}`;
}

/** The HAL code for an SDK status. A status the header does not define is an answer we cannot parse: EBADMSG. */
export function halCodeForStatus(status: number): DeviceErrorCode {
  return HAL_CODES.get(status) ?? 'EBADMSG';
}

/** The device is gone (or its handle died with it): the driver marks itself lost. */
export function meansDeviceGone(status: number): boolean {
  return status === BioStatus.NO_DEVICE || status === BioStatus.BAD_HANDLE;
}

/** A failure while loading or initialising the SDK, with the HAL code it should surface as. */
export class BioSdkLoadError extends TransportError {}
