/**
 * `firmata,door-lock`: the booth door's fail-safe lock on a Firmata I/O board — a relay output
 * (energised = locked) with an optional bolt sensor and door contact on inputs. Every command
 * reads the relay pin back from the board (PIN_STATE_QUERY), which also orders it after every
 * input report the board sent before: a door that was just pushed open is seen before a lock.
 *
 * Fail-safe: opening writes the relay released before anything else, closing releases it, a
 * lock that does not complete releases it, and the board's own power-up default for an
 * active-high relay is released. `unlock` writes the release in the same tick it is called.
 */
import { DoorReporter } from '../relay-door/door-reporter.ts';
import type { DeviceContext } from '../../hal/device-core.ts';
import type { IoOptions } from '../../hal/device.ts';
import type { DoorLock, DoorLockCapability, DoorLockEvents, DoorStatus } from '../../hal/door-lock.ts';
import type { FirmataBoard } from '../firmata/board.ts';
import { DebouncedInput } from '../firmata/debounce.ts';
import { FirmataDevice, type FirmataDeviceOptions } from '../firmata/firmata-device.ts';
import { PinMode } from '../firmata/protocol.ts';
import type { FirmataDoorLockProps } from './config.ts';
import { boltNotEngaged, boltStuck, doorIsOpen, inputNotReported, type LockFailure } from './errors.ts';
import { doorStatus, inputActive, relayEnergised, relayLevel } from './protocol.ts';

export { firmataDoorLockProps, type FirmataDoorLockProps } from './config.ts';

const OUTPUT = [PinMode.OUTPUT];

