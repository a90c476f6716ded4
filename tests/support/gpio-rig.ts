/**
 * A GPIO booth for tests: a chip (the in-process fake, or a real gpio-sim chip through libgpiod
 * when BOOTH_GPIO_SIM names one — see docs/drivers/gpio.md), the booth's wiring on its lines, and
 * the manifest `props` of `gpio,door-lock` and `gpio,sensors` that match that wiring.
 *
 * The wiring is the lock (relay → magnet → bolt sensor, with a jam), the door and its contacts,
 * the exit button, PIR, tamper, fire-alarm and UPS contacts, each with its polarity. The lock is
 * fail-safe: the bolt is engaged only while the chip is there, drives the relay line to the
 * relay's active level, and the bolt is not jammed.
 */
import type { BoltState } from '../../hal/door-lock.ts';
import type { DeviceErrorCode } from '../../hal/errors.ts';
import type { Clock } from '../../hal/clock.ts';
import type { GpioChipBinding } from '../../drivers/gpio/binding.ts';
import { FakeGpioChip, type GpioPins } from './fake-gpio-chip.ts';
import { gpioSimBench } from './gpio-sim.ts';

/** Lines of the booth layout (docs/drivers/gpio.md). */
export const LINE = {
  ups: 5,
  relay: 17,
  boltSensor: 18,
  doorContact: 22,
  exitButton: 23,
  fireAlarm: 24,
  occupancy: 25,
  sensorDoorContact: 26,
  tamper: 27,
} as const;

/** Fast enough for tests: a chip that went away without an edge is found within 100 ms. */
export const FAST_WATCH = { watchMs: 100 };

export const GPIO_DOOR_PROPS = {
  relay: { line: LINE.relay },
  boltSensor: { line: LINE.boltSensor },
  doorContact: { line: LINE.doorContact, activeLow: true },
  ...FAST_WATCH,
};

export const GPIO_SENSORS_PROPS = {
  inputs: {
    'exit-button': { line: LINE.exitButton, activeLow: true },
    'fire-alarm': { line: LINE.fireAlarm, activeLow: true },
    occupancy: { line: LINE.occupancy },
    'door-contact': { line: LINE.sensorDoorContact, activeLow: true },
    tamper: { line: LINE.tamper, activeLow: true },
    ups: { line: LINE.ups, activeLow: true },
  },
  ...FAST_WATCH,
};

export interface WiredLine {
  line: number;
  /** Active (pressed, open, alarm, …) is a LOW level: a contact to ground with a pull-up. */
  activeLow?: boolean;
}

export interface GpioWiring {
  relay?: WiredLine;
  boltSensor?: WiredLine;
  /** Every contact that sees the door (the lock's and the sensors'). */
  doorContacts?: WiredLine[];
  exitButton?: WiredLine;
  occupancy?: WiredLine;
  fireAlarm?: WiredLine;
  tamper?: WiredLine;
  ups?: WiredLine;
  /** How long the bolt takes to engage after the relay is energised. */
  boltEngageMs?: number;
}

export const GPIO_WIRING: GpioWiring = {
  relay: { line: LINE.relay },
  boltSensor: { line: LINE.boltSensor },
  doorContacts: [
    { line: LINE.doorContact, activeLow: true },
    { line: LINE.sensorDoorContact, activeLow: true },
  ],
  exitButton: { line: LINE.exitButton, activeLow: true },
  fireAlarm: { line: LINE.fireAlarm, activeLow: true },
  occupancy: { line: LINE.occupancy },
  tamper: { line: LINE.tamper, activeLow: true },
  ups: { line: LINE.ups, activeLow: true },
};

export class GpioBoothRig {
  readonly pins: GpioPins;
  readonly #wiring: GpioWiring;
  readonly #clock: Clock;
  #bolt: BoltState = 'unlocked';
  #jammed = false;
  #engage: { cancel(): void } | undefined;
  readonly #releases = new Set<{ cancel(): void }>();
  readonly #unsubscribe: () => void;

  constructor(pins: GpioPins, wiring: GpioWiring) {
    this.pins = pins;
    this.#wiring = wiring;
    this.#clock = pins.clock;
    // Everything idle: button up, door closed, no alarm.
    for (const input of this.inputs()) this.setActive(input, false);
    this.setBoltSensor();
    this.#unsubscribe = pins.onOutputs(() => this.relayChanged());
  }

  /** The relay coil has current: the chip is there and drives the line to the relay's active level. */
  get relayEnergised(): boolean {
    const relay = this.#wiring.relay;
    if (!relay || !this.pins.present) return false;
    return this.pins.level(relay.line) !== (relay.activeLow ?? false);
  }

  /** Where the bolt physically is, whatever the host believes. */
  get physicalBolt(): BoltState {
    return this.#bolt;
  }

