/**
 * `gpio,door-lock`: the booth door's fail-safe lock on the booth PC's own GPIO lines (Linux GPIO
 * character device through libgpiod) — a relay output (energised = locked) with an optional bolt
 * sensor and door contact on edge-event inputs.
 *
 * Fail-safe: the relay line is requested already released (its initial value), closing and every
 * loss write it released while the line is still held, a lock that does not complete releases
 * it, and `unlock` writes the release synchronously, in the same tick it is called, before any
 * read. A lock checks the abort signal right before it energises: a lock pre-empted by an unlock
 * never energises afterwards, whatever a slow read did meanwhile.
 */
import { DoorReporter } from '../relay-door/door-reporter.ts';
import type { DeviceContext } from '../../hal/device-core.ts';
import type { IoOptions } from '../../hal/device.ts';
import type { DoorLock, DoorLockCapability, DoorLockEvents, DoorStatus } from '../../hal/door-lock.ts';
import type { GpioChip, GpioLine } from '../gpio/binding.ts';
import { GpioDevice, type GpioDeviceOptions, type WatchedInput } from '../gpio/gpio-device.ts';
import type { GpioDoorLockProps } from './config.ts';
import { boltNotEngaged, boltStuck, doorIsOpen, relayReadBack, type LockFailure } from './errors.ts';
import { doorStatus } from './protocol.ts';

export { gpioDoorLockProps, type GpioDoorLockProps } from './config.ts';

