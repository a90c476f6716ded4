/** Simulated booth sensors: binary inputs moved by test hooks, and a climate reading. */
import { z } from 'zod';
import type { DeviceContext } from '../../hal/device-core.ts';
import type { IoOptions } from '../../hal/device.ts';
import type { BinarySensor, SensorSnapshot, Sensors, SensorsCapability, SensorsEvents } from '../../hal/sensors.ts';
import { SimDevice } from './sim-device.ts';

export const simSensorsProps = z
  .object({
    temperatureC: z.number().min(-40).max(85).default(22.5),
    humidityPct: z.number().min(0).max(100).default(40),
    latencyMs: z.number().int().min(0).max(10_000).default(5),
    serial: z.string().default('SIM-SENS-0001'),
  })
  .strict();
export type SimSensorsProps = z.infer<typeof simSensorsProps>;

export class SimSensors extends SimDevice<SensorsEvents, SensorsCapability> implements Sensors {
  readonly deviceClass = 'sensors' as const;
  readonly capabilities: ReadonlySet<SensorsCapability> = new Set([
    'occupancy',
    'door-contact',
    'exit-button',
    'fire-alarm',
    'tamper',
    'climate',
    'ups',
  ]);
  protected readonly model = 'SimSense IO-8';
  #snapshot: SensorSnapshot;

  constructor(context: DeviceContext, props: SimSensorsProps) {
    super(context, props);
    this.#snapshot = {
      occupied: false,
      doorOpen: false,
      exitButtonPressed: false,
      fireAlarm: false,
      tamper: false,
      temperatureC: props.temperatureC,
      humidityPct: props.humidityPct,
      upsOnBattery: false,
    };
  }

  read(options?: IoOptions): Promise<SensorSnapshot> {
    return this.command('read', options, { timeoutMs: 1000 }, (signal) => this.roundTrip(signal, () => ({ ...this.#snapshot })));
  }

  /** Test hook: a person steps in (true) or out (false). */
  setOccupied(occupied: boolean): void {
    this.setBinary('occupied', occupied);
  }

  /** Test hook: press and release the exit button. */
  pressExitButton(): void {
    this.setBinary('exitButtonPressed', true);
    (this as Sensors).emit('exit-button');
    this.setBinary('exitButtonPressed', false);
  }

  /** Test hook: the building's fire alarm input goes active or clears. */
  setFireAlarm(active: boolean): void {
    if (this.setBinary('fireAlarm', active)) (this as Sensors).emit('fire-alarm', active);
  }

  /** Test hook: the door contact as the sensor board sees it. */
  setDoorOpen(open: boolean): void {
    this.setBinary('doorOpen', open);
  }

  /** Test hook: the cabinet tamper switch. */
  setTamper(tampered: boolean): void {
    this.setBinary('tamper', tampered);
  }

  /** Test hook: mains lost (true) or back (false). */
  setUpsOnBattery(onBattery: boolean): void {
    this.setBinary('upsOnBattery', onBattery);
  }

  /** Test hook: a new climate reading. */
  setClimate(temperatureC: number, humidityPct: number): void {
    this.#snapshot = { ...this.#snapshot, temperatureC, humidityPct };
    (this as Sensors).emit('climate', temperatureC, humidityPct);
  }

  protected override healthDetail(): Record<string, string | number | boolean> {
    return { temperatureC: this.#snapshot.temperatureC, upsOnBattery: this.#snapshot.upsOnBattery };
  }

  /** Returns whether the value changed. Inputs of an unplugged board do not reach the host. */
  private setBinary(sensor: BinarySensor, value: boolean): boolean {
    if (!this.plugged || this.#snapshot[sensor] === value) return false;
    this.#snapshot = { ...this.#snapshot, [sensor]: value };
    (this as Sensors).emit('change', sensor, value);
    return true;
  }
}
