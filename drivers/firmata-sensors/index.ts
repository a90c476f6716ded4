/**
 * `firmata,sensors`: the booth's binary inputs (exit button, fire alarm, PIR occupancy, door
 * contact, tamper switch, UPS on battery) on Firmata board pins, debounced on the injected clock,
 * and an optional climate reading from two analog transmitters.
 *
 * The event that acts on the door comes first: `exit-button` and `fire-alarm` are emitted before
 * the `change` of the same input, so the door guard's release is not queued behind telemetry.
 * Inputs already active when the device opens (a fire alarm during a restart) are reported then.
 */
import type { DeviceContext } from '../../hal/device-core.ts';
import type { IoOptions } from '../../hal/device.ts';
import type { BinarySensor, SensorSnapshot, Sensors, SensorsCapability, SensorsEvents } from '../../hal/sensors.ts';
import type { FirmataBoard } from '../firmata/board.ts';
import type { InputSpec } from '../firmata/config.ts';
import { DebouncedInput } from '../firmata/debounce.ts';
import { FirmataDevice, type FirmataDeviceOptions } from '../firmata/firmata-device.ts';
import { PinMode } from '../firmata/protocol.ts';
import type { FirmataSensorsProps } from './config.ts';
import { analogNotReported, inputNotReported, type SensorsFailure } from './errors.ts';
import { analogValue, INPUT_SENSOR, inputActive, type InputName } from './protocol.ts';

export { firmataSensorsProps, type FirmataSensorsProps } from './config.ts';

interface WiredInput {
  name: InputName;
  sensor: BinarySensor;
  spec: InputSpec;
  pin: number;
  debounced: DebouncedInput;
}

interface ClimateChannel {
  pin: number;
  /** The ADC's top value on this pin, from the board's capability response. */
  max: number;
  raw: number | undefined;
  /** Reported since the last climate evaluation. */
  fresh: boolean;
}

export class FirmataSensors extends FirmataDevice<SensorsEvents, SensorsCapability> implements Sensors {
  readonly deviceClass = 'sensors' as const;
  readonly capabilities: ReadonlySet<SensorsCapability>;
  readonly #props: FirmataSensorsProps;
  #inputs: WiredInput[] = [];
  #temperature: ClimateChannel | undefined;
  #humidity: ClimateChannel | undefined;
  /** The barrier pin of `read` and its mode. */
  #probe: { pin: number; name: string; modes: number[] } | undefined;
  /** What the last events said, kept across re-opens so a re-open reports only real changes. */
  readonly #reported = new Map<BinarySensor, boolean>();
  #reportedClimate: [number, number] | undefined;

  constructor(context: DeviceContext, props: FirmataSensorsProps, options: Omit<FirmataDeviceOptions, 'board'>) {
    super(context, { ...options, board: props.board });
    this.#props = props;
    const capabilities = new Set<SensorsCapability>();
    for (const name of this.inputNames()) capabilities.add(INPUT_SENSOR[name].capability);
    if (props.climate) capabilities.add('climate');
    this.capabilities = capabilities;
  }

  read(options?: IoOptions): Promise<SensorSnapshot> {
    return this.command('read', options, { timeoutMs: 1000 }, (signal) =>
      this.onBoard('read', async () => {
        const probe = this.#probe!;
        // The read-back orders the snapshot after every report the board sent before it.
        await this.board('read').pins.expect(probe.pin, probe.name, probe.modes, undefined, signal);
        return this.snapshot();
      }),
    );
  }

  protected describe(): string {
    return `sensors (${[...this.capabilities].join(', ')})`;
  }

