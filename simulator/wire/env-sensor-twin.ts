/**
 * A BES/1 environment sensor on the device end of a PTY pair (docs/protocols/env-sensor-serial.md):
 * temperature, humidity and the UPS's mains/battery state. Test hooks beyond LineTwin's:
 * `setClimate` and `setUpsOnBattery` (each sends its event, as the real sensor does on a change).
 */
import { LineTwin, type LineTwinOptions, type TwinFields, type TwinReply } from './line-twin.ts';
import type { PtyPair } from './pty-pair.ts';

export interface EnvSensorTwinOptions extends LineTwinOptions {
  temperatureC: number;
  humidityPct: number;
  upsOnBattery: boolean;
}

export const ENV_SENSOR_TWIN_DEFAULTS: EnvSensorTwinOptions = {
  model: 'BoothEnv TH-2U',
  serial: 'TH2-004711',
  firmware: '1.3.0',
  version: '1.0',
  latencyMs: 2,
  baudRate: 115_200,
  lineEnding: '\n',
  temperatureC: 22.5,
  humidityPct: 40,
  upsOnBattery: false,
};

export class EnvSensorTwin extends LineTwin {
  protected readonly protocolName = 'BES';
  #temperatureC: number;
  #humidityPct: number;
  #upsOnBattery: boolean;

  constructor(pair: PtyPair, options: Partial<EnvSensorTwinOptions> = {}) {
    const all = { ...ENV_SENSOR_TWIN_DEFAULTS, ...options };
    super(pair, all);
    this.#temperatureC = all.temperatureC;
    this.#humidityPct = all.humidityPct;
    this.#upsOnBattery = all.upsOnBattery;
  }

  /** Test hook: a new temperature/humidity reading (sends CLIMATE). */
  setClimate(temperatureC: number, humidityPct: number): void {
    this.#temperatureC = temperatureC;
    this.#humidityPct = humidityPct;
    this.sendEvent('CLIMATE', this.climate());
  }

  /** Test hook: mains lost (true) or back (false); sends UPS on a change. */
  setUpsOnBattery(onBattery: boolean): void {
    if (this.#upsOnBattery === onBattery) return;
    this.#upsOnBattery = onBattery;
    this.sendEvent('UPS', { battery: onBattery ? 1 : 0 });
  }

  protected helloFields(): TwinFields {
    const { model, serial, firmware } = this.options;
    return { model, serial, fw: firmware };
  }

  protected handle(verb: string): TwinReply {
    if (verb === 'READ') return { ok: { ...this.climate(), battery: this.#upsOnBattery ? 1 : 0 } };
    return { err: 'BADCMD', msg: `unknown verb ${verb}` };
  }

  /** The doc: right after the HELLO answer, one CLIMATE and one UPS event with the current state. */
  protected override afterHello(): void {
    this.sendEvent('CLIMATE', this.climate());
    this.sendEvent('UPS', { battery: this.#upsOnBattery ? 1 : 0 });
  }

  protected reset(): void {}

  private climate(): TwinFields {
    return { t: this.#temperatureC.toFixed(1), rh: this.#humidityPct.toFixed(1) };
  }
}
