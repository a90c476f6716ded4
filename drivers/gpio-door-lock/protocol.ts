/**
 * The door lock's side of the lines: the HAL status made of the relay and the debounced inputs,
 * shared with the Firmata lock. Levels are logical (libgpiod applies active-low): `true` is active.
 */
export { doorStatus, type DoorReadings } from '../relay-door/status.ts';