  protected async configure(board: FirmataBoard, signal: AbortSignal): Promise<void> {
    const pins = board.pins;
    const climate = this.#props.climate;
    const wanted = this.inputNames().map((name) => {
      const spec = this.#props.inputs[name]!;
      return { name, spec, pin: pins.resolve(spec.pin) };
    });
    const temperaturePin = climate ? pins.resolve(climate.temperature.pin) : -1;
    const humidityPin = climate ? pins.resolve(climate.humidity.pin) : -1;
    pins.claim(this.id, [
      ...wanted.map(({ name, spec, pin }) => ({ pin, use: spec.pullUp ? ('pullup-input' as const) : ('input' as const), name })),
      ...(climate
        ? [
            { pin: temperaturePin, use: 'analog' as const, name: 'temperature' },
            { pin: humidityPin, use: 'analog' as const, name: 'humidity' },
          ]
        : []),
    ]);
    this.#inputs = wanted.map(({ name, spec, pin }) => {
      const sensor = INPUT_SENSOR[name].sensor;
      const debounced = new DebouncedInput(this.clock, spec.debounce, spec.debounceMs, (active) => this.onInput(name, sensor, active));
      pins.input(pin, spec.pullUp, (high) => debounced.feed(inputActive(high, spec.activeLow)));
      return { name, sensor, spec, pin, debounced };
    });
    if (climate) {
      const temperature: ClimateChannel = { pin: temperaturePin, max: pins.maxValue(temperaturePin, 'analog'), raw: undefined, fresh: false };
      const humidity: ClimateChannel = { pin: humidityPin, max: pins.maxValue(humidityPin, 'analog'), raw: undefined, fresh: false };
      this.#temperature = temperature;
      this.#humidity = humidity;
      pins.analog(temperaturePin, (raw) => this.onAnalog(temperature, raw));
      pins.analog(humidityPin, (raw) => this.onAnalog(humidity, raw));
    }
    const first = this.#inputs[0];
    this.#probe = first
      ? { pin: first.pin, name: first.name, modes: [first.spec.pullUp ? PinMode.PULLUP : PinMode.INPUT] }
      : { pin: temperaturePin, name: 'temperature', modes: [PinMode.ANALOG] };
    // Enabling reporting made the board report every input; this answer comes after those reports.
    await pins.expect(this.#probe.pin, this.#probe.name, this.#probe.modes, undefined, signal);
    for (const input of this.#inputs) {
      if (!input.debounced.prime()) this.fail('open', inputNotReported(input.name, input.pin));
    }
    if (this.#temperature?.raw === undefined && climate) this.fail('open', analogNotReported('temperature', temperaturePin));
    if (this.#humidity?.raw === undefined && climate) this.fail('open', analogNotReported('humidity', humidityPin));
    // Report what differs from the last events, fire alarm first.
    for (const input of [...this.#inputs].sort((a, b) => Number(b.name === 'fire-alarm') - Number(a.name === 'fire-alarm'))) {
      const active = input.debounced.value!;
      if ((this.#reported.get(input.sensor) ?? false) !== active) this.onInput(input.name, input.sensor, active, { opening: true });
    }
    this.reportClimate();
  }

  protected async unconfigure(): Promise<void> {}

  protected async verify(board: FirmataBoard, signal: AbortSignal): Promise<void> {
    const probe = this.#probe!;
    await board.pins.expect(probe.pin, probe.name, probe.modes, undefined, signal);
  }

  protected forget(): void {
    for (const input of this.#inputs) input.debounced.reset();
    this.#inputs = [];
    this.#temperature = undefined;
    this.#humidity = undefined;
  }

  protected override healthDetail(): Record<string, string | number | boolean> {
    const snapshot = this.snapshot();
    return Object.fromEntries(
      [...this.#inputs.map((input) => [input.sensor, snapshot[input.sensor]] as const), ...(this.#props.climate ? [['temperatureC', snapshot.temperatureC] as const] : [])],
    );
  }

  private inputNames(): InputName[] {
    return (Object.keys(INPUT_SENSOR) as InputName[]).filter((name) => this.#props.inputs[name] !== undefined);
  }

  private onInput(name: InputName, sensor: BinarySensor, active: boolean, how: { opening?: boolean } = {}): void {
    this.#reported.set(sensor, active);
    const sensors = this as Sensors;
    // A button already held when the device opens is not a press.
    if (name === 'exit-button' && active && !how.opening) sensors.emit('exit-button');
    if (name === 'fire-alarm') sensors.emit('fire-alarm', active);
    sensors.emit('change', sensor, active);
  }

  /** The board samples the channels one after the other: evaluate once both have reported. */
  private onAnalog(channel: ClimateChannel, raw: number): void {
    channel.raw = raw;
    channel.fresh = true;
    if (this.state === 'ready' && this.#temperature?.fresh && this.#humidity?.fresh) this.reportClimate();
  }

  private reportClimate(): void {
    if (this.#temperature) this.#temperature.fresh = false;
    if (this.#humidity) this.#humidity.fresh = false;
    const climate = this.climate();
    if (!climate) return;
    const last = this.#reportedClimate;
    const deadband = this.#props.climate!.deadband;
    if (last && Math.abs(last[0] - climate[0]) < deadband && Math.abs(last[1] - climate[1]) < deadband) return;
    this.#reportedClimate = climate;
    (this as Sensors).emit('climate', climate[0], climate[1]);
  }

  private climate(): [number, number] | undefined {
    const spec = this.#props.climate;
    const temperature = this.#temperature;
    const humidity = this.#humidity;
    if (!spec || temperature?.raw === undefined || humidity?.raw === undefined) return undefined;
    return [
      analogValue(temperature.raw, temperature.max, spec.temperature.zero, spec.temperature.fullScale),
      analogValue(humidity.raw, humidity.max, spec.humidity.zero, spec.humidity.fullScale),
    ];
  }

  private snapshot(): SensorSnapshot {
    const value = (sensor: BinarySensor) => this.#inputs.find((input) => input.sensor === sensor)?.debounced.value ?? false;
    const climate = this.#props.climate ? this.climate() : undefined;
    return {
      occupied: value('occupied'),
      doorOpen: value('doorOpen'),
      exitButtonPressed: value('exitButtonPressed'),
      fireAlarm: value('fireAlarm'),
      tamper: value('tamper'),
      upsOnBattery: value('upsOnBattery'),
      // No climate transmitter: not a number, never a made-up 0 °C.
      temperatureC: climate?.[0] ?? Number.NaN,
      humidityPct: climate?.[1] ?? Number.NaN,
    };
  }

  private fail(operation: string, failure: SensorsFailure): never {
    throw this.error(failure.code, operation, failure.message);
  }
}
