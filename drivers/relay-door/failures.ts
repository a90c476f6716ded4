/** The failures every relay-driven door lock can meet, with the HAL code each one carries. */
import type { DeviceErrorCode } from '../../hal/errors.ts';

export interface LockFailure {
  code: DeviceErrorCode;
  message: string;
}

export const doorIsOpen = (): LockFailure => ({ code: 'EIO', message: 'door is open, bolt cannot engage' });

export const boltNotEngaged = (ms: number): LockFailure => ({
  code: 'EIO',
  message: `bolt sensor did not confirm the bolt engaged within ${ms} ms (jammed or misaligned door?); relay released`,
});

export const boltStuck = (ms: number): LockFailure => ({
  code: 'EIO',
  message: `relay released but the bolt sensor still reads engaged after ${ms} ms (bolt stuck?)`,
});
