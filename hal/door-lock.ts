/**
 * Door lock: the electric strike or magnetic lock of the booth door, with its bolt and door
 * contact sensors.
 *
 * Safety contract (DESIGN.md): the lock is fail-safe. Power loss, a closed transport and every
 * fault leave the door UNLOCKED. `unlock` is always accepted: it pre-empts any command in
 * flight instead of answering EBUSY, and it succeeds on a device that is already unlocked.
 * Only `lock` may be refused.
 */
import type { Device, IoOptions } from './device.ts';

export type BoltState = 'locked' | 'unlocked';
export type ContactState = 'open' | 'closed';

export interface DoorStatus {
  bolt: BoltState;
  contact: ContactState;
}

export type DoorLockCapability =
  | 'bolt-sensor' // the lock reports whether the bolt really moved
  | 'door-contact' // a reed contact tells open/closed
  | 'forced-entry-detect'; // contact opening while locked raises `forced`

export interface DoorLockEvents {
  /** The bolt moved (commanded or not). */
  bolt: [state: BoltState];
  /** The door opened or closed. */
  contact: [state: ContactState];
  /** The door opened while the bolt was locked. */
  forced: [];
}

export interface DoorLock extends Device<DoorLockEvents, DoorLockCapability> {
  readonly deviceClass: 'door-lock';
  /** Locks the bolt. Rejects with EIO when the bolt sensor does not confirm. */
  lock(options?: IoOptions): Promise<DoorStatus>;
  /** Releases the bolt. Always accepted, pre-empts any command in flight. */
  unlock(options?: IoOptions): Promise<DoorStatus>;
  /** Reads bolt and contact. */
  status(options?: IoOptions): Promise<DoorStatus>;
}
