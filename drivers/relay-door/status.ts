/**
 * How a relay-driven door lock reports itself, whatever drives the relay (a Firmata board pin, a
 * GPIO line): the HAL status made of the relay and the debounced bolt sensor and door contact.
 */
import type { BoltState, ContactState, DoorStatus } from '../../hal/door-lock.ts';

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
