/**
 * The event side of a relay-driven door lock, whatever drives the relay: reports `bolt` and
 * `contact` only when they change, `forced` when the door opens while locked, and lets a lock or
 * unlock command sleep until the bolt sensor moves (or its time is up).
 */
import type { Clock } from '../../hal/clock.ts';
import type { BoltState, ContactState, DoorStatus } from '../../hal/door-lock.ts';

export interface DoorReporterOptions {
  clock: Clock;
  /** The status as the HAL reports it now. */
  snapshot(): DoorStatus;
  onBolt(bolt: BoltState): void;
  onContact(contact: ContactState): void;
  onForced(): void;
}

export class DoorReporter {
  readonly #options: DoorReporterOptions;
  readonly #boltWaiters = new Set<() => void>();
  #reportedBolt: BoltState = 'unlocked';
  #reportedContact: ContactState = 'closed';

  constructor(options: DoorReporterOptions) {
    this.#options = options;
  }

  /** Emits `bolt` if the bolt differs from what was last reported. */
  reportBolt(): void {
    const { bolt } = this.#options.snapshot();
    if (bolt === this.#reportedBolt) return;
    this.#reportedBolt = bolt;
    this.#options.onBolt(bolt);
  }

  /** The bolt sensor moved: report it and wake every command waiting for it. */
  boltChanged(): void {
    this.reportBolt();
    this.wakeBoltWaiters();
  }

  /** The door contact moved: report it, and a forced entry if the door opened while locked. */
  contactChanged(): void {
    const { contact, bolt } = this.#options.snapshot();
    if (contact === this.#reportedContact) return;
    this.#reportedContact = contact;
    this.#options.onContact(contact);
    if (contact === 'open' && bolt === 'locked') this.#options.onForced();
  }

  /** Sleeps until the bolt sensor moves or `ms` pass on the injected clock; rejects on abort. */
  sleepUntilBoltMoves(ms: number, signal: AbortSignal): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const finish = () => {
        timer.cancel();
        signal.removeEventListener('abort', onAbort);
        this.#boltWaiters.delete(finish);
        resolve();
      };
      const onAbort = () => {
        timer.cancel();
        this.#boltWaiters.delete(finish);
        reject(signal.reason);
      };
      const timer = this.#options.clock.setTimeout(finish, ms);
      this.#boltWaiters.add(finish);
      signal.addEventListener('abort', onAbort, { once: true });
    });
  }

  /** Wakes every sleeping command (e.g. on close or loss, so none waits out its time). */
  wakeBoltWaiters(): void {
    const waiters = [...this.#boltWaiters];
    this.#boltWaiters.clear();
    for (const wake of waiters) wake();
  }
}
