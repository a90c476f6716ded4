/**
 * The sensors' side of the lines as pure functions: which HAL sensor and capability each input
 * of the manifest is, and the order inputs are reported in when the device opens.
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

/** The inputs named in `inputs`, in a fixed order: the ones that act on the door first. */
export function inputNames(inputs: Partial<Record<InputName, unknown>>): InputName[] {
  return (Object.keys(INPUT_SENSOR) as InputName[]).filter((name) => inputs[name] !== undefined);
}

/** What an input's debounced edge means as events: `exit-button` on a press (not one held at open), `fire-alarm` both ways. */
export function edgeEvents(name: InputName, active: boolean, opening: boolean): Array<'exit-button' | 'fire-alarm'> {
  if (name === 'exit-button') return active && !opening ? ['exit-button'] : [];
  if (name === 'fire-alarm') return ['fire-alarm'];
  return [];
}
