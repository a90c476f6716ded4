/** The sensors' own failures, with the HAL code each one carries. */
import type { DeviceErrorCode } from '../../hal/errors.ts';

export interface SensorsFailure {
  code: DeviceErrorCode;
  message: string;
}

export const inputNotReported = (name: string, pin: number): SensorsFailure => ({
  code: 'EIO',
  message: `the board did not report the ${name} input (pin ${pin}) after reporting was enabled`,
});

export const analogNotReported = (name: string, pin: number): SensorsFailure => ({
  code: 'EIO',
  message: `the board did not report the ${name} analog input (pin ${pin}) after reporting was enabled`,
});
