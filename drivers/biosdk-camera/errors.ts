/**
 * SDK statuses as the camera reports them: the HAL code comes from the shared BioSDK table
 * (drivers/biosdk/errors.ts); this adds what a status means for a portrait, exposure or preview.
 */
import { BioStatus } from '../biosdk/protocol.ts';

export function cameraStatusHint(status: number, operation: string): string | undefined {
  switch (status) {
    case BioStatus.TIMEOUT:
      return operation === 'capture' ? 'autofocus or exposure did not settle in time' : undefined;
    case BioStatus.INVALID_ARGUMENT:
      return operation === 'setExposure' ? 'the camera refused the exposure setting' : undefined;
    case BioStatus.NOT_SUPPORTED:
      return 'this camera lacks the capability';
    case BioStatus.HARDWARE:
      return 'the camera reported a sensor or lamp failure';
    case BioStatus.RESET:
      return 'the call was aborted by a device reset';
    default:
      return undefined;
  }
}
