/**
 * The door lock's side of the wire as pure functions: which pin level energises the relay, what
 * an input level means, and the HAL status made of them. No I/O here.
 */

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

export { doorStatus, type DoorReadings } from '../relay-door/status.ts';
