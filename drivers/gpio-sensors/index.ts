/**
 * `gpio,sensors`: the booth's binary inputs (exit button, fire alarm, PIR occupancy, door contact,
 * tamper switch, UPS on battery) on the booth PC's own GPIO lines (Linux GPIO character device
 * through libgpiod), as edge-event lines debounced on the injected clock.
 *
 * The event that acts on the door comes first: `exit-button` and `fire-alarm` are emitted before
 * the `change` of the same input, so the door guard's release is not queued behind telemetry.
 * Inputs already active when the device opens (a fire alarm during a restart) are reported then;
 * a button already held is not a press.
 */
import type { DeviceContext } from '../../hal/device-core.ts';
import type { IoOptions } from '../../hal/device.ts';
import type { BinarySensor, SensorSnapshot, Sensors, SensorsCapability, SensorsEvents } from '../../hal/sensors.ts';
import type { GpioChip } from '../gpio/binding.ts';
import { GpioDevice, type GpioDeviceOptions, type WatchedInput } from '../gpio/gpio-device.ts';
import type { GpioSensorsProps } from './config.ts';
import { unknownInput } from './errors.ts';
import { edgeEvents, INPUT_SENSOR, inputNames, type InputName } from './protocol.ts';

export { gpioSensorsProps, type GpioSensorsProps } from './config.ts';

interface WiredInput {
  name: InputName;
  sensor: BinarySensor;
  input: WatchedInput;
}

export class GpioSensors extends GpioDevice<SensorsEvents, SensorsCapability> implements Sensors {
  readonly deviceClass = 'sensors' as const;
  readonly capabilities: ReadonlySet<SensorsCapability>;
  readonly #props: GpioSensorsProps;
  #inputs: WiredInput[] = [];
  /** What the last events said, kept across re-opens so a re-open reports only real changes. */
  readonly #reported = new Map<BinarySensor, boolean>();

  constructor(context: DeviceContext, props: GpioSensorsProps, options: Omit<GpioDeviceOptions, 'watchMs'>) {
    super(context, { ...options, watchMs: props.watchMs });
    this.#props = props;
    this.capabilities = new Set(inputNames(props.inputs).map((name) => INPUT_SENSOR[name].capability));
  }

  read(options?: IoOptions): Promise<SensorSnapshot> {
    return this.command('read', options, { timeoutMs: 1000 }, (signal) =>
      this.onChip('read', async () => {
        // The levels themselves: an edge may still sit in the kernel's queue. They go through the
        // debounce like any edge; the snapshot is the debounced state.
        const inputs = this.#inputs;
        const levels = await Promise.all(inputs.map((wired) => this.readLine(wired.input.line, signal)));
        inputs.forEach((wired, index) => wired.input.debounced.feed(levels[index]!));
        return this.snapshot();
      }),
    );
  }

  protected describe(): string {
    return `sensors (${inputNames(this.#props.inputs)
      .map((name) => `${name} line ${this.#props.inputs[name]!.line}`)
      .join(', ')})`;
  }

  protected async configure(chip: GpioChip): Promise<void> {
    this.#inputs = inputNames(this.#props.inputs).map((name) => {
      const spec = this.#props.inputs[name];
      if (!spec) {
        const failure = unknownInput(name);
        throw this.error(failure.code, 'open', failure.message);
      }
      const sensor = INPUT_SENSOR[name].sensor;
      return { name, sensor, input: this.requestInput(chip, name, spec, (active) => this.onInput(name, sensor, active)) };
    });
  }

  protected opened(): void {
    // Report what differs from the last events, fire alarm first.
    const ordered = [...this.#inputs].sort((a, b) => Number(b.name === 'fire-alarm') - Number(a.name === 'fire-alarm'));
    for (const wired of ordered) {
      const active = wired.input.debounced.value ?? false;
      if ((this.#reported.get(wired.sensor) ?? false) !== active) this.onInput(wired.name, wired.sensor, active, true);
    }
  }

  protected makeSafe(): void {}

  protected forget(): void {
    this.#inputs = [];
  }

  protected override healthDetail(): Record<string, string | number | boolean> {
    const snapshot = this.snapshot();
    return Object.fromEntries(this.#inputs.map((wired) => [wired.sensor, snapshot[wired.sensor]]));
  }

  private onInput(name: InputName, sensor: BinarySensor, active: boolean, opening = false): void {
    this.#reported.set(sensor, active);
    const sensors = this as Sensors;
    for (const event of edgeEvents(name, active, opening)) {
      if (event === 'exit-button') sensors.emit('exit-button');
      else sensors.emit('fire-alarm', active);
    }
    sensors.emit('change', sensor, active);
  }

  private snapshot(): SensorSnapshot {
    const value = (sensor: BinarySensor) => this.#inputs.find((wired) => wired.sensor === sensor)?.input.debounced.value ?? false;
    return {
      occupied: value('occupied'),
      doorOpen: value('doorOpen'),
      exitButtonPressed: value('exitButtonPressed'),
      fireAlarm: value('fireAlarm'),
      tamper: value('tamper'),
      upsOnBattery: value('upsOnBattery'),
      // GPIO lines carry no climate: not a number, never a made-up 0 °C.
      temperatureC: Number.NaN,
      humidityPct: Number.NaN,
    };
  }
}
