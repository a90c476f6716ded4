/** The door lock's own failures, with the HAL code each one carries (the shared ones in ../relay-door/failures.ts). */
import type { LockFailure } from '../relay-door/failures.ts';

export { boltNotEngaged, boltStuck, doorIsOpen, type LockFailure } from '../relay-door/failures.ts';

export const inputNotReported = (name: string, pin: number): LockFailure => ({
  code: 'EIO',
  message: `the board did not report the ${name} input (pin ${pin}) after reporting was enabled`,
});
