/**
 * The sensors' side of the wire as pure functions: which HAL sensor each input is, what a level
 * means, and the climate value of a raw ADC reading.
 */
import type { BinarySensor, SensorsCapability } from '../../hal/sensors.ts';

export type InputName = 'exit-button' | 'fire-alarm' | 'occupancy' | 'door-contact' | 'tamper' | 'ups';

/** The HAL snapshot field and capability of each input of the manifest. */
export const INPUT_SENSOR: Record<InputName, { sensor: BinarySensor; capability: SensorsCapability }> = {
  'exit-button': { sensor: 'exitButtonPressed', capability: 'exit-button' },
  'fire-alarm': { sensor: 'fireAlarm', capability: 'fire-alarm' },
  occupancy: { sensor: 'occupied', capability: 'occupancy' },
  'door-contact': { sensor: 'doorOpen', capability: 'door-contact' },
  tamper: { sensor: 'tamper', capability: 'tamper' },
  ups: { sensor: 'upsOnBattery', capability: 'ups' },
};

export function inputActive(high: boolean, activeLow: boolean): boolean {
  return high !== activeLow;
}

/** Climate readings are reported to a tenth: finer than a 10-bit ADC over any useful range resolves. */
export const CLIMATE_RESOLUTION = 0.1;

/** A raw ADC value on the transmitter's linear scale, rounded to CLIMATE_RESOLUTION. */
export function analogValue(raw: number, adcMax: number, zero: number, fullScale: number): number {
  const value = zero + (raw / adcMax) * (fullScale - zero);
  return Math.round(value / CLIMATE_RESOLUTION) / (1 / CLIMATE_RESOLUTION);
}

/** The raw ADC value a transmitter gives for `value` (what a simulator or a test puts on the pin). */
export function rawForValue(value: number, adcMax: number, zero: number, fullScale: number): number {
  return Math.min(adcMax, Math.max(0, Math.round(((value - zero) / (fullScale - zero)) * adcMax)));
}