export class GpioDoorLock extends GpioDevice<DoorLockEvents, DoorLockCapability> implements DoorLock {
  readonly deviceClass = 'door-lock' as const;
  readonly capabilities: ReadonlySet<DoorLockCapability>;
  readonly #props: GpioDoorLockProps;
  #relay: GpioLine | undefined;
  #relayEnergised = false;
  #bolt: WatchedInput | undefined;
  #contact: WatchedInput | undefined;
  /** What the last events said, kept across re-opens so a re-open reports only real changes. */
  readonly #reporter = new DoorReporter({
    clock: this.clock,
    snapshot: () => this.snapshot(),
    onBolt: (bolt) => (this as DoorLock).emit('bolt', bolt),
    onContact: (contact) => (this as DoorLock).emit('contact', contact),
    onForced: () => (this as DoorLock).emit('forced'),
  });

  constructor(context: DeviceContext, props: GpioDoorLockProps, options: Omit<GpioDeviceOptions, 'watchMs'>) {
    super(context, { ...options, watchMs: props.watchMs });
    this.#props = props;
    const capabilities: DoorLockCapability[] = [];
    if (props.boltSensor) capabilities.push('bolt-sensor');
    if (props.doorContact) capabilities.push('door-contact', 'forced-entry-detect');
    this.capabilities = new Set(capabilities);
  }

  lock(options?: IoOptions): Promise<DoorStatus> {
    return this.command('lock', options, { timeoutMs: 2000 }, (signal) =>
      this.onChip('lock', async () => {
        const relay = this.relayLine('lock');
        // Where the relay is now, and the proof that the chip answers.
        this.#relayEnergised = await this.readLine(relay, signal);
        const contact = this.#contact;
        if (contact) {
          // The contact's latest edge may still sit in the kernel's queue: read the level itself.
          await this.refresh(contact, signal);
          await contact.debounced.settled(signal);
          if (contact.debounced.value) this.fail('lock', doorIsOpen());
        }
        // Pre-empted by an unlock (or timed out) while reading: never energise after that.
        signal.throwIfAborted();
        let energised = false;
        try {
          this.writeRelay(relay, true);
          energised = true;
          if (!(await this.readLine(relay, signal))) this.fail('lock', relayReadBack(this.#props.relay.line, true));
          if (this.#bolt && !(await this.waitForBolt(true, signal))) this.fail('lock', boltNotEngaged(this.#props.boltConfirmMs));
          this.#reporter.reportBolt();
          return this.snapshot();
        } catch (error) {
          if (energised) this.releaseQuietly(relay);
          throw error;
        }
      }),
    );
  }

  unlock(options?: IoOptions): Promise<DoorStatus> {
    // Pre-empts anything in flight; the release is written before the first await.
    return this.command('unlock', options, { timeoutMs: 2000, preempt: true }, (signal) =>
      this.onChip('unlock', async () => {
        const relay = this.relayLine('unlock');
        this.writeRelay(relay, false);
        if (await this.readLine(relay, signal)) this.fail('unlock', relayReadBack(this.#props.relay.line, false));
        if (this.#bolt && !(await this.waitForBolt(false, signal))) this.fail('unlock', boltStuck(this.#props.boltConfirmMs));
        this.#reporter.reportBolt();
        return this.snapshot();
      }),
    );
  }

  status(options?: IoOptions): Promise<DoorStatus> {
    return this.command('status', options, { timeoutMs: 1000 }, (signal) =>
      this.onChip('status', async () => {
        this.#relayEnergised = await this.readLine(this.relayLine('status'), signal);
        this.#reporter.reportBolt();
        return this.snapshot();
      }),
    );
  }

  protected describe(): string {
    const { relay, boltSensor, doorContact } = this.#props;
    return `door lock (relay line ${relay.line}${boltSensor ? `, bolt sensor line ${boltSensor.line}` : ''}${doorContact ? `, door contact line ${doorContact.line}` : ''})`;
  }

  protected async configure(chip: GpioChip): Promise<void> {
    const { relay, boltSensor, doorContact } = this.#props;
    // Fail-safe first: the relay is requested released, before any input is even requested.
    this.#relayEnergised = false;
    this.#relay = this.requestOutput(chip, 'relay', relay, false);
    if (boltSensor) this.#bolt = this.requestInput(chip, 'bolt sensor', boltSensor, () => this.#reporter.boltChanged());
    if (doorContact) this.#contact = this.requestInput(chip, 'door contact', doorContact, () => this.#reporter.contactChanged());
  }

  protected opened(): void {
    this.#reporter.reportBolt();
    this.#reporter.contactChanged();
  }

  protected makeSafe(): void {
    this.#relayEnergised = false;
    this.#relay?.write(false);
  }

  protected forget(): void {
    this.#relay = undefined;
    this.#bolt = undefined;
    this.#contact = undefined;
    this.#reporter.wakeBoltWaiters();
  }

  protected override healthDetail(): Record<string, string | number | boolean> {
    const status = this.snapshot();
    return { relay: this.#relayEnergised ? 'energised' : 'released', bolt: status.bolt, contact: status.contact };
  }

  private relayLine(operation: string): GpioLine {
    const relay = this.#relay;
    if (!relay) throw this.error('ENODEV', operation, 'chip not open');
    return relay;
  }

  private writeRelay(relay: GpioLine, energised: boolean): void {
    // Believe released before the write: a write that throws leaves no "energised" claim behind.
    if (!energised) this.#relayEnergised = false;
    relay.write(energised);
    this.#relayEnergised = energised;
  }

  /** A lock that did not complete must not leave the relay energised. */
  private releaseQuietly(relay: GpioLine): void {
    try {
      this.writeRelay(relay, false);
    } catch {
      // the chip is gone: an unpowered relay is released
    }
  }

  private snapshot(): DoorStatus {
    return doorStatus({ relayEnergised: this.#relayEnergised, boltEngaged: this.#bolt?.debounced.value, doorOpen: this.#contact?.debounced.value });
  }

  /**
   * Resolves true once the bolt sensor reads `engaged` (and has settled), false after
   * boltConfirmMs — after one last read of the line itself, in case its edge was dropped.
   */
  private async waitForBolt(engaged: boolean, signal: AbortSignal): Promise<boolean> {
    const bolt = this.#bolt!;
    const deadline = this.clock.now() + this.#props.boltConfirmMs;
    let reread = false;
    for (;;) {
      signal.throwIfAborted();
      await bolt.debounced.settled(signal);
      if (bolt.debounced.value === engaged) return true;
      const left = deadline - this.clock.now();
      if (left <= 0) {
        if (reread) return false;
        reread = true;
        await this.refresh(bolt, signal);
        continue;
      }
      await this.#reporter.sleepUntilBoltMoves(left, signal);
    }
  }

  private fail(operation: string, failure: LockFailure): never {
    throw this.error(failure.code, operation, failure.message);
  }
}