export class FirmataDoorLock extends FirmataDevice<DoorLockEvents, DoorLockCapability> implements DoorLock {
  readonly deviceClass = 'door-lock' as const;
  readonly capabilities: ReadonlySet<DoorLockCapability>;
  readonly #props: FirmataDoorLockProps;
  #relayPin = -1;
  #relayEnergised = false;
  #bolt: DebouncedInput | undefined;
  #contact: DebouncedInput | undefined;
  /** What the last events said, kept across re-opens so a re-open reports only real changes. */
  readonly #reporter = new DoorReporter({
    clock: this.clock,
    snapshot: () => this.snapshot(),
    onBolt: (bolt) => (this as DoorLock).emit('bolt', bolt),
    onContact: (contact) => (this as DoorLock).emit('contact', contact),
    onForced: () => (this as DoorLock).emit('forced'),
  });

  constructor(context: DeviceContext, props: FirmataDoorLockProps, options: Omit<FirmataDeviceOptions, 'board'>) {
    super(context, { ...options, board: props.board });
    this.#props = props;
    const capabilities: DoorLockCapability[] = [];
    if (props.boltSensor) capabilities.push('bolt-sensor');
    if (props.doorContact) capabilities.push('door-contact', 'forced-entry-detect');
    this.capabilities = new Set(capabilities);
  }

  lock(options?: IoOptions): Promise<DoorStatus> {
    return this.command('lock', options, { timeoutMs: 2000 }, (signal) =>
      this.onBoard('lock', async () => {
        const pins = this.board('lock').pins;
        // The read-back orders this command after every input report the board sent before it.
        await pins.expect(this.#relayPin, 'relay', OUTPUT, undefined, signal);
        if (this.#contact) {
          await this.#contact.settled(signal);
          if (this.#contact.value) this.fail('lock', doorIsOpen());
        }
        let energised = false;
        try {
          this.writeRelay(true);
          energised = true;
          await pins.expect(this.#relayPin, 'relay', OUTPUT, this.relayPinState(true), signal);
          if (this.#bolt && !(await this.waitForBolt(true, signal))) this.fail('lock', boltNotEngaged(this.#props.boltConfirmMs));
          this.#reporter.reportBolt();
          return this.snapshot();
        } catch (error) {
          if (energised) this.releaseQuietly();
          throw error;
        }
      }),
    );
  }

  unlock(options?: IoOptions): Promise<DoorStatus> {
    // Pre-empts anything in flight; the release is written before the first await.
    return this.command('unlock', options, { timeoutMs: 2000, preempt: true }, (signal) =>
      this.onBoard('unlock', async () => {
        const pins = this.board('unlock').pins;
        this.writeRelay(false);
        await pins.expect(this.#relayPin, 'relay', OUTPUT, this.relayPinState(false), signal);
        if (this.#bolt && !(await this.waitForBolt(false, signal))) this.fail('unlock', boltStuck(this.#props.boltConfirmMs));
        this.#reporter.reportBolt();
        return this.snapshot();
      }),
    );
  }

  status(options?: IoOptions): Promise<DoorStatus> {
    return this.command('status', options, { timeoutMs: 1000 }, (signal) =>
      this.onBoard('status', async () => {
        const answer = await this.board('status').pins.expect(this.#relayPin, 'relay', OUTPUT, undefined, signal);
        this.#relayEnergised = relayEnergised(answer.state, this.#props.relay.activeLow);
        this.#reporter.reportBolt();
        return this.snapshot();
      }),
    );
  }

  protected describe(): string {
    return `door lock (relay on pin ${this.#props.relay.pin})`;
  }

  protected async configure(board: FirmataBoard, signal: AbortSignal): Promise<void> {
    const { relay, boltSensor, doorContact } = this.#props;
    const pins = board.pins;
    this.#relayPin = pins.resolve(relay.pin);
    const boltPin = boltSensor ? pins.resolve(boltSensor.pin) : -1;
    const contactPin = doorContact ? pins.resolve(doorContact.pin) : -1;
    pins.claim(this.id, [
      { pin: this.#relayPin, use: 'output', name: 'relay' },
      ...(boltSensor ? [{ pin: boltPin, use: boltSensor.pullUp ? ('pullup-input' as const) : ('input' as const), name: 'bolt sensor' }] : []),
      ...(doorContact ? [{ pin: contactPin, use: doorContact.pullUp ? ('pullup-input' as const) : ('input' as const), name: 'door contact' }] : []),
    ]);
    // Fail-safe first: the relay is released before any input is even set up.
    pins.output(this.#relayPin, relayLevel(false, relay.activeLow), relayLevel(false, relay.activeLow));
    this.#relayEnergised = false;
    if (boltSensor) {
      const bolt = new DebouncedInput(this.clock, boltSensor.debounce, boltSensor.debounceMs, () => this.#reporter.boltChanged());
      this.#bolt = bolt;
      pins.input(boltPin, boltSensor.pullUp, (high) => bolt.feed(inputActive(high, boltSensor.activeLow)));
    }
    if (doorContact) {
      const contact = new DebouncedInput(this.clock, doorContact.debounce, doorContact.debounceMs, () => this.#reporter.contactChanged());
      this.#contact = contact;
      pins.input(contactPin, doorContact.pullUp, (high) => contact.feed(inputActive(high, doorContact.activeLow)));
    }
    // Enabling reporting made the board report its inputs; this answer comes after those reports.
    await pins.expect(this.#relayPin, 'relay', OUTPUT, this.relayPinState(false), signal);
    if (this.#bolt && !this.#bolt.prime()) this.fail('open', inputNotReported('bolt sensor', boltPin));
    if (this.#contact && !this.#contact.prime()) this.fail('open', inputNotReported('door contact', contactPin));
    this.#reporter.reportBolt();
    this.#reporter.contactChanged();
  }

  protected async unconfigure(board: FirmataBoard, signal: AbortSignal): Promise<void> {
    board.pins.writeDigital(this.#relayPin, relayLevel(false, this.#props.relay.activeLow));
    this.#relayEnergised = false;
    await board.pins.expect(this.#relayPin, 'relay', OUTPUT, this.relayPinState(false), signal);
  }

  protected async verify(board: FirmataBoard, signal: AbortSignal): Promise<void> {
    await board.pins.expect(this.#relayPin, 'relay', OUTPUT, undefined, signal);
  }

  protected forget(): void {
    this.#bolt?.reset();
    this.#contact?.reset();
    this.#bolt = undefined;
    this.#contact = undefined;
    this.#reporter.wakeBoltWaiters();
  }

  protected override healthDetail(): Record<string, string | number | boolean> {
    const status = this.snapshot();
    return { relay: this.#relayEnergised ? 'energised' : 'released', bolt: status.bolt, contact: status.contact };
  }

  private writeRelay(energised: boolean): void {
    this.board(energised ? 'lock' : 'unlock').pins.writeDigital(this.#relayPin, relayLevel(energised, this.#props.relay.activeLow));
    this.#relayEnergised = energised;
  }

  /** A lock that did not complete must not leave the relay energised. */
  private releaseQuietly(): void {
    try {
      this.writeRelay(false);
    } catch {
      // no board: the fail-safe hardware is unpowered, hence released
    }
  }

  private relayPinState(energised: boolean): number {
    return relayLevel(energised, this.#props.relay.activeLow) ? 1 : 0;
  }

  private snapshot(): DoorStatus {
    return doorStatus({ relayEnergised: this.#relayEnergised, boltEngaged: this.#bolt?.value, doorOpen: this.#contact?.value });
  }

  /** Resolves true once the bolt sensor reads `engaged` (and has settled), false after boltConfirmMs. */
  private async waitForBolt(engaged: boolean, signal: AbortSignal): Promise<boolean> {
    const bolt = this.#bolt!;
    const deadline = this.clock.now() + this.#props.boltConfirmMs;
    for (;;) {
      await bolt.settled(signal);
      if (bolt.value === engaged) return true;
      const left = deadline - this.clock.now();
      if (left <= 0) return false;
      await this.#reporter.sleepUntilBoltMoves(left, signal);
    }
  }

  private fail(operation: string, failure: LockFailure): never {
    throw this.error(failure.code, operation, failure.message);
  }
}
