/**
 * Booth sensors: occupancy, door contact, exit button, fire alarm input, tamper switch,
 * temperature/humidity and the UPS state. Edge events come as they happen; `read` gives a
 * snapshot.
 */
import type { Device, IoOptions } from './device.ts';

/**
 * One reading of every input. A device has only the inputs its `capabilities` list names: an
 * input it lacks reads `false` (binary) or `NaN` (temperature and humidity without `climate`)
 * and never emits an event, so a consumer that must know — "is someone in the booth?" — checks
 * the capability before trusting a `false`.
 */
export interface SensorSnapshot {
  occupied: boolean;
  doorOpen: boolean;
  exitButtonPressed: boolean;
  fireAlarm: boolean;
  tamper: boolean;
  temperatureC: number;
  humidityPct: number;
  upsOnBattery: boolean;
}

export type BinarySensor = 'occupied' | 'doorOpen' | 'exitButtonPressed' | 'fireAlarm' | 'tamper' | 'upsOnBattery';

export type SensorsCapability = 'occupancy' | 'door-contact' | 'exit-button' | 'fire-alarm' | 'tamper' | 'climate' | 'ups';

export interface SensorsEvents {
  /** A binary input changed. */
  change: [sensor: BinarySensor, value: boolean];
  /** The exit button was pressed (edge, debounced). */
  'exit-button': [];
  /** The fire alarm input went active (true) or cleared (false). */
  'fire-alarm': [active: boolean];
  /** A new temperature/humidity reading. */
  climate: [temperatureC: number, humidityPct: number];
}

export interface Sensors extends Device<SensorsEvents, SensorsCapability> {
  readonly deviceClass: 'sensors';
  read(options?: IoOptions): Promise<SensorSnapshot>;
}
