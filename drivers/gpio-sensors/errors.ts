/** The GPIO sensors' own failures, with the HAL code each one carries. */
import type { DeviceErrorCode } from '../../hal/errors.ts';

export interface SensorsFailure {
  code: DeviceErrorCode;
  message: string;
}

/** An input the sensors do not know (a props schema and the code out of step). */
export const unknownInput = (name: string): SensorsFailure => ({ code: 'ENOTSUP', message: `no such input "${name}"` });