  pressExitButton(holdMs = 60): void {
    const button = this.wired(this.#wiring.exitButton, 'exit button');
    this.setActive(button, true);
    const release = this.#clock.setTimeout(() => {
      this.#releases.delete(release);
      this.setActive(button, false);
    }, holdMs);
    this.#releases.add(release);
  }

  setExitButton(pressed: boolean): void {
    this.setActive(this.wired(this.#wiring.exitButton, 'exit button'), pressed);
  }

  openDoor(): void {
    for (const contact of this.#wiring.doorContacts ?? []) this.setActive(contact, true);
  }

  closeDoor(): void {
    for (const contact of this.#wiring.doorContacts ?? []) this.setActive(contact, false);
  }

  setDoorOpen(open: boolean): void {
    if (open) this.openDoor();
    else this.closeDoor();
  }

  jamBolt(jammed: boolean): void {
    this.#jammed = jammed;
    this.relayChanged();
  }

  setOccupied(occupied: boolean): void {
    this.setActive(this.wired(this.#wiring.occupancy, 'occupancy'), occupied);
  }

  setFireAlarm(active: boolean): void {
    this.setActive(this.wired(this.#wiring.fireAlarm, 'fire alarm'), active);
  }

  setTamper(tampered: boolean): void {
    this.setActive(this.wired(this.#wiring.tamper, 'tamper switch'), tampered);
  }

  setUpsOnBattery(onBattery: boolean): void {
    this.setActive(this.wired(this.#wiring.ups, 'UPS contact'), onBattery);
  }

  /** The physical level an active (or idle) wired input puts on its line. */
  levelFor(input: WiredLine, active: boolean): boolean {
    return active !== (input.activeLow ?? false);
  }

  dispose(): void {
    for (const release of this.#releases) release.cancel();
    this.#releases.clear();
    this.#engage?.cancel();
    this.#unsubscribe();
  }

  private wired(input: WiredLine | undefined, what: string): WiredLine {
    if (!input) throw new Error(`no ${what} wired`);
    return input;
  }

  private setActive(input: WiredLine, active: boolean): void {
    this.pins.setLevel(input.line, this.levelFor(input, active));
  }

  private inputs(): WiredLine[] {
    const w = this.#wiring;
    return [w.exitButton, w.occupancy, w.fireAlarm, w.tamper, w.ups, ...(w.doorContacts ?? [])].filter((input): input is WiredLine => input !== undefined);
  }

  /** A released relay drops the bolt at once (fail-safe magnet); an energised one engages it shortly. */
  private relayChanged(): void {
    // A chip that comes back reads the bolt sensor as the bolt is.
    this.setBoltSensor();
    const engage = this.relayEnergised && !this.#jammed;
    if (!engage) {
      this.#engage?.cancel();
      this.#engage = undefined;
      this.setBolt('unlocked');
      return;
    }
    if (this.#bolt === 'locked' || this.#engage) return;
    this.#engage = this.#clock.setTimeout(() => {
      this.#engage = undefined;
      if (this.relayEnergised && !this.#jammed) this.setBolt('locked');
    }, this.#wiring.boltEngageMs ?? 5);
  }

  private setBolt(bolt: BoltState): void {
    if (this.#bolt === bolt) return;
    this.#bolt = bolt;
    this.setBoltSensor();
  }

  private setBoltSensor(): void {
    const sensor = this.#wiring.boltSensor;
    if (sensor && this.pins.present) this.pins.setLevel(sensor.line, this.levelFor(sensor, this.#bolt === 'locked'));
  }
}

/** The contract hooks every device class shares, played by the chip. */
export interface GpioCommonHooks {
  unplug(): void;
  replug(): void;
  hangNextCommand(): void;
  failNextCommand(code: DeviceErrorCode): void;
}

export interface GpioBench {
  /** What the driver is given (the fake itself, or libgpiod behind the fault hooks). */
  binding: GpioChipBinding;
  /** The manifest's `bus.chip`. */
  chip: string;
  pins: GpioPins;
  rig: GpioBoothRig;
  common: GpioCommonHooks;
  /** The fake chip, when the bench is not on gpio-sim. */
  fake: FakeGpioChip | undefined;
  close(): Promise<void>;
}

/** The chip and wiring: a gpio-sim chip when BOOTH_GPIO_SIM names one, the fake otherwise. */
export async function gpioBooth(options: { clock?: Clock; wiring?: GpioWiring } = {}): Promise<GpioBench> {
  const wiring = options.wiring ?? GPIO_WIRING;
  const simulated = process.env.BOOTH_GPIO_SIM;
  if (simulated) {
    const sim = await gpioSimBench(simulated);
    const rig = new GpioBoothRig(sim.pins, wiring);
    return {
      binding: sim.binding,
      chip: sim.chip,
      pins: sim.pins,
      rig,
      common: sim.common,
      fake: undefined,
      close: async () => {
        rig.dispose();
        await sim.close();
      },
    };
  }
  const fake = new FakeGpioChip({ ...(options.clock ? { clock: options.clock } : {}) });
  const rig = new GpioBoothRig(fake, wiring);
  return {
    binding: fake,
    chip: fake.name,
    pins: fake,
    rig,
    common: {
      unplug: () => fake.unplug(),
      replug: () => fake.replug(),
      hangNextCommand: () => fake.hangNextRead(),
      failNextCommand: (code) => fake.failNextRead(code),
    },
    fake,
    close: async () => {
      rig.dispose();
      fake.releaseHangs();
    },
  };
}
