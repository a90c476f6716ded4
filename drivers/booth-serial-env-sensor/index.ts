/**
 * `booth,serial-env-sensor`: the booth's climate and UPS monitor on a serial port, speaking
 * BES/1 (docs/protocols/env-sensor-serial.md). It has the `climate` and `ups` capabilities only;
 * the binary inputs it does not have read as `false` and never change (hal/sensors.ts).
 */
import type { DeviceInfo, IoOptions } from '../../hal/device.ts';
import type { SensorSnapshot, Sensors, SensorsCapability, SensorsEvents } from '../../hal/sensors.ts';
import type { EventFrame, Fields } from '../line-protocol/framing.ts';
import { LineProtocolDevice, type LineOptions } from '../line-protocol/line-device.ts';
import type { SerialEnvSensorProps } from './config.ts';
import { badHello, badReading } from './errors.ts';
import { BES, parseClimate, parseHello, parseReading, parseUps, type Climate } from './protocol.ts';

export { serialEnvSensorProps, type SerialEnvSensorProps } from './config.ts';

export type SerialEnvSensorOptions = SerialEnvSensorProps & Pick<LineOptions, 'path' | 'baudRate'>;

export class SerialEnvSensor extends LineProtocolDevice<SensorsEvents, SensorsCapability> implements Sensors {
  readonly deviceClass = 'sensors' as const;
  readonly capabilities: ReadonlySet<SensorsCapability> = new Set(['climate', 'ups']);
  protected readonly protocol = BES;
  /** Inputs this device lacks stay false; climate is NaN until the first reading. */
  #snapshot: SensorSnapshot = {
    occupied: false,
    doorOpen: false,
    exitButtonPressed: false,
    fireAlarm: false,
    tamper: false,
    temperatureC: Number.NaN,
    humidityPct: Number.NaN,
    upsOnBattery: false,
  };

  read(options?: IoOptions): Promise<SensorSnapshot> {
    return this.command('read', options, { timeoutMs: 1000 }, async (signal) => {
      const reading = parseReading(await this.request('read', 'READ', {}, signal));
      if (!reading) throw this.error('EBADMSG', 'read', badReading());
      this.setClimate(reading, false);
      this.setUps(reading.upsOnBattery);
      return { ...this.#snapshot };
    });
  }

  protected acceptHello(fields: Fields): DeviceInfo {
    const info = parseHello(fields);
    if (typeof info === 'string') throw badHello(info);
    return info;
  }

  protected onDeviceEvent(event: EventFrame): void {
    switch (event.name) {
      case 'CLIMATE': {
        const climate = parseClimate(event.fields);
        if (climate) this.setClimate(climate, true);
        else this.stats.badEvents += 1;
        return;
      }
      case 'UPS': {
        const onBattery = parseUps(event.fields);
        if (onBattery !== undefined) this.setUps(onBattery);
        else this.stats.badEvents += 1;
        return;
      }
      default:
        return; // an event a newer minor version added: ignored, as the protocol says
    }
  }

  protected override healthDetail(): Record<string, string | number | boolean> {
    const { temperatureC, humidityPct, upsOnBattery } = this.#snapshot;
    return { ...(Number.isFinite(temperatureC) ? { temperatureC, humidityPct } : {}), upsOnBattery };
  }

  private setClimate(climate: Climate, announce: boolean): void {
    this.#snapshot = { ...this.#snapshot, ...climate };
    if (announce) this.emit('climate', climate.temperatureC, climate.humidityPct);
  }

  /** A change event also when a READ finds a state whose event never arrived. */
  private setUps(onBattery: boolean): void {
    if (this.#snapshot.upsOnBattery === onBattery) return;
    this.#snapshot = { ...this.#snapshot, upsOnBattery: onBattery };
    this.emit('change', 'upsOnBattery', onBattery);
  }
}
