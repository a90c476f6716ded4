/**
 * What is wired to the Firmata twin's pins in a booth: the lock (relay → magnet → bolt sensor),
 * the door and its contacts, the exit button, PIR, tamper switch, fire-alarm and UPS contacts,
 * and two analog climate transmitters. Tests act on the booth (`pressExitButton`, `openDoor`,
 * `setFireAlarm`, …) and read the lock (`physicalBolt`, `relayEnergised`); this turns that into
 * pin levels with each input's polarity, and the relay output back into a bolt.
 *
 * The lock is fail-safe: the bolt is engaged only while the relay is energised — by a powered
 * board, with the pin at the relay's active level — and the bolt is not jammed.
 */
import type { BoltState } from '../../hal/door-lock.ts';
import type { FirmataBoardTwin } from './firmata-board-twin.ts';

export interface WiredInput {
  pin: number;
  /** Active (pressed, open, alarm, …) is a LOW level: a contact to ground with a pull-up. */
  activeLow?: boolean;
}

export interface AnalogTransmitter {
  channel: number;
  /** The reading at 0 and at the ADC's top, as the driver's props say. */
  zero: number;
  fullScale: number;
}

export interface BoothWiring {
  relay?: { pin: number; activeLow?: boolean };
  boltSensor?: WiredInput;
  /** Every contact that sees the door (the lock's and the sensor board's). */
  doorContacts?: WiredInput[];
  exitButton?: WiredInput;
  occupancy?: WiredInput;
  fireAlarm?: WiredInput;
  tamper?: WiredInput;
  ups?: WiredInput;
  climate?: { temperature: AnalogTransmitter; humidity: AnalogTransmitter };
  /** How long the bolt takes to engage after the relay is energised. */
  boltEngageMs?: number;
}

export class FirmataBoothRig {
  readonly twin: FirmataBoardTwin;
  readonly #wiring: BoothWiring;
  #bolt: BoltState = 'unlocked';
  #jammed = false;
  #engage: ReturnType<typeof setTimeout> | undefined;
  #active = new Map<number, boolean>();
  #releases = new Set<ReturnType<typeof setTimeout>>();

  constructor(twin: FirmataBoardTwin, wiring: BoothWiring) {
    this.twin = twin;
    this.#wiring = wiring;
    // Everything idle: button up, door closed, no alarm.
    for (const input of this.inputs()) this.setActive(input, false);
    this.setBoltSensor();
    twin.on('record', (record) => {
      if (record.pin === wiring.relay?.pin && record.kind !== 'input') this.relayChanged();
    });
    twin.on('power', () => {
      // A board powering up again applies its input levels anew.
      for (const input of this.inputs()) this.setActive(input, this.#active.get(input.pin) ?? false);
      this.relayChanged();
    });
  }

  /** The relay coil has current: a powered board drives the pin to the relay's active level. */
  get relayEnergised(): boolean {
    const relay = this.#wiring.relay;
    if (!relay || !this.twin.powered) return false;
    return (this.twin.output(relay.pin) === 1) !== (relay.activeLow ?? false);
  }

  /** Where the bolt physically is, whatever the host believes. */
  get physicalBolt(): BoltState {
    return this.#bolt;
  }

  pressExitButton(holdMs = 60): void {
    const button = this.#wiring.exitButton;
    if (!button) throw new Error('no exit button wired');
    this.setActive(button, true);
    const release = setTimeout(() => {
      this.#releases.delete(release);
      this.setActive(button, false);
    }, holdMs);
    this.#releases.add(release);
  }

  /** Holds the exit button down (true) or lets it go. */
  setExitButton(pressed: boolean): void {
    const button = this.#wiring.exitButton;
    if (!button) throw new Error('no exit button wired');
    this.setActive(button, pressed);
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
    this.setWired(this.#wiring.occupancy, occupied, 'occupancy');
  }

  setFireAlarm(active: boolean): void {
    this.setWired(this.#wiring.fireAlarm, active, 'fire alarm');
  }

  setTamper(tampered: boolean): void {
    this.setWired(this.#wiring.tamper, tampered, 'tamper switch');
  }

  setUpsOnBattery(onBattery: boolean): void {
    this.setWired(this.#wiring.ups, onBattery, 'UPS contact');
  }

  /** Puts both transmitters' readings on their analog channels (as raw ADC values). */
  setClimate(temperatureC: number, humidityPct: number): void {
    const climate = this.#wiring.climate;
    if (!climate) throw new Error('no climate transmitters wired');
    const max = 2 ** this.twin.profile.adcBits - 1;
    const raw = (value: number, { zero, fullScale }: AnalogTransmitter) => Math.round(((value - zero) / (fullScale - zero)) * max);
    this.twin.setAnalog(climate.temperature.channel, raw(temperatureC, climate.temperature));
    this.twin.setAnalog(climate.humidity.channel, raw(humidityPct, climate.humidity));
  }

  /** Stops pending button releases. */
  dispose(): void {
    for (const release of this.#releases) clearTimeout(release);
    this.#releases.clear();
    clearTimeout(this.#engage);
  }

  private setWired(input: WiredInput | undefined, active: boolean, what: string): void {
    if (!input) throw new Error(`no ${what} wired`);
    this.setActive(input, active);
  }

  private setActive(input: WiredInput, active: boolean): void {
    this.#active.set(input.pin, active);
    this.twin.setInput(input.pin, active !== (input.activeLow ?? false));
  }

  private inputs(): WiredInput[] {
    const w = this.#wiring;
    return [w.exitButton, w.occupancy, w.fireAlarm, w.tamper, w.ups, ...(w.doorContacts ?? [])].filter((input): input is WiredInput => input !== undefined);
  }

  /** A released relay drops the bolt at once (fail-safe magnet); an energised one engages it shortly. */
  private relayChanged(): void {
    const engage = this.relayEnergised && !this.#jammed;
    if (!engage) {
      clearTimeout(this.#engage);
      this.#engage = undefined;
      this.setBolt('unlocked');
      return;
    }
    if (this.#bolt === 'locked' || this.#engage) return;
    const delay = this.#wiring.boltEngageMs ?? 5;
    this.#engage = setTimeout(() => {
      this.#engage = undefined;
      if (this.relayEnergised && !this.#jammed) this.setBolt('locked');
    }, delay);
  }

  private setBolt(bolt: BoltState): void {
    if (this.#bolt === bolt) return;
    this.#bolt = bolt;
    this.setBoltSensor();
  }

  private setBoltSensor(): void {
    const sensor = this.#wiring.boltSensor;
    if (sensor) this.twin.setInput(sensor.pin, (this.#bolt === 'locked') !== (sensor.activeLow ?? false));
  }
}
