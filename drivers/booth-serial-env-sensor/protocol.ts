/**
 * BES/1, the environment sensor's line protocol (docs/protocols/env-sensor-serial.md): what its
 * HELLO and READ answers and its CLIMATE and UPS events carry. Pure: fields in, values out.
 */
import type { DeviceInfo } from '../../hal/device.ts';
import { decimalField, intField, type Fields } from '../line-protocol/framing.ts';

export const BES = { name: 'BES', major: 1, minor: 0 } as const;

/** The sensor's specified range; a value outside it is a bad message, not a reading. */
export const TEMPERATURE_RANGE_C = [-40, 85] as const;
export const HUMIDITY_RANGE_PCT = [0, 100] as const;

export interface Climate {
  temperatureC: number;
  humidityPct: number;
}

export interface Reading extends Climate {
  upsOnBattery: boolean;
}

export function parseHello(fields: Fields): DeviceInfo | string {
  const { model, serial, fw } = fields;
  if (!model || !serial || !fw) return 'lacks model=, serial= or fw=';
  return { model, serial, firmware: fw };
}

export function parseClimate(fields: Fields): Climate | undefined {
  const temperatureC = decimalField(fields, 't', ...TEMPERATURE_RANGE_C);
  const humidityPct = decimalField(fields, 'rh', ...HUMIDITY_RANGE_PCT);
  if (temperatureC === undefined || humidityPct === undefined) return undefined;
  return { temperatureC, humidityPct };
}

/** `battery=1`: the booth runs on the UPS battery; `battery=0`: on mains. */
export function parseUps(fields: Fields): boolean | undefined {
  const battery = intField(fields, 'battery', 0, 1);
  return battery === undefined ? undefined : battery === 1;
}

export function parseReading(fields: Fields): Reading | undefined {
  const climate = parseClimate(fields);
  const upsOnBattery = parseUps(fields);
  if (!climate || upsOnBattery === undefined) return undefined;
  return { ...climate, upsOnBattery };
}
