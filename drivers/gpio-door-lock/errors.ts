/** The GPIO door lock's own failures, with the HAL code each one carries (the shared ones in ../relay-door/failures.ts). */
import type { LockFailure } from '../relay-door/failures.ts';

export { boltNotEngaged, boltStuck, doorIsOpen, type LockFailure } from '../relay-door/failures.ts';

/** The relay line does not read back what was written: a short, or a chip that ignores writes. */
export const relayReadBack = (line: number, wanted: boolean): LockFailure => ({
  code: 'EIO',
  message: `relay line ${line} reads ${wanted ? 'released' : 'energised'} right after it was ${wanted ? 'energised' : 'released'}${wanted ? '; relay released' : ''}`,
});
