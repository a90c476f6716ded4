/**
 * The door lock's side of the wire as pure functions: which pin level energises the relay, what
 * an input level means, and the HAL status made of them. No I/O here.
 */
import type { BoltState, ContactState, DoorStatus } from '../../hal/door-lock.ts';

/** The pin level that puts the relay in the wanted state. */
export function relayLevel(energised: boolean, activeLow: boolean): boolean {
  return energised !== activeLow;
}

/** Whether a relay pin state read back from the board (0/1) means energised. */
export function relayEnergised(pinState: number, activeLow: boolean): boolean {
  return (pinState === 1) !== activeLow;
}

/** An input's meaning from its level: active-low inputs are active when LOW. */
export function inputActive(high: boolean, activeLow: boolean): boolean {
  return high !== activeLow;
}

export interface DoorReadings {
  relayEnergised: boolean;
  /** Debounced bolt sensor (true = engaged); undefined without a sensor. */
  boltEngaged: boolean | undefined;
  /** Debounced door contact (true = open); undefined without a contact. */
  doorOpen: boolean | undefined;
}

/**
 * The bolt as the HAL reports it: the sensor when there is one (it is what the person at the door
 * meets), the relay otherwise. A door without a contact is reported closed.
 */
export function doorStatus(readings: DoorReadings): DoorStatus {
  const bolt: BoltState = (readings.boltEngaged ?? readings.relayEnergised) ? 'locked' : 'unlocked';
  const contact: ContactState = readings.doorOpen ? 'open' : 'closed';
  return { bolt, contact };
}
