/**
 * SDK statuses as the scanner reports them: the HAL code comes from the shared BioSDK table
 * (drivers/biosdk/errors.ts); this adds what a status means for a finger or palm capture, so a
 * log line tells the operator what happened at the platen.
 */
import { BioStatus } from '../biosdk/protocol.ts';

export function scannerStatusHint(status: number, operation: string): string | undefined {
  const capture = operation.startsWith('capture');
  switch (status) {
    case BioStatus.TIMEOUT:
      return capture ? 'nothing was placed on the platen in time' : undefined;
    case BioStatus.NOT_SUPPORTED:
      return 'this scanner has no such capture mode';
    case BioStatus.HARDWARE:
      return 'the scanner reported a sensor or lamp failure';
    case BioStatus.BUFFER_TOO_SMALL:
      return 'the scanner returned a larger image than it declared';
    case BioStatus.RESET:
      return 'the capture was aborted by a device reset';
    default:
      return undefined;
  }
}
